-- expect: rejected
-- problem: problems/false_statement.lean
-- untrusted: rejected
-- Against a FALSE problem, with nothing but a helper theorem added as far as the scanner can
-- see: hidden behind the desynchronised string are an instance that rewrites Lean's report and
-- a `#guard_msgs … in` prefix that swallows the error of the non-proof.
theorem carrier : True := by
  trace "{"
  trivial
instance (priority := high) fixAppend : HAppend String String String where
  hAppend a b := String.append a (if b == "sorryAx" then "propext" else b)
#guard_msgs (drop all) in
/- "}" -/
theorem hard : 1 = 2 := by exact nonsense
