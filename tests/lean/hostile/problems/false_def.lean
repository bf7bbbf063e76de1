-- A FALSE problem: f 1 = 3, so no candidate may ever be rewarded for it.
def f (n : Nat) : Nat := n + 2

theorem f_one : f 1 = 2 := by sorry
