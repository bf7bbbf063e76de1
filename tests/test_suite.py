"""Suite loading (format errors, splits, external layouts) and the automation baseline on real Lean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.suite import Problem, SuiteError, load_jsonl, load_lean_folder, load_suite
from lean_prover.search.baseline import run_baseline


def _write(path: Path, entries: list) -> Path:
    path.write_text("\n".join(e if isinstance(e, str) else json.dumps(e) for e in entries) + "\n")
    return path


GOOD = {"name": "t1", "statement": "theorem t1 (n : Nat) : n + 0 = n", "split": "dev", "proof": "by simp"}


@pytest.mark.parametrize("entry, message", [
    ("{not json", "not valid JSON"),
    ({"name": "t2", "split": "dev"}, "missing or empty field(s): statement"),
    ({"name": "t2", "statement": "theorem other : True", "split": "dev"}, "must start with `theorem t2`"),
    ({"name": "t2", "statement": "theorem t2 : True", "split": "train"}, "split must be dev or test"),
    (GOOD, "duplicate theorem name 't1'"),
])
def test_malformed_suite_file_clear_error(tmp_path, entry, message):
    path = _write(tmp_path / "bad.jsonl", [GOOD, entry])
    with pytest.raises(SuiteError) as info:
        load_jsonl(path)
    assert f"{path}:2:" in str(info.value) and message in str(info.value)


def test_unknown_suite_and_split(tmp_path):
    with pytest.raises(SuiteError, match="no suite named 'nope'"):
        load_suite("nope")
    with pytest.raises(SuiteError, match=r"no problems in split 'train' \(splits here: dev; or use all\)"):
        load_suite(str(_write(tmp_path / "s.jsonl", [GOOD])), split="train")


def test_split_and_limit(tmp_path):
    entries = [dict(GOOD, name=f"t{i}", statement=f"theorem t{i} : True", split="dev" if i % 2 else "test")
               for i in range(6)]
    path = _write(tmp_path / "s.jsonl", entries)
    assert [p.name for p in load_suite(str(path), split="test")] == ["t0", "t2", "t4"]
    assert len(load_suite(str(path), split="dev", limit=2)) == 2


def test_lean_folder_layout(tmp_path):
    (tmp_path / "MiniF2F").mkdir()
    (tmp_path / "MiniF2F" / "Test.lean").write_text(
        "import Mathlib\nopen Real\n\ntheorem p1 (x : ℝ) (h : x = 2) : x + 1 = 3 := by sorry\n\n"
        "theorem done (x : Nat) : x = x := rfl\n\nlemma p2 (a : Nat) (h : a ∣ 4 := by decide) : True := by\n  sorry\n")
    problems = load_lean_folder(tmp_path)
    assert [(p.name, p.split) for p in problems] == [("p1", "test"), ("p2", "test")]
    assert problems[0].statement == "theorem p1 (x : ℝ) (h : x = 2) : x + 1 = 3"
    assert problems[1].statement == "theorem p2 (a : Nat) (h : a ∣ 4 := by decide) : True"
    assert problems[0].header == "import Mathlib\n\nopen Real"
    assert problems[1].header.endswith("theorem done (x : Nat) : x = x := rfl")  # proved theorems stay in context


def test_baseline_tries_each_tactic_in_one_run(toolchain):
    problems = [
        Problem("lin", "theorem lin (a b : Nat) (h : a < b) : a + 1 ≤ b", "dev"),
        Problem("dec", "theorem dec : (List.range 5).length = 5", "dev"),
        Problem("false_claim", "theorem false_claim (n : Nat) : n + 1 = n", "dev"),
    ]
    results = run_baseline(toolchain, problems)
    assert "omega" in results["lin"].solved_by
    assert results["dec"].solved and "decide" in results["dec"].solved_by
    assert not results["false_claim"].solved


# -- published layouts (tests/fixtures/suites, copied from the repositories; see its README) -------

SUITES = Path(__file__).resolve().parent / "fixtures" / "suites"


def _by_name(problems):
    return {p.name: p for p in problems}


def test_minif2f_lean4_split_from_the_folder_and_exact_round_trip():
    folder = SUITES / "minif2f-lean4"
    problems = load_suite(str(folder))
    assert sorted((p.split, p.name) for p in problems) == [
        ("test", "aime_1983_p1"), ("test", "mathd_algebra_478"), ("test", "mathd_numbertheory_3"),
        ("valid", "amc12a_2015_p10"), ("valid", "amc12a_2019_p21")]
    assert [p.name for p in load_suite(str(folder), split="test")] == ["aime_1983_p1", "mathd_algebra_478",
                                                                       "mathd_numbertheory_3"]
    for problem in problems:  # the problem with `by sorry` is its published file again
        published = (folder / problem.origin.split(":")[0]).read_text(encoding="utf-8")
        assert problem.lean_text("by sorry") == published.rstrip("\n") + "\n"
        assert problem.header.startswith("import Mathlib") and ":=" not in problem.statement
    with pytest.raises(SuiteError, match=r"no problems in split 'dev' \(splits here: test, valid"):
        load_suite(str(folder), split="dev")


def test_proofnet_lean4_column_zero_binders_and_definitions_in_context():
    problems = load_lean_folder(SUITES / "proofnet-lean4")
    by_file: dict[str, int] = {}
    for problem in problems:
        by_file[problem.origin.split(":")[0]] = by_file.get(problem.origin.split(":")[0], 0) + 1
    # every `theorem … := sorry` of the four files; Herstein's 9 `instance … := sorry` are not theorems
    assert by_file == {"formal/Cambridge-Tripos.lean": 3, "formal/Herstein.lean": 38, "formal/Munkres.lean": 60,
                       "formal/Rudin.lean": 58}
    named = _by_name(problems)
    # kept as published, binders and `:` in column 0; the project's lexer reads it back as one statement
    assert named["exercise_1_1b"].statement == (
        "theorem exercise_1_1b\n(x : ℝ)\n(y : ℚ)\n(h : y ≠ 0)\n: ( Irrational x ) -> Irrational ( x * y )")
    for problem in problems:
        assert Theorem.from_source(problem.lean_text("sorry"), problem.name).statement == problem.statement
    assert named["exercise_1_13"].statement.endswith("|(norm x) - (norm y)| ≤ norm (x - y)")  # `|` is not `| alt`
    assert named["exercise_1_1b"].header.endswith("open scoped BigOperators\n\nnoncomputable section")
    topology = named["exercise_13_6"].header  # Munkres: the definitions above it, not the problems
    assert "def K_topology := generateFrom" in topology and "def Rl := lower_limit_topology ℝ" in topology
    assert "exercise_13_5b" not in topology and "exercise_13_4a1" not in topology
    assert all("sorry" not in p.header.split() for p in problems)  # no other problem's `sorry` in a context
    assert "instance" not in named["exercise_2_1_26"].header


def test_same_names_in_several_files_are_prefixed_like_proofnets_jsonl(tmp_path):
    source = (SUITES / "proofnet-lean4/formal/Cambridge-Tripos.lean").read_text(encoding="utf-8")
    (tmp_path / "Cambridge-Tripos.lean").write_text(source, encoding="utf-8")
    (tmp_path / "Copy.lean").write_text(source, encoding="utf-8")
    names = [p.name for p in load_lean_folder(tmp_path)]
    assert "Cambridge_Tripos_exercise_2022_IA_4_I_1E_a" in names and "Copy_exercise_2022_IA_4_I_1E_a" in names
    problem = _by_name(load_lean_folder(tmp_path))["Copy_exercise_2022_IA_4_I_1E_a"]
    assert problem.statement.startswith("theorem Copy_exercise_2022_IA_4_I_1E_a : ∀ N : ℕ")


def test_putnambench_docstring_and_published_answer():
    problems = _by_name(load_suite(str(SUITES / "putnambench")))
    assert sorted(problems) == ["putnam_1962_a1", "putnam_1962_a2", "putnam_1962_b1"]
    a1, a2 = problems["putnam_1962_a1"], problems["putnam_1962_a2"]
    assert a1.informal.startswith("/--\nGiven five points in a plane") and a1.informal.endswith("-/\n")
    assert a1.statement.splitlines()[1] == "(S : Set (ℝ × ℝ))" and a1.split == ""
    assert "abbrev putnam_1962_a2_solution : Set (ℝ → ℝ) := {f | (∃ a c : ℝ" in a2.header
    assert "sorry" not in a2.header.split() and "putnam_1962_a2_solution" in a2.statement
    kept = load_lean_folder(SUITES / "putnambench", fill_answers=False)
    assert "putnam_1962_a2_solution : Set (ℝ → ℝ) := sorry" in _by_name(kept)["putnam_1962_a2"].header


def test_deepseek_jsonl_splits_header_and_docstring_as_published():
    problems = load_suite(str(SUITES / "deepseek-prover-v1.5/datasets/minif2f.jsonl"))
    assert [(p.name, p.split) for p in problems][:2] == [("amc12a_2019_p21", "valid"), ("amc12a_2015_p10", "valid")]
    assert [p.split for p in problems] == ["valid", "valid", "test", "test"]
    first = problems[0]
    assert first.header == "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat"
    assert first.informal.startswith("/-- Let $z=") and first.statement.endswith("= 36")
    proofnet = load_suite(str(SUITES / "deepseek-prover-v1.5/datasets/proofnet.jsonl"), split="test")
    assert [p.name for p in proofnet] == ["exercise_1_13b"] and proofnet[0].statement.endswith("f a = f b")


def test_goedel_jsonl_header_inside_formal_statement():
    problems = load_suite(str(SUITES / "goedel-prover-v2/dataset/test.jsonl"))
    assert len(problems) == 8 and {p.split for p in problems} == {"test"}
    first = problems[0]
    assert first.header.startswith("import Mathlib\nimport Aesop") and "theorem" not in first.header
    assert first.informal.startswith("/-- The volume of a cone") and first.statement.startswith("theorem mathd_algebra_478")


def test_leandojo_benchmark_4_layout_needs_the_repository():
    benchmark = SUITES / "leandojo-benchmark-4"
    with pytest.raises(SuiteError, match="needs the traced repository"):
        load_suite(str(benchmark))
    repo = benchmark / "lean4-example"
    problems = load_suite(str(benchmark), repo=repo)
    assert [(p.name, p.split) for p in problems] == [("foo", "val"), ("hello_world", "test")]
    hello = _by_name(problems)["hello_world"]
    assert hello.statement == "theorem hello_world (a b c : Nat)\n  : a + b + c = a + c + b"
    assert hello.header == "open Nat (add_assoc add_comm)"
    assert load_suite(str(benchmark / "random" / "test.json"), repo=repo) == [hello]
    assert [p.name for p in load_suite(str(benchmark / "random"), split="val", repo=repo)] == ["foo"]


def test_loaded_problems_check_in_lean(toolchain, tmp_path):
    """The LeanDojo problem with its traced tactic, and a ProofNet-style statement (column-0 binders,
    kept as written) in core Lean, are proved by Lean: the loaders keep them valid Lean."""
    from lean_prover.lean_env.verify import check_files

    repo = SUITES / "leandojo-benchmark-4" / "lean4-example"
    hello = _by_name(load_suite(str(SUITES / "leandojo-benchmark-4"), repo=repo))["hello_world"]
    entry = json.loads((SUITES / "leandojo-benchmark-4/random/test.json").read_text())[0]
    (tmp_path / "Hello.lean").write_text(hello.lean_text("by\n  " + entry["traced_tactics"][0]["tactic"]))
    style = tmp_path / "style" / "Rudin.lean"
    style.parent.mkdir()
    style.write_text("noncomputable section\n\ndef double (n : Nat) := 2 * n\n\ntheorem exercise_1\n(n : Nat)\n"
                     "(h : 0 < n)\n: n < double n :=\nsorry\n\ntheorem exercise_2 : True :=\n  by\nsorry\n")
    column_zero = _by_name(load_lean_folder(style.parent))["exercise_1"]
    (tmp_path / "Style.lean").write_text(column_zero.lean_text("by\n  unfold double\n  omega"))
    results = check_files(toolchain, [tmp_path / "Hello.lean", tmp_path / "Style.lean"], workers=2)
    assert [r.status for r in results] == ["proved", "proved"], [r.detail for r in results]


def test_bench_list_shows_the_problems_without_lean():
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    run = lambda *argv: subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "bench", *argv],  # noqa: E731
                                       capture_output=True, text=True, cwd=root, timeout=300,
                                       env={"LEAN_PROVER_LEAN": "/nonexistent/lean", "PATH": "/usr/bin:/bin"})
    listed = run(str(SUITES / "minif2f-lean4"), "--split", "test", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["split"], r["context_lines"]) for r in rows] == [
        ("aime_1983_p1", "test", 5), ("mathd_algebra_478", "test", 5), ("mathd_numbertheory_3", "test", 5)]
    table = run(str(SUITES / "putnambench"), "--list")
    assert table.returncode == 0 and table.stdout.splitlines()[-1] == "3 problem(s)"
    assert "putnam_1962_a2" in table.stdout and "lean4/src/putnam_1962_a2.lean:10" in table.stdout
    missing = run(str(SUITES / "leandojo-benchmark-4"), "--list")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "--repo DIR" in missing.stderr
