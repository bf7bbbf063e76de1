theorem add_small : 2 + 3 = 5 := by sorry

theorem mul_small : 2 * 3 = 6 := by sorry
