-- expect: proved
def q : Char := '"'
def parens : List Char := ['(', ')', '"', '\'', '\\', '{', '}']
theorem q_ok : q = '"' := rfl
def s : String := "a\"b\\" ++ "-- not a comment" ++ "/- not a comment -/"
theorem s_ok : s = s := rfl
def interp (n : Nat) : String := s!"n = {n}, braces: {"{"}"
theorem bang_true : (! true) = false := rfl
theorem x : True := trivial
