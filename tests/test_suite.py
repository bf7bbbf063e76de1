"""Suite loading (format errors, splits, external layouts) and the automation baseline on real Lean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    with pytest.raises(SuiteError, match="unknown split"):
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
    assert problems[0].header == "import Mathlib\nopen Real\n"


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
