-- expect: rejected
-- cause: no_sorry
-- untrusted: rejected
theorem b : 1 = 2 := by admit
theorem c : 2 = 3 := sorry
