"""Benchmark: what positive evidence costs. `prover check`'s verifier against one bare Lean run.

The verifier compiles a file and then asks a second Lean process for its report (axioms,
statements, kernel re-check); a file with errors is compiled once more, repaired, before the
report. The baseline, measured in the same run, is what the checker did before: one `lean
--json` run of the file, verdicts read from the absence of messages. Rows: a one-theorem file,
a file of N proved theorems, and the same file with every fifth proof broken.

    python bench/verify.py [--theorems 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from lean_prover.lean_env.process import run_lean_file
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file


def theorem_file(folder: Path, name: str, count: int, broken_every: int = 0) -> Path:
    """`count` small theorems proved by core tactics; every `broken_every`-th one has a false statement."""
    tactics = ["by omega", "by simp", "by decide", "rfl"]
    lines = []
    for i in range(count):
        wrong = broken_every and i % broken_every == broken_every - 1
        lines.append(f"theorem bench_{i} : {i} + {i % 7} = {i + i % 7 + (1 if wrong else 0)} := "
                     f"{tactics[i % len(tactics)]}")
    path = folder / f"{name}.lean"
    path.write_text("\n".join(lines) + "\n")
    return path


def row(toolchain: Toolchain, label: str, path: Path) -> dict:
    """One file checked both ways, with the verdicts each gives."""
    print(f"[bench] {label}: bare run", file=sys.stderr, flush=True)
    started = time.monotonic()
    bare = run_lean_file(toolchain, path, timeout_s=1800)
    bare_s = time.monotonic() - started
    print(f"[bench] {label}: verifier", file=sys.stderr, flush=True)
    started = time.monotonic()
    result = check_file(toolchain, path, CheckOptions(timeout_s=1800))
    verify_s = time.monotonic() - started
    proved = sum(d.status == "proved" for d in result.declarations)
    return {"file": label, "theorems": len(result.declarations), "proved": proved, "evidence": result.evidence,
            "bare_s": round(bare_s, 1), "bare_errors": sum(m.is_error for m in bare.messages),
            "verify_s": round(verify_s, 1), "ratio": round(verify_s / bare_s, 2)}


def main() -> int:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theorems", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    toolchain = resolve_toolchain()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        folder = Path(tmp)
        rows = [row(toolchain, "1 theorem", theorem_file(folder, "one", 1)),
                row(toolchain, f"{args.theorems} theorems", theorem_file(folder, "many", args.theorems)),
                row(toolchain, f"{args.theorems} theorems, every 5th wrong",
                    theorem_file(folder, "broken", args.theorems, broken_every=5))]
    if args.json:
        print(json.dumps({"toolchain": toolchain.kind, "rows": rows}, indent=1))
        return 0
    print(f"{'file':34} {'proved':>7} {'evidence':>9} {'bare s':>7} {'verify s':>9} {'ratio':>6}")
    for r in rows:
        print(f"{r['file']:34} {r['proved']:>3}/{r['theorems']:<3} {r['evidence']:>9} {r['bare_s']:>7} "
              f"{r['verify_s']:>9} {r['ratio']:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
