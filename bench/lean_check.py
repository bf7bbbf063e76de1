"""Benchmark: Lean start-up to a checked file, and milliseconds per theorem.

Prints one table. Rows: start-up on a trivial file (first run of the benchmark, then the
median of warm repeats), and a file of N one-line theorems, for the configured toolchain
and for a baseline in the same run. With the embedded Lean the baseline is the upstream
glue's thread pool of 4 workers (`--baseline pool4`, default) or the unpatched `lean.js`
(`--baseline pristine`: about two minutes per start).

    python bench/lean_check.py [--theorems 300] [--repeats 3] [--baseline pool4|pristine|none] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from lean_prover.lean_env.process import run_lean_file
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain


def theorem_file(folder: Path, count: int) -> Path:
    """A file of `count` small, distinct theorems proved by a mix of core tactics."""
    tactics = ["by omega", "by simp", "by decide", "rfl"]
    lines = [f"theorem bench_{i} : {i} + {i % 7} = {i + i % 7} := {tactics[i % len(tactics)]}" for i in range(count)]
    path = folder / f"bench_{count}.lean"
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(toolchain: Toolchain, path: Path) -> tuple[float, int]:
    """Wall-clock seconds and peak resident bytes of one check; raises if Lean did not accept it."""
    started = time.monotonic()
    run = run_lean_file(toolchain, path, timeout_s=1800)
    elapsed = time.monotonic() - started
    if run.fault or any(m.is_error for m in run.messages):
        raise RuntimeError(f"benchmark file did not check: {run.fault} {[m.text for m in run.messages][:3]}")
    return elapsed, run.peak_rss_bytes


def profile(name: str, toolchain: Toolchain, trivial: Path, big: Path, theorems: int, repeats: int) -> dict:
    """Cold and warm start-up, per-theorem cost and peak memory for one configuration."""
    print(f"[bench] {name}: first run", file=sys.stderr, flush=True)
    cold, rss = measure(toolchain, trivial)
    warm_runs = []
    for i in range(repeats):
        print(f"[bench] {name}: warm run {i + 1}/{repeats}", file=sys.stderr, flush=True)
        warm_runs.append(measure(toolchain, trivial)[0])
    print(f"[bench] {name}: {theorems} theorems", file=sys.stderr, flush=True)
    big_s, big_rss = measure(toolchain, big)
    warm = statistics.median(warm_runs)
    return {"config": name, "cold_start_s": round(cold, 2), "warm_start_s": round(warm, 2),
            "file_s": round(big_s, 2), "ms_per_theorem": round(1000 * max(0.0, big_s - warm) / theorems, 2),
            "peak_rss_gb": round(max(rss, big_rss) / 1e9, 2)}


def baseline_toolchain(toolchain: Toolchain, kind: str) -> Toolchain | None:
    """The comparison configuration measured in the same run."""
    if kind == "none" or not toolchain.is_embedded:
        return None
    if kind == "pool4":
        return replace(toolchain, env={**toolchain.env, "LEAN_WASM_POOL_SIZE": "4"})
    pristine = toolchain.embedded.glue.with_name("lean.js.orig")
    return replace(toolchain, command=(*toolchain.command[:-1], str(pristine)))


def main() -> int:
    """Run the benchmark and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theorems", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", choices=["pool4", "pristine", "none"], default="pool4")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    toolchain = resolve_toolchain()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-lean-") as tmp:
        trivial = Path(tmp) / "trivial.lean"
        trivial.write_text("theorem trivial_bench : 1 + 1 = 2 := rfl\n")
        big = theorem_file(Path(tmp), args.theorems)
        rows.append(profile(f"{toolchain.kind} (this project)", toolchain, trivial, big, args.theorems, args.repeats))
        baseline = baseline_toolchain(toolchain, args.baseline)
        if baseline is not None:
            rows.append(profile(f"baseline: {args.baseline}", baseline, trivial, big, args.theorems,
                                max(1, args.repeats if args.baseline == "pool4" else 1)))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    columns = list(rows[0])
    print(" | ".join(f"{c:>16}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]!s:>16}" for c in columns))
    if len(rows) == 2:
        print(f"warm start-up: baseline / this = {rows[1]['warm_start_s'] / rows[0]['warm_start_s']:.2f}x; "
              f"peak memory: baseline / this = {rows[1]['peak_rss_gb'] / max(rows[0]['peak_rss_gb'], 0.01):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
