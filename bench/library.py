"""What Lean's knowledge adds: one-shot automation, the rule-based prior, and the prior with the
first pass, Lean's suggestions and the premise index, on the same core problems at the same
Lean-call budget, in one run.

    python bench/library.py [--split test] [--limit 100] [--max-lean-calls 4] [--width 8]
                            [--suggest exact?,rw?] [--premises 4] [--concurrency 16] [--out runs/library]

Problems: `--limit` problems of the `core` split taken round-robin over topics (all without
`--limit`). Configurations, each searched with `--concurrency` searches sharing Lean runs:

- `automation`: Lean's one-shot automation portfolio (`intros` then omega / grind / decide /
  simp_all, and `decide` alone), one Lean file for all problems;
- `prior`: best-first search with the rule-based prior, `--max-lean-calls` Lean calls;
- `prior+lean`: the first pass (the automation results above, reused, and Lean's suggestions
  for the root states of the problems automation did not prove, one more shared Lean run), then
  the same search with Lean's suggestions and `--premises` retrieved premises as extra
  candidates. The first pass's Lean runs are charged to each problem's budget (1 for automation,
  1 more when its root was asked), so both searches have the same Lean-call budget.

Each configuration's rows go to `OUT/<config>/results.jsonl` (resumable: run the same command
again after an interruption); the table and `OUT/library.json` give solved counts, problems
proved beyond automation, Lean calls and wall time, and the ratio of the full system to
automation (the issue's target: at least 1.25).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lean_prover.app.benchmark import RunInfo, run_benchmark
from lean_prover.app.library_cli import DEFAULT_SUGGEST, suggestion_tactics
from lean_prover.lean_env.library_index import load_or_build_index
from lean_prover.lean_env.toolchain import resolve_toolchain
from lean_prover.prover.premises import PremiseRetriever
from lean_prover.prover.prior import PriorPolicy
from lean_prover.prover.suite import load_suite
from lean_prover.search.baseline import run_baseline
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.config import SearchConfig
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.portfolio import FirstPassSettings, theorem_key
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget
from lean_prover.training.expert_iteration import select_problems


def main(argv: list[str] | None = None) -> int:
    """Run the three configurations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--max-lean-calls", type=int, default=4)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--budget", type=int, default=64, help="node expansions")
    parser.add_argument("--suggest", default=DEFAULT_SUGGEST)
    parser.add_argument("--suggest-depth", type=int, default=0)
    parser.add_argument("--premises", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", default="runs/library")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    toolchain = resolve_toolchain()
    problems = select_problems(load_suite("core", split=args.split), args.limit)
    search = SearchConfig(width=args.width, budget=Budget(args.budget, args.max_lean_calls, 3600.0))
    lean = toolchain.version()
    table: dict[str, dict] = {}

    def log(message: str) -> None:
        print(f"[library] {message}", flush=True)

    started = time.monotonic()
    automation = run_baseline(toolchain, problems)
    table["automation"] = {"solved": sum(r.solved for r in automation.values()), "lean_calls": len(problems),
                           "wall_s": round(time.monotonic() - started, 1)}
    log(f"automation: {table['automation']}")
    tactics = suggestion_tactics(args.suggest)
    retriever = PremiseRetriever(load_or_build_index(toolchain, progress=log)) if args.premises else None
    configs = {
        "prior": SearchProver(toolchain, PriorPolicy(), search, tactic_timeout_s=900, on_note=log),
        "prior+lean": SearchProver(toolchain, PriorPolicy(), search, tactic_timeout_s=900,
                                   first_pass=FirstPassSettings(suggestion_tactics=tactics),
                                   candidates=CandidateSettings(tactics, args.suggest_depth, premises=args.premises),
                                   retriever=retriever, on_note=log),
    }
    theorems = [p.theorem() for p in problems]
    for name, prover in configs.items():
        started = time.monotonic()
        prover.prepare(theorems, {theorem_key(p.theorem()): automation[p.name] for p in problems})
        info = RunInfo("core", args.split, {"config": name, "width": args.width, "max_lean_calls": args.max_lean_calls,
                                            "budget": args.budget, "suggest": list(tactics),
                                            "suggest_depth": args.suggest_depth, "premises": args.premises},
                       "rules", 0, lean)

        def row_done(row: dict, index: int, total: int, name=name) -> None:
            log(f"{name} [{index}/{total}] {row['name']}: {row['status']} ({row['lean_calls']} calls)")

        rows = run_benchmark(LockstepPool(prover, args.concurrency), problems, out / name, info, baseline=False,
                             on_row=row_done)
        solved = {r["name"] for r in rows if r["status"] == "proved"}
        table[name] = {"solved": len(solved), "lean_calls": sum(r["lean_calls"] for r in rows),
                       "beyond_automation": len({n for n in solved if not automation[n].solved}),
                       "missed_automation": sorted(n for n, r in automation.items() if r.solved and n not in solved),
                       "errors": sum(r["status"] == "error" for r in rows),
                       "wall_s": round(time.monotonic() - started, 1)}
        log(f"{name}: {table[name]}")
    base = table["automation"]["solved"]
    lines = [f"{'configuration':14} {'solved':>8} {'beyond automation':>18} {'Lean calls':>10} {'wall s':>8}"]
    for name, row in table.items():
        lines.append(f"{name:14} {row['solved']:>4}/{len(problems):<3} {row.get('beyond_automation', 0):>18} "
                     f"{row['lean_calls']:>10} {row['wall_s']:>8}")
    ratio = table["prior+lean"]["solved"] / base if base else float("nan")
    lines.append(f"prior+lean / automation: {ratio:.2f} (target ≥ 1.25: {'met' if ratio >= 1.25 else 'NOT met'})")
    print("\n".join(lines))
    (out / "library.json").write_text(json.dumps({"problems": len(problems), "split": args.split, "table": table,
                                                  "ratio_full_to_automation": round(ratio, 3),
                                                  "settings": vars(args)}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
