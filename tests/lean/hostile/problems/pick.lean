class Pick where
  val : Nat

instance : Pick := ⟨1⟩

theorem pick_one : Pick.val = 1 := by sorry
