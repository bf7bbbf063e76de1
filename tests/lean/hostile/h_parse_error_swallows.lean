-- expect: rejected
-- cause: no_exit
-- untrusted: rejected
-- The raw string ends at its first `"#`; what follows is a parse error, and Lean's recovery
-- reads the next string up to line 8, where it meets `#exit`.
def raw : String := r#"sorry "#exit"#
theorem b : 1 = 2 := by decide
theorem c : ("#exit" : String) = "#exit" := rfl
