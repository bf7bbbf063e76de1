"""`prover bench`: run the prover over a suite, one JSON line per problem, resumable, with a
Markdown report, a PNG plot and Lean's own automation as a baseline measured in the same run."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lean_prover.prover import __version__
from lean_prover.prover.suite import Problem
from lean_prover.search.baseline import AUTOMATION_TACTICS, problem_theorem, run_baseline
from lean_prover.search.portfolio import theorem_key
from lean_prover.search.prove import ProofAttempt, Prover, prepare_first_pass

RESULTS = "results.jsonl"
REPORT = "report.md"
PLOT = "solved.png"


class BenchmarkError(RuntimeError):
    """A benchmark run that cannot start or continue; the message is one line."""


@dataclass(frozen=True)
class RunInfo:
    """What identifies a run: suite, split, search settings, model, seed, versions."""

    suite: str
    split: str
    search: dict
    model: str
    seed: int
    lean: str

    def fingerprint(self) -> str:
        """A hash of the settings that must match for a run to be resumed."""
        data = json.dumps({"suite": self.suite, "split": self.split, "search": self.search,
                           "model": self.model, "seed": self.seed}, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def read_resumable_rows(path: Path, fingerprint: str) -> dict[str, dict]:
    """Finished rows of a resumable JSONL log, by problem name. A last line cut short by an
    interruption is ignored (that problem is redone); any other bad line, or a row of another
    configuration (`fingerprint`), raises ValueError with a one-line message."""
    if not path.exists():
        return {}
    rows: dict[str, dict] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if number == len(lines):
                continue
            raise ValueError(f"{path}:{number}: not valid JSON") from None
        if row.get("fingerprint") != fingerprint:
            raise ValueError(f"{path} holds results of another configuration; use another --out folder")
        rows[row["name"]] = row
    return rows


def load_finished(out_dir: Path, info: RunInfo) -> dict[str, dict]:
    """Rows already in `results.jsonl` (for resuming); refuses rows of another configuration."""
    try:
        return read_resumable_rows(out_dir / RESULTS, info.fingerprint())
    except ValueError as exc:
        raise BenchmarkError(str(exc)) from None


def run_benchmark(
    prover: Prover, problems: list[Problem], out_dir: Path, info: RunInfo, baseline: bool = True,
    on_row: Callable[[dict, int, int], None] = lambda _r, _i, _n: None,
) -> list[dict]:
    """Prove each problem not already in `out_dir/results.jsonl`, appending a row as each ends."""
    out_dir.mkdir(parents=True, exist_ok=True)
    finished = load_finished(out_dir, info)
    todo = [p for p in problems if p.name not in finished]
    automation = run_baseline(prover.toolchain, todo) if baseline and todo else {}
    theorems = {p.name: problem_theorem(p) for p in todo}
    # The first pass reuses the baseline's automation run: the prover starts from what it proved.
    prepare_first_pass(prover, list(theorems.values()),
                       {theorem_key(theorems[name]): result for name, result in automation.items()} or None)
    path = out_dir / RESULTS
    _drop_partial_line(path)
    by_name, already = {p.name: p for p in todo}, len(finished)
    with path.open("a", encoding="utf-8") as sink:
        def record(problem: Problem, attempt: ProofAttempt) -> None:
            row = {
                "name": problem.name, "split": problem.split, "topic": problem.topic,
                "difficulty": problem.difficulty, "status": attempt.status, "proof": attempt.proof,
                "time_s": attempt.time_s, "lean_calls": attempt.lean_calls, "expansions": attempt.expansions,
                "probes": attempt.probes, "stop_reason": attempt.stop_reason, "detail": attempt.detail,
                "baseline_solved_by": automation[problem.name].solved_by if problem.name in automation else None,
                "suite": info.suite, "search": info.search, "model": info.model, "seed": info.seed,
                "versions": {"prover": __version__, "lean": info.lean, "python": platform.python_version()},
                "fingerprint": info.fingerprint(), "finished_at": time.time(),
            }
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.flush()
            finished[problem.name] = row
            on_row(row, len(finished) - already, len(todo))

        if hasattr(prover, "prove_all"):  # a worker pool (search.workers): rows in the order they finish
            prover.prove_all(list(theorems.values()), lambda attempt: record(by_name[attempt.name], attempt))
        else:
            for problem in todo:
                record(problem, _attempt(prover, problem))
    return [finished[p.name] for p in problems if p.name in finished]


def _attempt(prover: Prover, problem: Problem) -> ProofAttempt:
    try:
        return prover.prove(problem_theorem(problem))
    except Exception as exc:  # one problem's failure must not end the run
        return ProofAttempt(problem.name, "error", detail=f"{type(exc).__name__}: {exc}")


def _drop_partial_line(path: Path) -> None:
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")


def summary(rows: list[dict]) -> dict:
    """Counts for the table and the report."""
    proved = sum(r["status"] == "proved" for r in rows)
    with_baseline = [r for r in rows if r.get("baseline_solved_by") is not None]
    baseline = sum(bool(r["baseline_solved_by"]) for r in with_baseline)
    times = sorted(r["time_s"] for r in rows if r["status"] == "proved")
    return {
        "problems": len(rows), "proved": proved, "baseline_proved": baseline if with_baseline else None,
        "proved_not_by_baseline": sum(r["status"] == "proved" and not r["baseline_solved_by"] for r in with_baseline),
        "median_time_to_proof_s": times[len(times) // 2] if times else None,
        "lean_calls": sum(r["lean_calls"] for r in rows),
    }


def summary_table(rows: list[dict]) -> str:
    """A plain-text table: one line per problem, then the totals."""
    lines = [f"{'problem':40} {'prover':12} {'baseline':18} {'time s':>8} {'calls':>6}"]
    for r in rows:
        base = "-" if r.get("baseline_solved_by") is None else (",".join(r["baseline_solved_by"]) or "no")
        lines.append(f"{r['name'][:40]:40} {r['status']:12} {base[:18]:18} {r['time_s']:8.1f} {r['lean_calls']:6d}")
    s = summary(rows)
    base = "-" if s["baseline_proved"] is None else str(s["baseline_proved"])
    lines.append(f"proved {s['proved']}/{s['problems']}; Lean automation ({', '.join(AUTOMATION_TACTICS)}) "
                 f"{base}/{s['problems']}; proved beyond the automation: {s['proved_not_by_baseline']}")
    return "\n".join(lines)


def write_report(rows: list[dict], out_dir: Path, info: RunInfo) -> tuple[Path, Path]:
    """Write `report.md` and `solved.png` (problems solved against time) into `out_dir`."""
    plot = out_dir / PLOT
    _plot(rows, plot)
    s = summary(rows)
    report = out_dir / REPORT
    body = [
        f"# Benchmark: {info.suite} ({info.split})", "",
        f"- prover {__version__}, Lean `{info.lean}`, model `{info.model}`, seed {info.seed}",
        f"- search: `{json.dumps(info.search, sort_keys=True)}`", "",
        "| problems | proved by the prover | proved by Lean automation | prover beyond automation | median time to proof (s) |",
        "| --- | --- | --- | --- | --- |",
        f"| {s['problems']} | {s['proved']} | {'-' if s['baseline_proved'] is None else s['baseline_proved']} | "
        f"{s['proved_not_by_baseline']} | {s['median_time_to_proof_s'] or '-'} |", "",
        f"Lean automation = `intros` then one of {', '.join(f'`{t}`' for t in AUTOMATION_TACTICS)}.", "",
        f"![solved against time]({PLOT})", "",
        "| problem | prover | automation | time (s) | Lean calls | expansions |", "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        base = "-" if r.get("baseline_solved_by") is None else (", ".join(r["baseline_solved_by"]) or "no")
        body.append(f"| `{r['name']}` | {r['status']} | {base} | {r['time_s']:.1f} | {r['lean_calls']} | {r['expansions']} |")
    report.write_text("\n".join(body) + "\n", encoding="utf-8")
    return report, plot


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = sorted(r["time_s"] for r in rows if r["status"] == "proved")
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    axes.step([0.0, *times], list(range(len(times) + 1)), where="post", label="prover")
    baseline = sum(bool(r.get("baseline_solved_by")) for r in rows)
    axes.axhline(baseline, linestyle="--", color="gray", label="Lean automation (one shot)")
    axes.set_xlabel("time per problem (s)")
    axes.set_ylabel("problems solved")
    axes.set_ylim(0, max(1, len(rows)))
    axes.set_title(f"solved against time ({len(rows)} problems)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
