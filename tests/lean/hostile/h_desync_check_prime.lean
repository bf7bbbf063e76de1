-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
-- Lean reads `#check'"'` as `#check` and '"'; the scanner reads a `#check'` keyword and a string.
#check'"'
set_option «debug».«skipKernelTC» true
theorem b : True := trivial
/- "
theorem b : 1 = 2 := by decide
-/
