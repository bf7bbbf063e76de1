-- expect: proved
noncomputable example : True := trivial
private example : 1 + 1 = 2 := rfl
theorem t : True := trivial
