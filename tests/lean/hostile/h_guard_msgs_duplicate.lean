-- expect: rejected
-- `#guard_msgs` swallows "already declared"; the false `b` is never added, so both source
-- declarations named `b` find the true constant.
theorem b : True := trivial
#guard_msgs (drop all) in
theorem b : 1 = 2 := by decide
