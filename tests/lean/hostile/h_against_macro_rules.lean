-- expect: rejected
-- cause: nothing_added
-- problem: problems/false_def.lean
-- untrusted: rejected
macro_rules | `($a + $b) => `($a * $b)
def f (n : Nat) : Nat := n + 2

theorem f_one : f 1 = 2 := by decide
