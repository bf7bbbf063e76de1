-- expect: rejected
-- problem: problems/two_statements.lean
-- untrusted: rejected
variable (n : Nat)

theorem first_one (n : Nat) : n + 0 = n := by simp

theorem second_one (a b : Nat) : a + b = b + a := Nat.add_comm a b
