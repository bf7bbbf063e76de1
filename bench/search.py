"""Benchmark: the search algorithms at equal budget, the proof cache, and 1 vs 2 workers.

Problems: `core` dev problems that Lean's one-shot automation (`intros` then `omega`, `grind`,
`decide` or `simp_all`, measured in this run) does NOT prove: the dev problems of `--topics`
(default: induction, lists, recursion, logic — where several steps can beat one shot), easiest
first (suite order within a difficulty), the first `--candidates` checked against the
automation, the first `--limit` it fails on kept.

Runs, all with the same budget (expansions, Lean calls, width, seed), each through the worker
pool of `search.workers`:

* for each algorithm (bfs, critic-bfs, mcts): a cold run with a fresh SQLite cache and 2
  workers, then a second run on the same cache (proofs served from it, failures skipped);
* bfs once more, cold, with 1 worker: same results expected (`identical` column), and the
  wall-clock time of 1 against 2 workers.

One table (printed) and one JSON file (`--out`):

    python bench/search.py [--limit 4] [--candidates 40] [--topics T,…] [--budget 64] [--max-lean-calls 2]
                           [--width 8] [--seed 0] [--out bench-search.json] [--decompose]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


from lean_prover.lean_env.toolchain import resolve_toolchain  # noqa: E402
from lean_prover.prover.suite import Problem, load_suite  # noqa: E402
from lean_prover.search.baseline import run_baseline  # noqa: E402
from lean_prover.search.config import ALGORITHMS, SearchConfig  # noqa: E402
from lean_prover.search.prove import ProofAttempt  # noqa: E402
from lean_prover.search.types import Budget  # noqa: E402
from lean_prover.search.spec import ProverSpec  # noqa: E402
from lean_prover.search.workers import WorkerPool  # noqa: E402

TOPICS = "induction,lists,recursion,logic"


@dataclass
class RunRow:
    """One configuration's totals."""

    algorithm: str
    cache: str  # cold | warm (second run on the same cache)
    workers: int
    solved: int
    problems: int
    median_expansions: float | None  # over solved problems, not counting cache hits
    from_cache: int
    lean_calls: int
    wall_s: float
    identical: str = ""  # for the 1-worker run: same statuses, proofs, expansions as 2 workers?


def select_problems(toolchain, topics: list[str], limit: int, candidates: int) -> tuple[list[Problem], dict]:
    """The first `limit` dev problems (of `candidates` in `topics`, easiest first) automation fails on."""
    dev = [p for p in load_suite("core", split="dev") if p.topic in topics]
    pool = sorted(dev, key=lambda p: p.difficulty)[:candidates]
    baseline = run_baseline(toolchain, pool)
    chosen = [p for p in pool if not baseline[p.name].solved][:limit]
    return chosen, {p.name: baseline[p.name].solved_by for p in pool}


def run(spec: ProverSpec, problems: list[Problem], workers: int) -> tuple[list[ProofAttempt], float]:
    """Attempts for every problem with a pool of `workers`, and the wall-clock seconds."""
    theorems = [p.theorem() for p in problems]
    started = time.monotonic()
    attempts = WorkerPool(spec, workers=workers).prove_all(theorems)
    return attempts, round(time.monotonic() - started, 1)


def row(algorithm: str, cache: str, workers: int, attempts: list[ProofAttempt], wall_s: float) -> RunRow:
    """Totals of one run."""
    searched = [a.expansions for a in attempts if a.status == "proved" and not a.from_cache]
    return RunRow(algorithm, cache, workers, sum(a.status == "proved" for a in attempts), len(attempts),
                  statistics.median(searched) if searched else None, sum(a.from_cache for a in attempts),
                  sum(a.lean_calls for a in attempts), wall_s)


def content(attempts: list[ProofAttempt]) -> list[tuple]:
    """What must not depend on the number of workers."""
    return [(a.name, a.status, a.proof, a.expansions, a.lean_calls) for a in attempts]


def table(rows: list[RunRow]) -> str:
    """The plain-text table."""
    lines = [f"{'algorithm':11} {'cache':5} {'workers':>7} {'solved':>7} {'median exp':>10} {'from cache':>10} "
             f"{'Lean calls':>10} {'wall s':>7}  identical"]
    for r in rows:
        median = "-" if r.median_expansions is None else f"{r.median_expansions:g}"
        lines.append(f"{r.algorithm:11} {r.cache:5} {r.workers:7d} {f'{r.solved}/{r.problems}':>7} {median:>10} "
                     f"{r.from_cache:10d} {r.lean_calls:10d} {r.wall_s:7.1f}  {r.identical}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=4, help="problems (4)")
    parser.add_argument("--candidates", type=int, default=40, help="dev problems checked against automation (40)")
    parser.add_argument("--topics", default=TOPICS, help=f"core topics to draw from ({TOPICS})")
    parser.add_argument("--budget", type=int, default=64, help="node expansions per problem (64)")
    parser.add_argument("--max-lean-calls", type=int, default=2, help="Lean round trips per problem (2)")
    parser.add_argument("--width", type=int, default=8, help="tactics per state (8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--decompose", action="store_true", help="decompose when direct search fails")
    parser.add_argument("--out", default="bench-search.json", help="JSON results (bench-search.json)")
    args = parser.parse_args(argv)
    if args.limit < 1 or args.candidates < 1 or args.budget < 1 or args.max_lean_calls < 1 or args.width < 1:
        parser.error("--limit, --candidates, --budget, --max-lean-calls and --width must be at least 1")
    toolchain = resolve_toolchain()
    started = time.monotonic()
    problems, automation = select_problems(toolchain, args.topics.split(","), args.limit, args.candidates)
    print(f"[bench] automation checked on {len(automation)} problems in {time.monotonic() - started:.0f} s; "
          f"kept {len(problems)}: {', '.join(p.name for p in problems)}", file=sys.stderr, flush=True)
    if not problems:
        print("bench: error: automation proves every candidate: raise --candidates", file=sys.stderr)
        return 1
    rows: list[RunRow] = []
    details: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        for algorithm in ALGORITHMS:
            config = SearchConfig(algorithm=algorithm, width=args.width, seed=args.seed,
                                  budget=Budget(args.budget, args.max_lean_calls))
            spec = ProverSpec(toolchain, config, cache_path=str(Path(tmp) / f"{algorithm}.db"),
                              decompose=args.decompose)
            for cache in ("cold", "warm"):
                attempts, wall = run(spec, problems, 2)
                rows.append(row(algorithm, cache, 2, attempts, wall))
                details[f"{algorithm}/{cache}/2"] = [a.to_dict() for a in attempts]
                print(table(rows[-1:]).split("\n")[1], file=sys.stderr, flush=True)
                if algorithm == "bfs" and cache == "cold":
                    two_workers = attempts
        bfs = ProverSpec(toolchain, SearchConfig(width=args.width, seed=args.seed,
                                                 budget=Budget(args.budget, args.max_lean_calls)),
                         cache_path=str(Path(tmp) / "bfs-1.db"), decompose=args.decompose)
        attempts, wall = run(bfs, problems, 1)
        rows.append(row("bfs", "cold", 1, attempts, wall))
        rows[-1].identical = "yes" if content(attempts) == content(two_workers) else "NO"
        details["bfs/cold/1"] = [a.to_dict() for a in attempts]
    report = {"problems": [p.name for p in problems], "automation": automation, "settings": vars(args),
              "rows": [asdict(r) for r in rows], "attempts": details,
              "total_s": round(time.monotonic() - started, 1)}
    Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(rows))
    print(f"problems: {', '.join(p.name for p in problems)}; total {report['total_s']:.0f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
