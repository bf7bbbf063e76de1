"""`prover bench`: run the prover over a suite, one JSON line per problem, resumable, with a
Markdown report, a PNG plot and Lean's own automation as a baseline measured in the same run.
Whole-proof runs (`search.whole_proof`) add each problem's samples to its row, and pass@k and the
gain of each repair round to the summary and the report (`prover.metrics`)."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypedDict

from lean_prover.prover import __version__
from lean_prover.prover.metrics import pass_at_k_table, repair_gains
from lean_prover.prover.suite import Problem
from lean_prover.search.attempt import AttemptStatus, AttemptStop, ProofAttempt, Prover
from lean_prover.search.baseline import run_baseline
from lean_prover.search.portfolio import AUTOMATION_TACTICS, PORTFOLIO, theorem_key
from lean_prover.search.runs import OnRow, ResumableRun

RESULTS = "results.jsonl"
REPORT = "report.md"
PLOT = "solved.png"


class _BenchRowFields(TypedDict):
    """The fields every line of `results.jsonl` has (see :class:`BenchRow`)."""

    name: str
    split: str
    topic: str
    difficulty: int
    status: AttemptStatus
    proof: str
    time_s: float
    lean_calls: int
    expansions: int
    probes: int
    stop_reason: AttemptStop
    detail: str
    baseline_solved_by: list[str] | None  # None: baseline not run; []: no automation tactic proved it
    suite: str
    search: dict
    model: str
    seed: int
    versions: dict[str, str]
    finished_at: float
    fingerprint: str


class BenchRow(_BenchRowFields, total=False):
    """One line of `results.jsonl`: a problem, its attempt, the baseline's verdict, the run's
    settings; whole-proof runs add `whole_proof` (`typing.NotRequired` needs Python 3.11)."""

    whole_proof: dict  # samples, correct, rounds, proved_round, candidates (search.whole_proof)


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


def run_benchmark(
    prover: Prover, problems: list[Problem], out_dir: Path, info: RunInfo, baseline: bool = True,
    on_row: OnRow = lambda _r, _i, _n: None, on_resume: Callable[[int, int], None] = lambda _f, _n: None,
) -> list[BenchRow]:
    """Prove each problem not already in `out_dir/results.jsonl`, appending a row as each ends.
    `on_resume(finished, total)` is told, before any work, how many problems the folder already
    holds (a resumed run, or a finished folder reused as it is)."""
    run = ResumableRun(out_dir / RESULTS, info.fingerprint())
    todo = run.pending(problems)
    on_resume(len(problems) - len(todo), len(problems))
    automation = run_baseline(prover.toolchain, todo) if baseline and todo else {}
    if automation:  # the prover's first pass reuses the baseline's run: it starts from what automation proved
        prover.prepare([p.theorem() for p in todo],
                       {theorem_key(p.theorem()): automation[p.name] for p in todo})

    def make_row(problem: Problem, attempt: ProofAttempt) -> dict:  # BenchRow less the fingerprint
        row = {
            "name": problem.name, "split": problem.split, "topic": problem.topic,
            "difficulty": problem.difficulty, "status": attempt.status, "proof": attempt.proof,
            "time_s": attempt.time_s, "lean_calls": attempt.lean_calls, "expansions": attempt.expansions,
            "probes": attempt.probes, "stop_reason": attempt.stop_reason, "detail": attempt.detail,
            "baseline_solved_by": automation[problem.name].solved_by if problem.name in automation else None,
            "suite": info.suite, "search": info.search, "model": info.model, "seed": info.seed,
            "versions": {"prover": __version__, "lean": info.lean, "python": platform.python_version()},
            "finished_at": time.time(),
        }
        if attempt.whole_proof:
            row["whole_proof"] = attempt.whole_proof
        return row

    run.prove(prover, todo, make_row, on_row)
    return run.rows(problems)


def summary(rows: list[BenchRow]) -> dict:
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
        "pass_at_k": {str(k): round(v, 4) for k, v in pass_at_k_table(rows).items()},
        "repair_rounds": repair_gains(rows),
    }


def summary_table(rows: list[BenchRow]) -> str:
    """A plain-text table: one line per problem, then the totals."""
    lines = [f"{'problem':40} {'prover':12} {'baseline':18} {'time s':>8} {'calls':>6}"]
    for r in rows:
        base = "-" if r.get("baseline_solved_by") is None else (",".join(r["baseline_solved_by"]) or "no")
        lines.append(f"{r['name'][:40]:40} {r['status']:12} {base[:18]:18} {r['time_s']:8.1f} {r['lean_calls']:6d}")
    s = summary(rows)
    base = "-" if s["baseline_proved"] is None else str(s["baseline_proved"])
    lines.append(f"proved {s['proved']}/{s['problems']}; Lean automation ({', '.join(AUTOMATION_TACTICS)}) "
                 f"{base}/{s['problems']}; proved beyond the automation: {s['proved_not_by_baseline']}")
    if s["pass_at_k"]:
        lines.append("pass@k (samples of round 0): " + ", ".join(f"pass@{k} {v:.3f}" for k, v in s["pass_at_k"].items()))
        lines.append("proved per round: " + ", ".join(f"{_round_name(g)} +{g['proved']} (= {g['cumulative']})"
                                                       for g in s["repair_rounds"]))
    return "\n".join(lines)


def write_report(rows: list[BenchRow], out_dir: Path, info: RunInfo) -> tuple[Path, Path]:
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
        f"Lean automation = a proof that is one of {', '.join('`' + '; '.join(a) + '`' for a in PORTFOLIO)} "
        "(the prover's first pass starts from these results).", "",
        *_whole_proof_section(s),
        f"![solved against time]({PLOT})", "",
        "| problem | prover | automation | time (s) | Lean calls | expansions |", "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        base = "-" if r.get("baseline_solved_by") is None else (", ".join(r["baseline_solved_by"]) or "no")
        body.append(f"| `{r['name']}` | {r['status']} | {base} | {r['time_s']:.1f} | {r['lean_calls']} | {r['expansions']} |")
    report.write_text("\n".join(body) + "\n", encoding="utf-8")
    return report, plot


def _whole_proof_section(s: dict) -> list[str]:
    """The report's pass@k and repair-round tables (whole-proof runs only)."""
    if not s["pass_at_k"]:
        return []
    lines = ["## Whole-proof samples", "", "| k | " + " | ".join(s["pass_at_k"]) + " |",
             "| --- | " + " | ".join("---" for _ in s["pass_at_k"]) + " |",
             "| pass@k | " + " | ".join(f"{v:.3f}" for v in s["pass_at_k"].values()) + " |", "",
             "pass@k: the unbiased estimate from the round-0 samples (all of them checked), averaged over problems.", "",
             "| round | first proved in it | proved so far |", "| --- | --- | --- |"]
    for gain in s["repair_rounds"]:
        lines.append(f"| {_round_name(gain)} | {gain['proved']} | {gain['cumulative']}/{gain['problems']} |")
    return lines + [""]


def _round_name(gain: dict) -> str:
    return "samples" if gain["round"] == 0 else f"repair {gain['round']}"


def _plot(rows: list[BenchRow], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    times = sorted(r["time_s"] for r in rows if r["status"] == "proved")
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    axes.step([0.0, *times], list(range(len(times) + 1)), where="post", label="prover")
    baseline = sum(bool(r.get("baseline_solved_by")) for r in rows)
    axes.axhline(baseline, linestyle="--", color="gray", label="Lean automation (one shot)")
    axes.set_xlabel("time per problem (s)")
    axes.set_ylabel("problems solved")
    axes.set_ylim(0, max(1, len(rows)))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no fractional ticks
    axes.set_title(f"solved against time ({len(rows)} problems)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
