-- expect: proved
universe u
variable {α : Type u}

theorem my_id_eq (a : α) : id a = a := rfl
theorem nil_append' (xs : List α) : [] ++ xs = xs := rfl

section
variable (β : Type u) [Inhabited β]
theorem default_eq : (default : β) = default := rfl
end
