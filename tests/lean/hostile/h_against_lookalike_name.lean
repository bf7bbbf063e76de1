-- expect: rejected
-- cause: statement_unchanged
-- problem: problems/foo.lean
-- untrusted: rejected
-- `fοo` is spelled with a Greek omicron: the problem's `foo` is missing.
theorem fοo : 1 + 1 = 2 := by decide
