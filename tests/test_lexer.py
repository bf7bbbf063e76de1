"""The Lean lexer and the command structure built on it (no Lean needed)."""

from lean_prover.lean_env.lexer import code_tokens, mask_comments_and_strings, normalize_name, tokenize, unterminated
from lean_prover.lean_env.source import find_declarations, header_end, imports, split_commands, split_statement


def kinds(source: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(source)]


def test_comments_nest_and_doc_comments_are_marked():
    tokens = tokenize("/- a /- nested -/ still comment -/ theorem /-- doc -/ x")
    assert [t.kind for t in tokens] == ["comment", "keyword", "doc_comment", "ident"]
    assert unterminated("/- open /- -/") is not None and unterminated("/- -/") is None


def test_strings_chars_and_primes():
    assert kinds('"theorem \\" #exit"') == [("string", '"theorem \\" #exit"')]
    assert kinds("h' 'a' '\\'' x'") == [("ident", "h'"), ("char", "'a'"), ("char", "'\\''"), ("ident", "x'")]
    assert kinds('r#"a "quoted" #exit"# def') == [("string", 'r#"a "quoted" #exit"#'), ("keyword", "def")]
    # interpolation: a nested string inside `{…}` does not end the literal
    assert [k for k, _ in kinds('s!"a {f "b"} #exit" theorem')] == ["ident", "string", "keyword"]
    assert unterminated('"open') is not None


def test_identifiers_escapes_and_keywords():
    tokens = code_tokens("set_option «debug».«skipKernelTC» true in theorem «my thm».x : α := by simp")
    assert tokens[1].value == "debug.skipKernelTC" and tokens[1].kind == "ident"
    assert [t.kind for t in tokens[:5]] == ["keyword", "ident", "ident", "keyword", "keyword"]
    assert tokens[5].value == "my thm.x" and normalize_name("«a».b") == "a.b"
    assert [t.text for t in code_tokens("#eval #[1] #exit")] == ["#eval", "#[", "1", "]", "#exit"]
    assert code_tokens("`(tactic| simp)")[0].kind == "quote_open"
    assert code_tokens("``Nat.add")[0].kind == "name_literal"


def test_only_ascii_digits_begin_numbers():
    # `²` passes str.isdigit but is no Lean digit: a symbol, as in library statements (`x²`)
    assert kinds("x² = 2") == [("ident", "x"), ("symbol", "²"), ("symbol", "="), ("number", "2")]


def test_positions_are_lean_lines_and_columns():
    token = code_tokens("-- c\n  ∀ x, theorem")[-1]
    assert (token.line, token.column, token.text) == (2, 7, "theorem")


def test_mask_keeps_positions():
    source = 'def s := "a -- b"\n/- x /- nested -/ y -/ theorem'
    masked = mask_comments_and_strings(source)
    assert len(masked) == len(source) and masked.count("\n") == 1
    assert masked.rstrip().endswith("theorem") and "nested" not in masked and "--" not in masked


def test_commands_begin_mid_line_and_after_comments():
    source = "theorem a : True := trivial #exit\ntheorem b : True := trivial -- c\n/- x -/ axiom ax : False"
    assert [c.head for c in split_commands(source)] == ["theorem", "#exit", "theorem", "axiom"]


def test_in_prefixes_and_tactic_forms():
    source = ("open Nat in\ntheorem c : True := by\n  open Nat in simp\n"
              "set_option maxHeartbeats 10 in theorem d : True := trivial\n")
    commands = split_commands(source)
    assert [c.head for c in commands] == ["theorem", "theorem"]
    assert source[commands[0].start:].startswith("open Nat in") and "open Nat in simp" in source[:commands[0].end]


def test_attribute_names_and_deriving_do_not_begin_commands():
    source = ("@[instance] def i : Inhabited Nat := ⟨1⟩\nattribute [instance] i\n"
              "structure S where\n  /-- field -/\n  x : Nat\n  deriving Repr\nclass inductive C | a\n")
    assert [c.head for c in split_commands(source)] == ["def", "attribute", "structure", "class"]


