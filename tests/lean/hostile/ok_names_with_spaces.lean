-- expect: proved
theorem «my theorem» : True := trivial
theorem «sorry» : 1 = 1 := rfl
theorem «#exit» : True := trivial
theorem «axiom» : 2 = 2 := rfl
theorem uses_spaced : True := «my theorem»
def «native_decide» : Nat := 3
theorem nd : «native_decide» = 3 := rfl
