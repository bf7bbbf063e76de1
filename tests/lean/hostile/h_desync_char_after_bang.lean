-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
-- Lean reads `!'"'` as `!` and the character literal '"'; the source scanner takes the `'` for
-- a prime (it follows `!`, an identifier character) and opens a string at the `"`, which it
-- closes inside the block comment below: it never sees the `set_option` or the true `b`, and
-- shows the false `b` that Lean never reads.
theorem carrier : (!'"'.isDigit) = true := rfl
set_option debug.skipKernelTC true
theorem b : True := trivial
/- "
theorem b : 1 = 2 := by decide
-/
