-- expect: rejected
-- untrusted: rejected
theorem a : True := trivial
#eval (IO.Process.exit 3 : IO Unit)
theorem b : 1 = 2 := by exact nonsense
