-- expect: rejected
-- problem: problems/false_def.lean
-- untrusted: rejected
-- Against a FALSE problem (f 1 = 3): a helper theorem desynchronises the scanner, which then
-- misses a `noncomputable section` and an instance that makes `+` multiply; `f` and the
-- statement keep their tokens, and the elaborated statement `f 1 = 2` is the problem's,
-- constant for constant.
theorem carrier : True := by
  trace "{"
  trivial
noncomputable section
local instance (priority := high) fastAdd : HAdd Nat Nat Nat := ⟨Nat.mul⟩
/- "}" -/
def f (n : Nat) : Nat := n + 2

theorem f_one : f 1 = 2 := by decide
