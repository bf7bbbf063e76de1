-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
-- Lean reads `/--/` as the start of a doc comment (it ends at the first `-/`); the scanner
-- reads `/--/` as a whole, empty comment and then opens a string at the `"`.
/--/ " -/
theorem carrier : True := trivial
set_option debug.skipKernelTC true
theorem b : True := trivial
/- "
theorem b : 1 = 2 := by decide
-/
