-- expect: rejected
-- untrusted: rejected
-- The macro throws the written statement and proof away and declares `b : True` instead:
-- the theorem the file shows, `b : 1 = 2`, is never checked.
macro "claim" "theorem" x:ident ":" _t:term ":=" _p:term : command => `(theorem $x : True := trivial)
claim theorem b : 1 = 2 := by exact nonsense
