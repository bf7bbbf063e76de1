-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
-- The `trace` tactic takes a plain string; the scanner treats `trace "…"` as interpolated and
-- reads a term after the `{`, so its string state is off by one quote.
theorem carrier : True := by
  trace "{"
  trivial
set_option debug.skipKernelTC true
theorem b : True := trivial
/- "}"
theorem b : 1 = 2 := by decide
-/
