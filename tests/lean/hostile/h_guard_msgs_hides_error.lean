-- expect: rejected
-- cause: sorry
-- `#guard_msgs (drop all)` swallows the error; Lean still adds `b` with `sorryAx`.
#guard_msgs (drop all) in
theorem b : 1 = 2 := by exact nonsense
