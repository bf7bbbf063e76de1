-- expect: proved
example : 2 + 2 = 4 := rfl
example (a b : Nat) : a + b = b + a := Nat.add_comm a b
theorem named : True := trivial
example : True := by
  exact named
