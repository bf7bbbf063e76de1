-- expect: rejected
-- cause: no_exit
-- untrusted: rejected
theorem a : True := trivial /- the proof is done -/ #exit
theorem b : 1 = 2 := by exact nonsense
