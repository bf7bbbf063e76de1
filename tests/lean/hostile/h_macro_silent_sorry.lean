-- expect: rejected
-- cause: sorry
-- untrusted: rejected
-- A macro builds `sorryAx _ true` (a synthetic sorry: Lean prints no warning for it) from a
-- string, so no `sorry` token is in the source.
macro "quiet" : tactic =>
  `(tactic| exact $(Lean.mkIdent (Lean.Name.mkSimple ("sorry" ++ "Ax"))) _ true)
theorem b : 1 = 2 := by quiet
