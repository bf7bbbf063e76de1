-- expect: proved
-- #exit
/- axiom cheat : False
   #exit -/
/- nested /- #exit -/ still a comment: sorry -/
theorem t1 : True := trivial -- #exit after a proof, in a comment
theorem t2 : 1 + 1 = 2 := /- sorry -/ rfl
/-- A doc comment that mentions `sorry`, `#exit` and `axiom`. -/
theorem t3 : 2 + 2 = 4 := by decide
/-! Module doc: native_decide, set_option debug.skipKernelTC true -/
theorem t4 : True := by
  -- sorry
  trivial
/--/ theorem not_code : False := sorry -/
theorem t5 : True := trivial
