-- expect: rejected
-- cause: statement_unchanged
-- problem: problems/arith.lean
-- untrusted: rejected
theorem add_small : 2 + 3 = 5 := by decide

theorem mul_small : 2 * 3 = 6 := by decide

theorem mul_small : 2 * 3 = 6 := by decide
