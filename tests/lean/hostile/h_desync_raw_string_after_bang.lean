-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
-- `!r"\"` is `!` and the raw string `\` to Lean; to the scanner `r` is an identifier and
-- `"\"…` a string with an escaped quote that runs on.
theorem carrier : (fun (_ : Bool) => True) (!r"\".isEmpty) := trivial
set_option debug.skipKernelTC true in
theorem b : True := trivial
/- "
theorem b : 1 = 2 := by decide
-/
