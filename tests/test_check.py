"""`prover check` end to end on real Lean: verdicts, positions, bad input, faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lean_prover.lean_env.verify import CheckOptions, check_file, check_files

ROOT = Path(__file__).resolve().parent.parent
LEAN = ROOT / "tests" / "lean"


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the `prover` command line as a user would."""
    return subprocess.run([sys.executable, "-m", "lean_prover.app.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def report(toolchain) -> dict:
    """One `prover check --json` run over the demo, the mixed file, the 150-error file and a parse error."""
    files = ["examples/demo.lean", "tests/lean/mixed.lean", "tests/lean/many_errors.lean",
             "tests/lean/parse_error.lean"]
    proc = run_cli("check", "--json", "--workers", "2", *files)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    return {Path(f["path"]).name: f for f in data["files"]} | {"_ok": data["ok"]}


def decls(file_report: dict) -> dict[str, dict]:
    return {d["name"]: d for d in file_report["declarations"]}


def test_demo_fully_proved(report):
    demo = report["demo.lean"]
    assert demo["status"] == "proved" and demo["ok"]
    assert {d["status"] for d in demo["declarations"]} == {"proved"}
    assert len(demo["declarations"]) == 4
    assert report["_ok"] is False  # other files fail, so the run as a whole does


def test_multi_tactic_proof_accepted(report):
    assert decls(report["mixed.lean"])["good_multi"]["status"] == "proved"
    assert decls(report["mixed.lean"])["Inner.namespaced"]["status"] == "proved"


def test_wrong_proof_rejected_with_position(report):
    wrong = decls(report["mixed.lean"])["wrong_proof"]
    assert wrong["status"] == "error"
    errors = [m for m in wrong["messages"] if m["severity"] == "error"]
    assert errors and errors[0]["line"] == 12  # the `intro h` line


def test_sorry_rejected(report):
    assert decls(report["mixed.lean"])["uses_sorry"]["status"] == "sorry"


def test_custom_axiom_rejected(report):
    mixed = decls(report["mixed.lean"])
    assert mixed["uses_axiom"]["status"] == "axioms"
    assert "cheat_ax" in mixed["uses_axiom"]["axioms"]
    assert mixed["uses_axiom_indirectly"]["status"] == "axioms"
    assert mixed["cheat_ax"]["status"] == "axiom"
    assert mixed["uses_native"]["status"] in ("error", "axioms")
    assert report["mixed.lean"]["status"] == "failed"


def test_more_than_100_errors_all_reported(report):
    many = decls(report["many_errors.lean"])
    assert len(many) == 151
    assert sum(d["status"] == "error" for d in many.values()) == 150
    assert many["last_good"]["status"] == "proved"  # Lean kept going past 100 errors


def test_parse_error_reported_with_position(report):
    broken = report["parse_error.lean"]
    assert broken["status"] == "failed"
    errors = [m for d in broken["declarations"] for m in d["messages"] if m["severity"] == "error"]
    errors += [m for m in broken["messages"] if m["severity"] == "error"]
    assert any(m["line"] in (2, 3) for m in errors)


@pytest.mark.parametrize("name, reason", [
    ("does_not_exist.lean", "no such file"),
    ("", "is a directory"),
    ("not_utf8.lean", "not UTF-8"),
    ("empty.lean", "empty file"),
])
def test_bad_input_one_line_nonzero(name, reason):
    proc = run_cli("check", str(LEAN / name) if name else str(LEAN))
    assert proc.returncode != 0
    out_lines = proc.stdout.splitlines()
    assert len(out_lines) == 1 and out_lines[0].startswith("error:") and reason in out_lines[0]
    assert "Traceback" not in proc.stderr


def test_bad_option_one_line():
    proc = run_cli("check", "--timeout", "-3", "examples/demo.lean")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--timeout" in proc.stderr
    proc = run_cli("check", "--bogus", "examples/demo.lean")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_untrusted_rejects_elaboration_time_code(toolchain):
    result = check_file(toolchain, LEAN / "untrusted.lean", CheckOptions(untrusted=True))
    assert result.status == "rejected" and "#eval at 2:1" in result.detail


def test_timeout_reported_for_its_file(toolchain, tmp_path):
    result = check_file(toolchain, ROOT / "examples" / "demo.lean", CheckOptions(timeout_s=2))
    assert result.status == "timeout" and "2 s" in result.detail


def test_killed_lean_reported_other_files_intact(toolchain, tmp_path):
    victim = tmp_path / "victim_unique_name.lean"
    victim.write_text((ROOT / "examples" / "demo.lean").read_text())
    killer = threading.Thread(target=_kill_lean_checking, args=(victim.stem,), daemon=True)
    killer.start()
    results = check_files(toolchain, [victim, ROOT / "examples" / "demo.lean"], CheckOptions(), workers=2)
    killer.join()
    assert results[0].status == "killed" and "SIGKILL" in results[0].detail
    assert results[1].status == "proved" and len(results[1].declarations) == 4


def _kill_lean_checking(file_name: str, wait_s: float = 300) -> None:
    """SIGKILL the Lean process whose command line names `file_name` (the checker names its temporary
    folder after the file), once it has started."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if file_name in cmdline and "lean" in cmdline and "pytest" not in cmdline:
                time.sleep(3)  # mid-check: start-up is under way
                os.kill(int(pid), signal.SIGKILL)
                return
        time.sleep(0.2)


def test_memory_limit_reported_as_oom(toolchain):
    result = check_file(toolchain, ROOT / "examples" / "demo.lean", CheckOptions(memory_limit_bytes=300_000_000))
    assert result.status == "oom" and "0.3 GB limit" in result.detail


def test_exit_mid_line_is_never_proved(tmp_path):
    """The issue's two-line file: Lean stops at `#exit` and prints no error for the false theorem."""
    path = tmp_path / "exit.lean"
    path.write_text("theorem a : True := trivial #exit\ntheorem b : 1 = 2 := by exact nonsense\n")
    proc = run_cli("check", str(path))
    assert proc.returncode == 1, proc.stdout
    assert "no_exit: #exit at 1:29" in proc.stdout
    assert "unverified theorem  b" in proc.stdout and "no declaration `b`" in proc.stdout


def test_against_names_each_violation(tmp_path):
    problem = tmp_path / "problem.lean"
    problem.write_text("theorem p1 (n : Nat) : n + 0 = n := by sorry\ntheorem p2 : 2 + 2 = 4 := by sorry\n")
    candidate = tmp_path / "candidate.lean"
    candidate.write_text("instance : Inhabited Nat := ⟨7⟩\ntheorem p1 (n : Nat) : n + 0 = n := by simp\n"
                         "theorem p2 : 2 + 2 = 5 - 1 := by decide\n")
    honest = tmp_path / "honest.lean"
    honest.write_text("theorem p1 (n : Nat) : n + 0 = n := by simp\ntheorem p2 : 2 + 2 = 4 := by decide\n")
    proc = run_cli("check", "--json", "--against", str(problem), str(candidate), str(honest))
    assert proc.returncode == 1, proc.stderr
    result, honest_result = json.loads(proc.stdout)["files"]
    assert honest_result["status"] == "proved", honest_result
    # the problem file compiles once for both candidates (compile + report), the honest candidate
    # twice (compile + report), the other once (all its declarations are already illegal)
    assert result["lean_runs"] + honest_result["lean_runs"] == 2 + 2 + 1
    assert result["legality"]["nothing_added"]["findings"] == [
        {"location": "1:1", "construct": "added declaration `instance`"}]
    assert result["legality"]["statement_unchanged"]["findings"][0]["construct"] == \
        "the statement of p2 differs from the problem's"
    status = {d["name"]: d["status"] for d in result["declarations"]}
    assert status == {"<instance>": "illegal", "p1": "illegal", "p2": "illegal"}
    proc = run_cli("check", "--against", str(tmp_path / "missing.lean"), str(candidate))
    assert proc.returncode == 2 and "--against" in proc.stderr and proc.stderr.count("\n") == 1
