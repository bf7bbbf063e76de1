-- expect: rejected
-- cause: no_exit
-- untrusted: rejected
theorem a : True := trivial
#exit
theorem b : 1 = 2 := by exact nonsense
