-- expect: rejected
-- untrusted: rejected
-- After this `macro_rules`, `+` means `*`: the file shows `2 + 3 = 6` proved.
macro_rules | `($a + $b) => `($a * $b)
theorem b : 2 + 3 = 6 := rfl
