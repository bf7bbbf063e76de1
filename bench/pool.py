"""The Lean pool keyed by header against the file engine, both under lockstep batching.

    python bench/pool.py [--limit 50] [--concurrency 50] [--width 8] [--max-lean-calls 3]
                         [--processes 2] [--pool-size N] [--pool-max-uses N] [--out FILE.json]

Searches the first `--limit` core dev problems (topics round-robin) with the rule-based prior,
`--concurrency` at a time sharing Lean runs (`search.lockstep.LockstepPool`), first with the
file engine (one Lean process per probe file, at most `--processes` at once: the baseline),
then with a `lean_env.pool.LeanPool` (probe files answered by long-lived `lean --worker`
sessions, restarted by the pool's policy). Prints wall time, solved count, Lean starts, the
speed-up of the pool over the file engine, and checks that every problem got the same result
(status, tactics, Lean calls, expansions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.pool import LeanPool, default_policy
from lean_prover.lean_env.toolchain import resolve_toolchain
from lean_prover.prover.models import load_policy
from lean_prover.prover.suite import load_suite
from lean_prover.search.config import SearchConfig
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.engines import SessionEngines
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget
from lean_prover.training.expert_iteration import select_problems


def outcome(attempt) -> tuple:
    """What must not depend on the engine."""
    return attempt.status, tuple(attempt.tactics), attempt.lean_calls, attempt.expansions


def main(argv: list[str] | None = None) -> int:
    """Run both engines and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2, help="file engine: Lean processes at once (2)")
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--max-lean-calls", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=None)
    parser.add_argument("--pool-max-uses", type=int, default=None)
    parser.add_argument("--out", default=None, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    toolchain = resolve_toolchain()
    problems = select_problems(load_suite("core", split="dev"), args.limit)
    theorems = [Theorem.from_statement(p.lean_text("by sorry"), name=p.name) for p in problems]
    prover = SearchProver(toolchain, load_policy(None),
                    SearchConfig(width=args.width, budget=Budget(64, args.max_lean_calls, 1800.0)))

    def run(mode: str, base: SearchProver, processes: int) -> tuple[list, float]:
        started = time.monotonic()
        attempts = LockstepPool(base, args.concurrency, processes).prove_all(
            theorems, lambda a: print(f"[{mode}] {a.name}: {a.status}", file=sys.stderr, flush=True))
        return attempts, time.monotonic() - started

    by_file, file_s = run("file", prover, args.processes)
    policy = default_policy(toolchain, size=args.pool_size, max_uses=args.pool_max_uses)
    with LeanPool(toolchain, policy) as pool:
        by_pool, pool_s = run("pool", prover.replace(engines=SessionEngines(pool)), policy.size)
        stats = pool.stats
    identical = [outcome(a) for a in by_file] == [outcome(a) for a in by_pool]
    print(f"{'engine':8} {'searches':>8} {'wall s':>8} {'solved':>7}  Lean")
    print(f"{'file':8} {args.concurrency:>8} {file_s:8.1f} {sum(a.status == 'proved' for a in by_file):>4}/"
          f"{len(theorems)}  one process per probe file, {args.processes} at once")
    print(f"{'pool':8} {args.concurrency:>8} {pool_s:8.1f} {sum(a.status == 'proved' for a in by_pool):>4}/"
          f"{len(theorems)}  {policy.size} session(s): {stats.requests} requests, {stats.starts} worker starts "
          f"({stats.restarts_by_uses} by uses, {stats.restarts_by_memory} by memory), peak RSS "
          f"{stats.peak_rss_bytes / 1e9:.1f} GB")
    print(f"pool/file speed: {file_s / pool_s:.2f}x; identical results: {'yes' if identical else 'NO'}; "
          f"toolchain {toolchain.kind}; policy {asdict(policy)}")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "problems": len(theorems), "concurrency": args.concurrency, "file_s": round(file_s, 1),
            "pool_s": round(pool_s, 1), "speedup": round(file_s / pool_s, 2), "identical": identical,
            "policy": asdict(policy), "pool_stats": asdict(stats)}, indent=1), encoding="utf-8")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
