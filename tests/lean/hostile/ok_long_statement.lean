-- expect: proved
theorem
  spread_out
  (a b : Nat)
  (h : a ≤ b) :
  a ≤ b + 1 :=
  Nat.le_succ_of_le h
