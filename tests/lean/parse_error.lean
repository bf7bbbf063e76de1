theorem broken (n : Nat) : n = n := by
  exact (rfl
theorem after_break : 1 = 1 := rfl
