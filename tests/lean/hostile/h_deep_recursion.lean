-- expect: rejected
def count : Nat → Nat
  | 0 => 0
  | n + 1 => count n + 1
theorem b : count 100000 = 100001 := by decide
