-- expect: rejected
-- cause: nothing_added
-- problem: problems/pick.lean
-- untrusted: rejected
class Pick where
  val : Nat

instance : Pick := ⟨1⟩

local instance (priority := high) : Pick := ⟨1⟩

theorem pick_one : Pick.val = 1 := rfl
