-- One file, one Lean process: every verdict `prover check` can reach on a declaration.
axiom cheat_ax : ∀ n : Nat, n = n + 1

theorem good_multi (p q r : Prop) (hp : p) (hq : q) (hr : r) : (p ∧ q) ∧ r := by
  constructor
  · constructor
    · exact hp
    · exact hq
  · exact hr

theorem wrong_proof (a b : Nat) : a + b = b + a := by
  intro h
  omega

theorem uses_sorry (n : Nat) : n + 0 = n := by
  sorry

theorem uses_axiom : (0 : Nat) = 1 := cheat_ax 0

theorem uses_axiom_indirectly : (0 : Nat) = 1 := uses_axiom

theorem uses_native : 10 + 10 = 20 := by native_decide

namespace Inner
theorem namespaced (n : Nat) : n * 1 = n := by simp
end Inner