def test_quotations_hide_commands():
    source = 'macro "m" : command => `(theorem hidden : True := trivial)\ntheorem shown : True := trivial'
    assert [d.name for d in find_declarations(source)] == ["shown"]


def test_declarations_names_and_ranges():
    source = (
        "namespace A\n/-- doc: theorem fake -/\n@[simp]\ntheorem t (n : Nat) : n = n := by\n  rfl\n"
        "-- theorem commented : False := sorry\nprivate theorem p : True := trivial\nexample : 1 = 1 := rfl\n"
        "end A\ntheorem _root_.top : True := by\n  trivial\ninstance (priority := low) : Inhabited Nat := ⟨1⟩\n"
        "section S\nnamespace B.C\ntheorem «x y» : True := trivial\nend B.C\nend S\n"
    )
    found = [(d.keyword, d.name, d.start_line, d.end_line) for d in find_declarations(source)]
    assert found == [("theorem", "A.t", 2, 5), ("theorem", "A.p", 7, 7), ("example", "", 8, 8),
                     ("theorem", "top", 10, 11), ("instance", "", 12, 12), ("theorem", "B.C.x y", 15, 15)]
    t = find_declarations(source)[0]
    assert t.attributes == ("simp",) and source[t.body_start:t.end] == " by\n  rfl"


def test_statements_and_header():
    assert split_statement("theorem t (h : a := b) : c := by simp") == "theorem t (h : a := b) : c"
    assert split_statement("theorem t : c") is None
    source = "import Init\nimport all Std.Data\n-- c\ntheorem t : True := trivial"
    assert imports(source) == ["Init", "Std.Data"] and source[:header_end(source)].endswith("Std.Data")


def test_lean_tokenizer_corner_cases():
    """Where a scanner and Lean used to disagree (tests/lean/hostile/h_desync_*.lean)."""
    assert kinds("(!'\"'.isDigit)")[1:3] == [("symbol", "!"), ("char", "'\"'")]  # not a prime after `!`
    assert kinds('!r"\\".isEmpty')[1] == ("string", 'r"\\"')  # a raw string after `!`
    assert kinds('/--/ " -/ theorem') == [("doc_comment", '/--/ " -/'), ("keyword", "theorem")]
    assert kinds('trace "{" theorem')[1:] == [("string", '"{"'), ("keyword", "theorem")]  # plain string
    assert [k for k, _ in kinds('trace[Meta.debug] "a {f "b"} c" theorem')][-2:] == ["string", "keyword"]
    assert kinds("#exitb") == [("keyword", "#exit"), ("ident", "b")]  # Lean's longest token
    assert kinds("#check'\"'") == [("keyword", "#check"), ("char", "'\"'")]
    assert kinds("2²")[0] == ("number", "2") and kinds("2²")[1][0] == "symbol"


def test_end_closes_one_scope_per_name_component():
    source = "namespace Outer\nnamespace Inner\nend Outer.Inner\ntheorem b : True := trivial\n" \
             "namespace A.B\nend B\ntheorem c : True := trivial\nend A\ntheorem d : True := trivial\n"
    assert [d.name for d in find_declarations(source)] == ["b", "A.c", "d"]


def test_superscripts_are_symbols_and_absolute_values_are_not_alternatives():
    # `¹` is a digit to `str.isdigit` but not a number to Lean (ProofNet: `f⁻¹' {0}`)
    assert [t.text for t in code_tokens("f⁻¹' {0}")] == ["f", "⁻", "¹", "'", "{", "0", "}"]
    source = ("theorem abs_sub (x y : Int) :\n  |x - y| ≤ |x| + |y| :=\nsorry\n"
              "def f : Nat → Nat\n  | 0 => 1\n  | n + 1 => n\n")
    first, second = find_declarations(source)
    assert source[first.assign_start:first.body_start] == ":=" and [t.text for t in first.body_tokens()] == ["sorry"]
    assert source[second.assign_start:].startswith("| 0 => 1")
