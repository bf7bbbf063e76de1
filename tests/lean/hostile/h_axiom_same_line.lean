-- expect: rejected
-- cause: no_axioms
-- untrusted: rejected
theorem a : True := trivial axiom cheat : 1 = 2
theorem b : 1 = 2 := cheat
