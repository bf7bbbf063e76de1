-- expect: proved
/-! # A module doc
Mentions #exit and sorry. -/

/-- The answer. -/
def answer : Nat := 42

/-- Doc of a theorem, with a nested /- comment -/ inside. -/
theorem answer_eq : answer = 42 := rfl

/-- Doc before an attribute. -/
@[simp] theorem answer_simp : answer = 42 := rfl

theorem by_simp : answer + 0 = 42 := by simp
