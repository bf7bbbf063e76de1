-- expect: rejected
-- untrusted: rejected
-- The macro rebuilds a theorem's syntax as an `axiom` command from an atom: no `axiom` keyword
-- in the source. Lean's report must show the axiom.
macro "mk_fact" : command => do
  let stx ← `(theorem $(Lean.mkIdent `hid) : 1 = 2 := trivial)
  let thm := stx.raw[1]
  pure ⟨stx.raw.setArg 1 (Lean.mkNode `Lean.Parser.Command.«axiom» #[Lean.mkAtom "axiom", thm[1], thm[2]])⟩
mk_fact
theorem b : 1 = 2 := hid
