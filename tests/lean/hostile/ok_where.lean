-- expect: proved
theorem five_add_zero : 5 + 0 = 5 := helper 5
where
  helper (n : Nat) : n + 0 = n := rfl

def double (n : Nat) : Nat := go n 0
where
  go : Nat → Nat → Nat
    | 0, acc => acc
    | k + 1, acc => go k (acc + 2)

theorem double_three : double 3 = 6 := by decide
