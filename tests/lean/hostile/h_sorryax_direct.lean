-- expect: rejected
-- cause: no_sorry
-- untrusted: rejected
theorem b : 1 = 2 := sorryAx (1 = 2) false
