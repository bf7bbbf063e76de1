-- expect: rejected
-- cause: unverified
-- untrusted: rejected
#eval (IO.Process.exit 0 : IO Unit)
theorem b : 1 = 2 := by exact nonsense
