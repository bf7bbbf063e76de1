-- expect: rejected
-- untrusted: rejected
-- The expansion is built from an atom, so no `native_decide` token is in the source; Lean's
-- report (Lean.ofReduceBool among the axioms) must catch it, or the tactic fails.
macro "fast" : tactic =>
  pure ⟨Lean.mkNode ``Lean.Parser.Tactic.nativeDecide #[Lean.mkAtom "native_decide", Lean.mkNullNode]⟩
theorem b : 10 < 20 := by fast
