-- expect: rejected
-- cause: unverified
-- untrusted: rejected
-- Notations and macros are legitimate in a trusted file, but without a problem file the verifier
-- cannot show that a statement after them means what its text says (see h_macro_hides_statement):
-- the theorems are `unverified`; ok_notation_against.lean proves them --against a problem file.
notation:65 a:65 " ⊕⊕ " b:66 => a + b + 0
theorem plus_plus : 2 ⊕⊕ 3 = 5 := rfl
macro "triv" : tactic => `(tactic| trivial)
theorem by_macro : True := by triv
