-- expect: rejected
-- untrusted: rejected
-- Lean reads `#exitb` as the command `#exit` (longest token) followed by `b` and stops; the
-- source scanner sees one unknown `#exitb` token, so no rule fires, and the false theorem below
-- shares its name with the true one above, whose evidence it borrows.
theorem b : True := trivial
#exitb
theorem b : 1 = 2 := by decide
