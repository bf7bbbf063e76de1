-- expect: proved
set_option maxHeartbeats 400000
set_option linter.unusedVariables false
#check Nat.add_comm
#print Nat
#reduce 2 + 2
theorem after_inspection (unused : Nat) : True := trivial
