"""Lockstep batching against one search at a time: same problems, same settings, same run.

    python bench/lockstep.py [--limit 12] [--concurrency 12] [--processes 2] [--width 8]
                             [--max-lean-calls 3] [--out FILE.json]

Searches the first `--limit` core dev problems (topics round-robin) with the rule-based prior,
first one at a time (the baseline: one Lean process per search step and per re-check), then
`--concurrency` at a time sharing Lean runs (`search.lockstep.LockstepPool`, at most
`--processes` Lean processes at once). Prints wall time, solved count and the speed-up, and
checks that every problem got the same result (status, tactics, Lean calls, expansions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


from lean_prover.lean_env.toolchain import resolve_toolchain  # noqa: E402
from lean_prover.prover.models import load_policy  # noqa: E402
from lean_prover.prover.suite import load_suite  # noqa: E402
from lean_prover.search.config import SearchConfig  # noqa: E402
from lean_prover.search.lockstep import LockstepPool  # noqa: E402
from lean_prover.search.prove import SearchProver  # noqa: E402
from lean_prover.search.types import Budget  # noqa: E402
from lean_prover.training.expert_iteration import select_problems  # noqa: E402


def outcome(attempt) -> tuple:
    """What must not depend on batching."""
    return attempt.status, tuple(attempt.tactics), attempt.lean_calls, attempt.expansions


def main(argv: list[str] | None = None) -> int:
    """Run both modes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--max-lean-calls", type=int, default=3)
    parser.add_argument("--out", default=None, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    problems = select_problems(load_suite("core", split="dev"), args.limit)
    theorems = [p.theorem() for p in problems]
    prover = SearchProver(resolve_toolchain(), load_policy(None),
                    SearchConfig(width=args.width, budget=Budget(64, args.max_lean_calls, 1800.0)))

    started = time.monotonic()
    alone = []
    for index, theorem in enumerate(theorems, start=1):
        alone.append(prover.prove(theorem))
        print(f"[one at a time {index}/{len(theorems)}] {theorem.name}: {alone[-1].status}", file=sys.stderr)
    alone_s = time.monotonic() - started

    pool = LockstepPool(prover, args.concurrency, args.processes)
    started = time.monotonic()
    together = pool.prove_all(theorems, lambda a: print(f"[lockstep] {a.name}: {a.status}", file=sys.stderr))
    together_s = time.monotonic() - started

    identical = [outcome(a) for a in alone] == [outcome(a) for a in together]
    rows = [("one at a time", 1, alone_s, sum(a.status == "proved" for a in alone)),
            ("lockstep", args.concurrency, together_s, sum(a.status == "proved" for a in together))]
    print(f"{'mode':14} {'searches at once':>16} {'wall s':>8} {'solved':>7}")
    for mode, at_once, wall, solved in rows:
        print(f"{mode:14} {at_once:>16} {wall:8.1f} {solved:>4}/{len(theorems)}")
    print(f"speed-up: {alone_s / together_s:.2f}x; identical results: {'yes' if identical else 'NO'}")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "problems": len(theorems), "concurrency": args.concurrency, "processes": args.processes,
            "one_at_a_time_s": round(alone_s, 1), "lockstep_s": round(together_s, 1),
            "speedup": round(alone_s / together_s, 2), "identical": identical}, indent=1), encoding="utf-8")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
