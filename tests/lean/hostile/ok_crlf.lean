-- expect: proved
theorem crlf_one : 1 + 1 = 2 := rfl
theorem crlf_two (a : Nat) : a + 0 = a := by
  simp
namespace CR
/-- A doc comment
spanning lines. -/
theorem three : True := trivial
end CR
