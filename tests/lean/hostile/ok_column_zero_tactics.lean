-- expect: proved
theorem col0 : 2 + 2 = 4 := by
decide
theorem col0_open : Nat.succ 1 = 2 := by
open Nat in
rfl
