-- expect: rejected
-- cause: no_exit
-- untrusted: rejected
theorem a : True := trivial
open Nat in #exit
theorem b : 1 = 2 := by exact nonsense
