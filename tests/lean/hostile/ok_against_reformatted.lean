-- expect: proved
-- problem: problems/two_statements.lean
-- The statements are re-spaced and commented, token for token the problem's.
theorem first_one (n : Nat) :
    n + 0 = n := by simp

-- a comment between
theorem second_one (a b : Nat) : a + b = /- same -/ b + a :=
  Nat.add_comm a b
