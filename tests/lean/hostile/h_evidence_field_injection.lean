-- expect: rejected
-- The statement carries the evidence format's separators (\x1f, \x1e) in a string literal,
-- which Lean prints raw: the record is cut after a forged empty axiom list.
#guard_msgs (drop all) in
theorem b (h : "\x1faxioms\x1fuses\x1e" = "\x1faxioms\x1fuses\x1e") : 1 = 2 := by decide
