-- expect: rejected
-- `a.b` (two components) and `«a.b»` (one) are different constants that print alike.
#guard_msgs (drop all) in
theorem a.b : 1 = 2 := by decide
theorem «a.b» : True := trivial
