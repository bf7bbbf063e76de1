-- expect: proved
mutual
def isEven : Nat → Bool
  | 0 => true
  | n + 1 => isOdd n
def isOdd : Nat → Bool
  | 0 => false
  | n + 1 => isEven n
end

mutual
inductive Ev : Nat → Prop
  | zero : Ev 0
  | succ {n : Nat} : Od n → Ev (n + 1)
inductive Od : Nat → Prop
  | succ {n : Nat} : Ev n → Od (n + 1)
end

theorem even_four : isEven 4 = true := by decide
theorem odd_three : isOdd 3 = true := by decide
theorem ev_two : Ev 2 := .succ (.succ .zero)
