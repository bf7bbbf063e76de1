"""The legality checker and the version gates (no Lean needed)."""

import pytest

from lean_prover.lean_env.legality import check_legality, compare_with_problem
from lean_prover.lean_env.releases import lean_options, module_options, worker_options, has_kernel_environment
from lean_prover.lean_env.toolchain import LeanRelease


def rules(source: str, **kw) -> dict[str, list[str]]:
    report = check_legality(source, **kw)
    return {r.rule: [f.construct for f in r.findings] for r in report.rules if r.findings}


def test_each_rule_names_what_it_found():
    source = ("theorem a : True := trivial #exit\naxiom ax : False\n"
              "set_option «debug».«skipKernelTC» true in\ntheorem b : 1 = 1 := by native_decide\n"
              "theorem c : 1 = 1 := by decide +native\ntheorem d : 1 = 1 := sorry\n"
              "@[implemented_by foo] def e := 1\ntheorem f : 1 = 1 := Lean.ofReduceBool _ _ rfl\n")
    found = rules(source)
    assert found["no_exit"] == ["#exit"]
    assert found["no_axioms"] == ["`axiom`", "@[implemented_by]"]
    assert found["no_unsound_options"] == ["set_option debug.skipKernelTC"]
    assert found["no_native"] == ["`native_decide`", "`decide +native`", "`Lean.ofReduceBool`"]
    assert found["no_sorry"] == ["`sorry`"]
    assert "no_code_execution" not in found  # only under --untrusted


def test_keywords_in_strings_comments_and_chars_are_not_findings():
    source = ('def s := "sorry #exit axiom native_decide"\n-- sorry #exit\n/- set_option debug.skipKernelTC true -/\n'
              "def c := '#'\ntheorem t : True := trivial\n")
    assert check_legality(source, untrusted=True).ok


def test_untrusted_rejects_code_execution():
    source = ("theorem ok : True := trivial\n-- #eval in a comment is fine\n#eval 1\nrun_cmd pure ()\n"
              "@[command_elab foo] def g := 1\nmacro \"m\" : tactic => `(tactic| simp)\n#check Nat\n")
    assert rules(source, untrusted=True)["no_code_execution"] == ["#eval", "run_cmd", "@[command_elab]", "macro"]


PROBLEM = "import Init\nnamespace P\ntheorem t (n : Nat) : n + 0 = n := by sorry\ntheorem u : True := sorry\nend P\n"


@pytest.mark.parametrize("candidate, changed, added", [
    (PROBLEM.replace("by sorry", "by simp").replace(":= sorry", ":= trivial"), [], []),
    ("import Init\nnamespace P\ntheorem t (n : Nat) : n + 0 = n := by simp\n"
     "lemma helper : 1 = 1 := rfl\nlemma u : True := trivial\nend P\n", [], []),  # helper lemma, lemma = theorem
    (PROBLEM.replace("n + 0 = n", "n = n"), ["the statement of P.t differs from the problem's"], []),
    (PROBLEM.replace("theorem u : True := sorry\n", ""), ["theorem P.u of the problem is missing"], []),
    (PROBLEM.replace("namespace P\n", "namespace P\nopen Nat\n"), [], ["added command `open`"]),
    (PROBLEM.replace("namespace P\n", "namespace P\nlocal instance : Inhabited Nat := ⟨1⟩\n"), [],
     ["added declaration `instance`"]),
    (PROBLEM.replace("namespace P\n", "namespace P\nnotation \"x\" => 1\n"), [], ["added command `notation`"]),
    (PROBLEM.replace("theorem u : True := sorry", "@[simp] theorem h : True := trivial\ntheorem u : True := sorry"),
     [], ["new theorem with attributes"]),
    (PROBLEM.replace("theorem u", "theorem uο"), ["theorem P.u of the problem is missing"], []),  # Greek omicron
    (PROBLEM.replace("import Init\n", "import Init\nimport Std\n"), [], ["added header `import`"]),
])
def test_against_problem(candidate, changed, added):
    found_changed, found_added = compare_with_problem(PROBLEM, candidate)
    assert [f.construct for f in found_changed] == changed
    assert [f.construct for f in found_added] == added


EXAMPLES = "example : 1 = 1 := sorry\ntheorem t : True := sorry\nexample (n : Nat) : n = n := sorry\n"


@pytest.mark.parametrize("candidate, changed, added", [
    (EXAMPLES.replace("sorry", "rfl").replace("True := rfl", "True := trivial"), [], []),
    (EXAMPLES.replace("example (n : Nat) : n = n", "example (n : Nat) : n = 0"),
     ["the statement of example 2 differs from the problem's"], []),
    (EXAMPLES.replace("example (n : Nat) : n = n := sorry\n", ""), ["example 2 of the problem is missing"], []),
    (EXAMPLES + "example : 2 = 2 := rfl\n", [], ["new example"]),
    (EXAMPLES.replace("example : 1", "@[simp] example : 1"), [], ["example 1 with attributes the problem's has not"]),
])
def test_against_problem_matches_examples_in_order(candidate, changed, added):
    found_changed, found_added = compare_with_problem(EXAMPLES, candidate)
    assert [f.construct for f in found_changed] == changed
    assert [f.construct for f in found_added] == added


def test_options_gated_by_release():
    assert lean_options(LeanRelease(4, 9)) == () and lean_options(LeanRelease(4, 23, 1)) == ()
    assert lean_options(LeanRelease(4, 24)) == ("-DmaxErrors=1000000",)
    assert worker_options(LeanRelease(4, 12)) == ()
    assert worker_options(LeanRelease(4, 28)) == ("-DElab.async=false", "-DmaxErrors=1000000")
    assert module_options(LeanRelease(4, 21)) == ("-Dexperimental.module=true",)
    assert module_options(LeanRelease(4, 19)) == () and module_options(LeanRelease(4, 28)) == ()
    assert not has_kernel_environment(LeanRelease(4, 16)) and has_kernel_environment(LeanRelease(4, 17))
    assert LeanRelease.parse("Lean (version 4.9.1, x86_64-unknown-linux-gnu, commit abc, Release)") == LeanRelease(4, 9, 1)
