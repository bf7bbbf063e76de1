-- expect: rejected
-- problem: problems/false_def.lean
-- untrusted: rejected
theorem carrier : (!'"'.isDigit) = true := rfl
macro_rules | `($a + $b) => `($a * $b)
/- " -/
def f (n : Nat) : Nat := n + 2

theorem f_one : f 1 = 2 := by decide
