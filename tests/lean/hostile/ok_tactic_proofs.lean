-- expect: proved
theorem sum_comm (a b c : Nat) : a + b + c = c + b + a := by omega

theorem length_append (xs ys : List Nat) : (xs ++ ys).length = xs.length + ys.length := by simp

theorem two_mul' (n : Nat) : 2 * n = n + n := by
  induction n with
  | zero => rfl
  | succ k ih => omega

theorem calc_demo (a b : Nat) (h : a = b) : a + 1 = b + 1 := by
  calc a + 1 = b + 1 := by rw [h]

theorem and_swap (p q : Prop) : p ∧ q → q ∧ p := fun ⟨hp, hq⟩ => ⟨hq, hp⟩

theorem match_demo : ∀ n : Nat, n = 0 ∨ n ≥ 1
  | 0 => Or.inl rfl
  | _ + 1 => Or.inr (Nat.succ_le_succ (Nat.zero_le _))
