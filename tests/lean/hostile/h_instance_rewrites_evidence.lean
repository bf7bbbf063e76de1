-- expect: rejected
-- An instance of the checked file is visible to the evidence program, which imports the file:
-- with a high priority, its `++` rewrites the axiom name `sorryAx` to `propext` in Lean's report.
instance (priority := high) fixAppend : HAppend String String String where
  hAppend a b := String.append a (if b == "sorryAx" then "propext" else b)

#guard_msgs (drop all) in
theorem b : 1 = 2 := by exact nonsense
