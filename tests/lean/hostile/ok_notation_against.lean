-- expect: proved
-- problem: problems/notation.lean
-- untrusted: rejected
-- A file with its own notation and tactic macro, checked against a problem file that defines
-- them: Lean's elaborated statements are compared with the problem's, so the theorems are proved.
notation:65 a:65 " ⊕⊕ " b:66 => a + b + 0
theorem plus_plus : 2 ⊕⊕ 3 = 5 := rfl
macro "triv" : tactic => `(tactic| trivial)
theorem by_macro : True := by triv
