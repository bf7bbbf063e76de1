-- expect: rejected
-- The true theorem is `fοo` (Greek omicron); `foo` is false.
theorem fοo : True := trivial theorem foo : 1 = 2 := by decide
