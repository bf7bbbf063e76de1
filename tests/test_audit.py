"""Source scanner and audits (pure text: no Lean needed)."""

from lean_prover.lean_env.audit import source_axioms, unsound_findings, untrusted_findings
from lean_prover.lean_env.source import find_declarations, mask_comments_and_strings
from lean_prover.lean_env.verify import _axiom_answers
from lean_prover.lean_env.messages import LeanMessage


def test_declarations_names_and_ranges():
    source = (
        "namespace A\n/-- doc: theorem fake -/\n@[simp]\ntheorem t (n : Nat) : n = n := by\n  rfl\n"
        "-- theorem commented : False := sorry\nprivate theorem p : True := trivial\nexample : 1 = 1 := rfl\n"
        "end A\ntheorem _root_.top : True := by\n  trivial\n"
    )
    found = [(d.keyword, d.name, d.start_line, d.end_line) for d in find_declarations(source)]
    assert found == [("theorem", "A.t", 3, 5), ("theorem", "A.p", 7, 7), ("example", "", 8, 8),
                     ("theorem", "top", 10, 11)]


def test_mask_keeps_positions():
    source = 'def s := "a -- b"\n/- x /- nested -/ y -/ theorem'
    masked = mask_comments_and_strings(source)
    assert len(masked) == len(source) and masked.count("\n") == 1
    assert masked.rstrip().endswith("theorem") and "nested" not in masked and "--" not in masked


def test_source_axioms_transitive_and_library():
    source = ("axiom bad : False\ntheorem a : False := bad\ntheorem b : 1 = 2 := (a).elim\n"
              "theorem c : 2 + 2 = 4 := by native_decide\ntheorem d : True := trivial\n")
    axioms = source_axioms(find_declarations(source))
    assert axioms["a"] == {"bad"} and axioms["b"] == {"bad"}
    assert axioms["c"] == {"Lean.ofReduceBool"} and axioms["d"] == set()


def test_untrusted_and_unsound_findings():
    source = ("theorem ok : True := trivial\n-- #eval in a comment is fine\n#eval 1\nrun_cmd pure ()\n"
              "@[implemented_by foo] def g := 1\nimport Lean.Elab\nset_option debug.skipKernelTC true\n#exit\n")
    constructs = [f.construct for f in untrusted_findings(source)]
    assert constructs == ["#eval", "run_cmd", "@[implemented_by]", "import Lean.Elab", "#exit"]
    assert [f.construct for f in unsound_findings(source)] == ["set_option debug.skipKernelTC", "#exit"]


def test_print_axioms_answers_parsed():
    def info(text):
        return LeanMessage("information", 9, 0, 9, 1, text)
    answers, refused = _axiom_answers([
        info("'foo' depends on axioms: [propext, Classical.choice, Quot.sound]"),
        info("'A.bar' does not depend on any axioms"),
        info("'baz' depends on axioms: [sorryAx]"),
    ])
    assert not refused
    assert answers == {"foo": {"propext", "Classical.choice", "Quot.sound"}, "A.bar": set(), "baz": {"sorryAx"}}
