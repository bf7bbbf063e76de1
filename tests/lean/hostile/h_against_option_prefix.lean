-- expect: rejected
-- problem: problems/arith.lean
-- untrusted: rejected
theorem add_small : 2 + 3 = 5 := by decide

set_option maxHeartbeats 400000 in
theorem mul_small : 2 * 3 = 6 := by decide
