-- expect: proved
-- problem: problems/arith.lean
theorem helper_six : 2 * 3 = 6 := rfl

theorem add_small : 2 + 3 = 5 := by decide

theorem mul_small : 2 * 3 = 6 := helper_six
