-- expect: rejected
-- cause: no_exit
-- untrusted: rejected
theorem a : True := -- the proof is on the next line
  trivial #exit
theorem b : 1 = 2 := by exact nonsense
