-- expect: proved
theorem a1 : True := trivial theorem a2 : 1 + 1 = 2 := rfl
def d : Nat := 5 theorem d_eq : d = 5 := rfl
