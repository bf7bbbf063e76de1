"""Benchmark: tactic probes per second of the file engine (lean_env.dojo).

One row per batch size: one Lean run evaluating that many (state, tactic) probes on simple
goals (a mix of states one and two tactics deep; tactics that give new goals, finish the
proof, or fail), with its wall-clock time, probes per second, the marginal milliseconds per
probe beyond start-up (the lower of `Dojo.__enter__` and the batch of one), peak resident memory, and the results by kind. The
start-up row is `Dojo.__enter__`: one Lean run for the initial state.

    python bench/interaction.py [--sizes 1,10,100,1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lean_env.dojo import Dojo, Theorem  # noqa: E402
from lean_env.file_engine import FileEngine  # noqa: E402
from lean_env.toolchain import resolve_toolchain  # noqa: E402

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


def paths_for(size: int) -> list[tuple[str, ...]]:
    """`size` probes cycling through PROBES."""
    return [PROBES[i % len(PROBES)] for i in range(size)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines too")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    toolchain = resolve_toolchain()
    theorem = Theorem.from_statement(STATEMENT)
    print("[bench] start-up: Dojo.__enter__", file=sys.stderr, flush=True)
    started = time.monotonic()
    with Dojo(theorem, toolchain=toolchain) as (dojo, initial):
        startup_s = time.monotonic() - started
        startup_rss = dojo.engine.last_run.peak_rss_bytes
    if initial.__class__.__name__ != "TacticState":
        print(f"initial state failed: {initial}", file=sys.stderr)
        return 1
    rows = [{"batch": "start-up", "probes": 1, "wall_s": round(startup_s, 2), "probes_per_s": round(1 / startup_s, 3),
             "ms_per_probe": None, "peak_rss_gb": round(startup_rss / 1e9, 2), "results": "initial state"}]
    baseline_s = startup_s  # start-up: the lower of `Dojo.__enter__` and the batch of one
    for size in sorted(sizes):
        print(f"[bench] batch of {size}", file=sys.stderr, flush=True)
        engine = FileEngine(toolchain, theorem)
        started = time.monotonic()
        results = engine.evaluate(paths_for(size))
        wall = time.monotonic() - started
        if size == 1:
            baseline_s = min(baseline_s, wall)
        kinds = Counter(type(r).__name__ for r in results)
        rows.append({
            "batch": size, "probes": size, "wall_s": round(wall, 2), "probes_per_s": round(size / wall, 2),
            "ms_per_probe": round(1000 * max(0.0, wall - baseline_s) / size, 1),
            "peak_rss_gb": round(engine.last_run.peak_rss_bytes / 1e9, 2),
            "results": ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f" ({engine.runs} run(s))",
        })
    print(f"{'batch':>9} {'wall s':>8} {'probes/s':>9} {'ms/probe':>9} {'peak RSS GB':>12}  results")
    for row in rows:
        ms = "" if row["ms_per_probe"] is None else f"{row['ms_per_probe']:.1f}"
        print(f"{row['batch']!s:>9} {row['wall_s']:>8.2f} {row['probes_per_s']:>9.2f} {ms:>9} "
              f"{row['peak_rss_gb']:>12.2f}  {row['results']}")
    print(f"toolchain: {toolchain.kind}; ms/probe = (wall - {baseline_s:.2f} s start-up) / probes, "
          "start-up = the lower of Dojo.__enter__ and the batch of one")
    if args.json:
        for row in rows:
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
