"""Benchmark: tactic probes per second of the file engine and the session engine (lean_env.dojo).

One row per engine and batch size: one `evaluate` of that many (state, tactic) probes on simple
goals (a mix of states one and two tactics deep; tactics that give new goals, finish the
proof, or fail), with its wall-clock time, probes per second, the marginal milliseconds per
probe beyond start-up (the lower of `Dojo.__enter__` and the batch of one), peak resident memory,
and the results by kind. The start-up row is `Dojo.__enter__` (the initial state): for the file
engine one Lean run, for the session engine the worker's start-up (header loaded) plus its first
request. The file engine runs one Lean process per batch; the session engine keeps one
`lean --worker` for all its rows (a fresh engine per row, so every probe is elaborated anew) and
restarts it when its elaboration budget is spent (counted in the results). The pool engine is a
`lean_env.pool.LeanPool` with the toolchain's default policy (sessions keyed by header,
restarted by uses and measured memory), used through the same engine. The last lines give
session and pool probes/s over file probes/s per batch size.

    python bench/interaction.py [--sizes 1,10,100,1000] [--engines file,session,pool] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable
from collections import Counter


from lean_prover.lean_env.dojo import Dojo, Theorem  # noqa: E402
from lean_prover.lean_env.file_engine import FileEngine  # noqa: E402
from lean_prover.lean_env.pool import LeanPool  # noqa: E402
from lean_prover.lean_env.session import LeanSession, SessionEngine  # noqa: E402
from lean_prover.lean_env.toolchain import resolve_toolchain  # noqa: E402

STATEMENT = "theorem bench (p q : Prop) (hp : p) (hq : q) (n m : Nat) (h : n ≤ m) : p ∧ q ∧ n + 0 ≤ m"
PROBES = [
    ("constructor",),
    ("refine ⟨hp, ?_⟩",),
    ("exact ⟨hp, hq, by simp [h]⟩",),
    ("intro x",),  # error
    ("constructor", "exact hp"),
    ("constructor", "exact hq"),  # error
    ("refine ⟨hp, hq, ?_⟩", "omega"),
    ("refine ⟨hp, hq, ?_⟩", "simp"),
    ("simp only [Nat.add_zero]",),
    ("induction n",),
]


THEOREM = Theorem.from_statement(STATEMENT)


def paths_for(size: int) -> list[tuple[str, ...]]:
    """`size` probes cycling through PROBES."""
    return [PROBES[i % len(PROBES)] for i in range(size)]


def bench_engine(name: str, make: Callable[[], FileEngine], sizes: list[int], peak_rss: Callable[[FileEngine], int],
                 runs: Callable[[FileEngine], str]) -> list[dict]:
    """The start-up row and one row per batch size for one engine (`make` gives a fresh one)."""
    print(f"[bench] {name}: start-up (Dojo.__enter__)", file=sys.stderr, flush=True)
    started = time.monotonic()
    with Dojo(THEOREM, engine=make()) as (dojo, initial):
        startup_s = time.monotonic() - started
        startup_rss = peak_rss(dojo.engine)
    if initial.__class__.__name__ != "TacticState":
        raise SystemExit(f"{name}: the initial state failed: {initial}")
    rows = [{"engine": name, "batch": "start-up", "probes": 1, "wall_s": round(startup_s, 2),
             "probes_per_s": round(1 / startup_s, 3), "ms_per_probe": None,
             "peak_rss_gb": round(startup_rss / 1e9, 2), "results": f"initial state ({runs(dojo.engine)})"}]
    baseline_s = startup_s  # start-up: the lower of `Dojo.__enter__` and the batch of one
    for size in sorted(sizes):
        print(f"[bench] {name}: batch of {size}", file=sys.stderr, flush=True)
        engine = make()
        started = time.monotonic()
        results = engine.evaluate(paths_for(size))
        wall = time.monotonic() - started
        if size == 1:
            baseline_s = min(baseline_s, wall)
        kinds = Counter(type(r).__name__ for r in results)
        rows.append({
            "engine": name, "batch": size, "probes": size, "wall_s": round(wall, 2),
            "probes_per_s": round(size / wall, 2), "ms_per_probe": round(1000 * max(0.0, wall - baseline_s) / size, 1),
            "peak_rss_gb": round(peak_rss(engine) / 1e9, 2),
            "results": ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f" ({runs(engine)})",
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--engines", default="file,session,pool", help="comma-separated: file, session, pool")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines too")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"file", "session", "pool"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")

    toolchain = resolve_toolchain()
    rows: list[dict] = []
    if "file" in engines:
        rows += bench_engine("file", lambda: FileEngine(toolchain, THEOREM), sizes,
                             lambda e: e.last_run.peak_rss_bytes, lambda e: f"{e.runs} Lean run(s)")
    if "session" in engines:
        with LeanSession(toolchain) as session:
            requests = [0]

            def session_runs(engine: FileEngine) -> str:
                done, requests[0] = session.requests - requests[0], session.requests
                return f"{done} request(s), {session.starts} worker start(s) so far"

            rows += bench_engine("session", lambda: SessionEngine(toolchain, THEOREM, session=session), sizes,
                                 lambda e: session.peak_rss_bytes, session_runs)
    if "pool" in engines:
        with LeanPool(toolchain) as pool:
            seen = [0]

            def pool_runs(engine: FileEngine) -> str:
                done, seen[0] = pool.stats.requests - seen[0], pool.stats.requests
                return (f"{done} request(s), {pool.stats.starts} worker start(s) so far "
                        f"({pool.stats.restarts_by_uses} by uses, {pool.stats.restarts_by_memory} by memory)")

            rows += bench_engine("pool", lambda: SessionEngine(toolchain, THEOREM, session=pool, chunk=pool.chunk),
                                 sizes, lambda e: pool.stats.peak_rss_bytes, pool_runs)
    print(f"{'engine':>8} {'batch':>9} {'wall s':>8} {'probes/s':>9} {'ms/probe':>9} {'peak RSS GB':>12}  results")
    for row in rows:
        ms = "" if row["ms_per_probe"] is None else f"{row['ms_per_probe']:.1f}"
        print(f"{row['engine']:>8} {row['batch']!s:>9} {row['wall_s']:>8.2f} {row['probes_per_s']:>9.2f} {ms:>9} "
              f"{row['peak_rss_gb']:>12.2f}  {row['results']}")
    rate = {(r["engine"], r["batch"]): r["probes_per_s"] for r in rows}
    for engine in ("session", "pool"):
        ratios = [(b, rate[(engine, b)] / rate[("file", b)]) for b in ["start-up", *sorted(sizes)]
                  if (engine, b) in rate and ("file", b) in rate and rate[("file", b)]]
        if ratios:
            print(f"{engine}/file probes per second: " + ", ".join(f"{b}: {r:.2f}x" for b, r in ratios))
    print(f"toolchain: {toolchain.kind}; ms/probe = (wall - start-up) / probes, "
          "start-up = the lower of Dojo.__enter__ and the batch of one (per engine)")
    if args.json:
        for row in rows:
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
