-- expect: rejected
set_option maxHeartbeats 1 in
theorem b : (List.range 200).length = 200 := by simp
