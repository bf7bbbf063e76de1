-- expect: rejected
-- cause: axioms
-- untrusted: rejected
axiom cheat : 1 = 2
class Cheat where
  pf : 1 = 2
instance : Cheat := ⟨cheat⟩
theorem b : 1 = 2 := Cheat.pf
