-- expect: proved
open Nat in
theorem succ_one : succ 1 = 2 := rfl

set_option maxRecDepth 2000 in
theorem big_sum : 100 + 100 = 200 := by decide

theorem inner_open : Nat.succ 0 = 1 := by
  open Nat in
  rfl

theorem set_inside : 2 + 2 = 4 := by
  set_option maxRecDepth 3000 in
  decide
