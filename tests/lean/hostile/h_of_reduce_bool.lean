-- expect: rejected
-- cause: no_native
-- untrusted: rejected
theorem b : (10 < 20 : Bool) = true := Lean.ofReduceBool _ _ rfl
