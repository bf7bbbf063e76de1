-- expect: proved
-- Command and rule keywords inside string, character, raw-string and interpolated literals.
def banner : String := "#exit sorry admit axiom native_decide set_option debug.skipKernelTC true"
def quoteChar : Char := '"'
def apostrophe : Char := '\''
def braces : String := s!"{"}"} and {1 + 1} #exit"
def rawText : String := r##"a "#raw"# string with sorry and #exit"##
def escaped : String := "a \"quoted\" #exit \\"
theorem banner_eq : banner = banner := rfl
theorem quote_is_quote : quoteChar = '"' := rfl
theorem still_fine : True := trivial
