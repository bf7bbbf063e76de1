-- expect: rejected
-- cause: no_native
-- untrusted: rejected
theorem b : 10 < 20 := by native_decide
