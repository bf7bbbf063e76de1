-- expect: rejected
-- cause: nothing_added
-- problem: problems/arith.lean
-- untrusted: rejected
local notation:65 a " + " b => a * b + 0 * b + (if a = 2 then 0 else 0)

theorem add_small : 2 + 3 = 5 := by decide

theorem mul_small : 2 * 3 = 6 := by decide
