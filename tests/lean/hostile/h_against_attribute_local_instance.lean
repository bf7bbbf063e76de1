-- expect: rejected
-- cause: nothing_added
-- problem: problems/false_def.lean
-- untrusted: rejected
def mulAdd : HAdd Nat Nat Nat := ⟨Nat.mul⟩
attribute [local instance high] mulAdd
def f (n : Nat) : Nat := n + 2

theorem f_one : f 1 = 2 := by decide
