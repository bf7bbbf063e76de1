-- expect: rejected
-- The verifier renames the example to `_verify_example_1`, a name the file already uses.
theorem _verify_example_1 : True := trivial
#guard_msgs (drop all) in
example : 1 = 2 := by decide
