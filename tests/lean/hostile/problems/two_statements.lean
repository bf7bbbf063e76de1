theorem first_one (n : Nat) : n + 0 = n := by sorry

theorem second_one (a b : Nat) : a + b = b + a := by sorry
