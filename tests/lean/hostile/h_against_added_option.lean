-- expect: rejected
-- cause: nothing_added
-- problem: problems/arith.lean
-- untrusted: rejected
set_option maxRecDepth 5000

theorem add_small : 2 + 3 = 5 := by decide

theorem mul_small : 2 * 3 = 6 := by decide
