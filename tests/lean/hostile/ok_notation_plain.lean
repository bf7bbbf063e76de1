-- expect: proved
-- untrusted: rejected
-- Notations and macros are legitimate in a trusted file; `--untrusted` rejects them.
notation:65 a:65 " ⊕⊕ " b:66 => a + b + 0
theorem plus_plus : 2 ⊕⊕ 3 = 5 := rfl
macro "triv" : tactic => `(tactic| trivial)
theorem by_macro : True := by triv
