-- expect: rejected
-- The false theorem borrows the name of a constructor Lean made for `Foo` (a constant of the
-- file that is neither re-checked nor an axiom).
inductive Foo where
  | mk
#guard_msgs (drop all) in
theorem Foo.mk : 1 = 2 := by decide
