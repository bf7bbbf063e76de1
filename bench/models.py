"""Benchmark: throughput of the step policies on CPU — the rule-based prior and the tiny HF model.

Builds the tiny GPT-2 policy offline (`prover.tiny_model`, a few seconds; or `--model DIR`),
takes initial goals printed from the `core` suite, and measures, at batch 1 (states one by
one) and batch 32 (one call with 32 states), k = 8 suggestions per state:

* states/s and suggestions/s (distinct tactics returned);
* tokens/s: for the HF policy every generated token (all samples or beams, duplicates and the
  terminating newline/EOS included); for the rules, the tokens of the returned tactics under
  the same tokenizer (it generates none; the figure only makes the rows comparable).

    python bench/models.py [--states 32] [--repeats 2] [--samples 16] [--threads 2] [--model DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path


from lean_prover.prover.models import load_policy  # noqa: E402
from lean_prover.prover.statement import StatementError, goal_text, parse_statement  # noqa: E402
from lean_prover.prover.tiny_model import CORE_SUITE, build_tiny_policy  # noqa: E402


def core_goals(count: int) -> list[str]:
    """The first `count` initial goals of the core suite (cycled if fewer)."""
    goals = []
    for line in CORE_SUITE.read_text(encoding="utf-8").splitlines():
        try:
            goals.append(goal_text(parse_statement(json.loads(line)["statement"])))
        except StatementError:
            continue
    return [goals[i % len(goals)] for i in range(count)]


def measure(name: str, policy, goals: list[str], batch: int, k: int, repeats: int, count_tokens, generated) -> dict:
    """Best of `repeats` passes over `goals` in calls of `batch` states."""
    best = None
    for _ in range(repeats):
        before = generated()
        results = []
        start = time.perf_counter()
        for i in range(0, len(goals), batch):
            results += policy.suggest(goals[i:i + batch], k)
        elapsed = time.perf_counter() - start
        suggestions = sum(len(found) for found in results)
        tactic_tokens = sum(count_tokens(s.tactic) for found in results for s in found)
        tokens = generated() - before if generated() is not None else tactic_tokens
        row = {"policy": name, "batch": batch, "states": len(goals), "seconds": elapsed,
               "states_per_s": len(goals) / elapsed, "suggestions_per_s": suggestions / elapsed,
               "tokens_per_s": tokens / elapsed, "suggestions_per_state": suggestions / len(goals)}
        if best is None or elapsed < best["seconds"]:
            best = row
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--samples", type=int, default=16, help="samples (or beams) per state for the HF policy")
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--steps", type=int, default=150, help="training steps of the tiny model")
    parser.add_argument("--model", default=None, help="an existing HF model folder instead of the tiny one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    goals = core_goals(args.states)
    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        started = time.perf_counter()
        folder = Path(args.model) if args.model else build_tiny_policy(Path(tmp) / "tiny", steps=args.steps)
        build_s = time.perf_counter() - started
        policies = {
            "rules": (load_policy({"backend": "rules"}), None),
        }
        for decoding in ("sample", "beam"):
            policy = load_policy({"backend": "hf", "path": str(folder), "decoding": decoding,
                                  "num_samples": args.samples, "batch_size": 32})
            policies[f"hf tiny ({decoding}, n={args.samples})"] = (policy, lambda p=policy: p.generator.generated_tokens)
        tokenizer = next(p for p, _ in policies.values() if hasattr(p, "generator")).generator
        rows = []
        for name, (policy, generated) in policies.items():
            policy.suggest(goals[:2], args.k)  # warm-up
            for batch in (1, 32):
                rows.append(measure(name, policy, goals, batch, args.k, args.repeats, tokenizer.count_tokens,
                                    generated or (lambda: None)))
    info = {"cpu_threads": torch.get_num_threads(), "cores": os.cpu_count(), "torch": torch.__version__,
            "python": platform.python_version(), "model_build_s": round(build_s, 1), "k": args.k}
    if args.json:
        print(json.dumps({"info": info, "rows": rows}, indent=1))
        return 0
    print(f"CPU, {info['cores']} cores, torch {info['torch']} ({info['cpu_threads']} threads); k = {args.k}; "
          f"{args.states} core-suite goals; tiny model built in {info['model_build_s']} s")
    print(f"| {'policy':28} | batch | states/s | suggestions/s | tokens/s | suggestions/state |")
    print(f"| {'-' * 28} | ----- | -------- | ------------- | -------- | ----------------- |")
    for r in rows:
        print(f"| {r['policy']:28} | {r['batch']:5d} | {r['states_per_s']:8.1f} | {r['suggestions_per_s']:13.1f} | "
              f"{r['tokens_per_s']:8.0f} | {r['suggestions_per_state']:17.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
