-- expect: rejected
-- cause: no_axioms
-- untrusted: rejected
opaque secret : Nat
theorem b : secret = secret := rfl
