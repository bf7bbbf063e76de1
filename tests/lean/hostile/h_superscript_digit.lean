-- expect: rejected
theorem t : 2² = 4 := rfl
