-- expect: rejected
-- cause: axioms
-- untrusted: rejected
namespace Hide
axiom _root_.hidden_fact : False
end Hide
theorem b : 1 = 2 := _root_.hidden_fact.elim
