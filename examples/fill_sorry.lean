/-! Quick-start file for `prover prove examples/fill_sorry.lean`: two theorems left as `sorry`. -/

theorem swap_and (p q : Prop) (h : p ∧ q) : q ∧ p := by
  sorry

theorem lt_of_le_succ (a b : Nat) (h : a ≤ b) : a < b + 1 := by
  sorry
