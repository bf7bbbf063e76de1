-- expect: rejected
-- cause: no_axioms
-- untrusted: rejected
def fastZero : Nat := 1
@[implemented_by fastZero] def zero : Nat := 0
theorem zero_eq : zero = 0 := rfl
