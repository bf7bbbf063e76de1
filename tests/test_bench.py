"""`prover bench` end to end: JSONL, report, PNG, the baseline in the same run, and resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench(out: Path, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lean_prover.app.cli", "bench", "core", "--split", "test", "--limit", str(limit),
         "--out", str(out), "--max-lean-calls", "2", "--suggest", "none", "--premises", "0"],
        capture_output=True, text=True, cwd=ROOT, timeout=1500)


def test_bench_writes_results_report_plot_and_resumes(tmp_path):
    out = tmp_path / "run"
    first = bench(out, 1)
    assert first.returncode == 0, first.stderr[-2000:]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] in ("proved", "not_proved") and row["baseline_solved_by"] is not None
    assert {"time_s", "lean_calls", "expansions", "search", "versions", "seed", "model"} <= set(row)
    assert (out / "report.md").read_text().startswith("# Benchmark: core (test)")
    assert (out / "solved.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Lean automation" in first.stdout

    second = bench(out, 2)  # resumes: the first problem is not redone
    assert second.returncode == 0, second.stderr[-2000:]
    rows2 = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows2) == 2 and rows2[0] == row
    assert "[1/1]" in second.stderr and "[1/2]" not in second.stderr
    assert f"resuming {out}: 1 of 2 problems already finished there" in second.stderr


def test_bench_malformed_suite_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "x", "statement": "theorem y : True", "split": "dev"}\n')
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "bench", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "must start with `theorem x`" in proc.stderr
