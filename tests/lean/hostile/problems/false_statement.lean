-- A FALSE problem: no candidate may ever be rewarded for it.
theorem hard : 1 = 2 := by sorry
