notation:65 a:65 " ⊕⊕ " b:66 => a + b + 0
theorem plus_plus : 2 ⊕⊕ 3 = 5 := sorry
macro "triv" : tactic => `(tactic| trivial)
theorem by_macro : True := sorry
