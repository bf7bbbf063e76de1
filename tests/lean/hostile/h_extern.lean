-- expect: rejected
-- cause: no_axioms
-- untrusted: rejected
@[extern "lean_nat_add"] def myAdd (a b : Nat) : Nat := a + b
theorem my_add : myAdd 2 2 = 4 := rfl
