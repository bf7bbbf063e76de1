-- expect: rejected
-- cause: no_native
-- untrusted: rejected
macro "fast" : tactic => `(tactic| native_decide)
theorem b : 10 < 20 := by fast
