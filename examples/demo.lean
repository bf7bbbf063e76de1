/-! A small file for the quick start: `prover check examples/demo.lean`. -/

theorem add_comm_demo (a b : Nat) : a + b = b + a := by
  omega

theorem and_swap_demo (p q : Prop) (h : p ∧ q) : q ∧ p := by
  constructor
  · exact h.2
  · exact h.1

theorem length_append_demo (xs ys : List Nat) : (xs ++ ys).length = xs.length + ys.length := by
  simp

theorem sum_formula_demo (n : Nat) : 2 * (List.range (n + 1)).sum = n * (n + 1) := by
  induction n with
  | zero => simp
  | succ k ih =>
    rw [List.range_succ, List.sum_append_nat]
    grind
