-- expect: proved
def sumTo : Nat → Nat
  | 0 => 0
  | n + 1 => (n + 1) + sumTo n

theorem sumTo_three : sumTo 3 = 6 := by decide

theorem le_double (n : Nat) : n ≤ 2 * n := by
  match n with
  | 0 => simp
  | k + 1 => have := le_double k; omega
termination_by n

theorem pos_pow (n : Nat) : 0 < 2 ^ n := by
  match n with
  | 0 => decide
  | k + 1 => have := pos_pow k; rw [Nat.pow_succ]; omega
termination_by n
decreasing_by omega
