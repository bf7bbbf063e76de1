-- expect: rejected
-- cause: no_axioms
-- untrusted: rejected
unsafe def evil : Nat := 0
theorem b : True := trivial
