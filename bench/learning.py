"""Does expert iteration learn? ≥ 3 rounds on CPU from the rule-based prior, held-out solved
counts per round against the prior alone at equal budget.

    python bench/learning.py [--rounds 3] [--limit 6] [--eval-limit 4] [--eval-difficulty 2]
                             [--out runs/learning] [--seed-references]

Runs `training.expert_iteration` on the `core` suite: train on dev (all difficulties), held
out the test problems of at least `--eval-difficulty` (difficulty 1 is one-step automation,
which the prior already proves: there would be nothing left to gain). Both are taken
round-robin over topics; the suite used is written to the run folder as `suite.jsonl`. It
prints one line per round: the candidate's and the kept
policy's held-out solved counts, the prior's, and kept / prior. Writes `learning.json` in the
run folder. The run folder is resumable: run the same command again after an interruption.
The default size takes about 20 minutes on the 2-core development machine with the
embedded Lean (almost all of it Lean start-up: ~20 s per Lean call).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lean_env.toolchain import resolve_toolchain  # noqa: E402
from prover.suite import load_suite  # noqa: E402
from search.config import SearchConfig  # noqa: E402
from search.types import Budget  # noqa: E402
from training.cli import print_event  # noqa: E402
from training.expert_iteration import ExpertIteration, ExpertIterationConfig  # noqa: E402
from training.sft import SFTSettings  # noqa: E402


def table(summary: dict) -> tuple[str, dict]:
    """The per-round table and its numbers."""
    prior = summary["initial_eval_solved"]
    lines = [f"{'round':>5} {'train solved':>12} {'examples':>8} {'candidate':>9} {'kept policy':>11} "
             f"{'prior':>5} {'kept/prior':>10}"]
    rows = []
    for r in summary["per_round"]:
        kept = r["candidate_eval"] if r["accepted"] else r["incumbent_eval"]
        ratio = kept / prior if prior else float("nan")
        rows.append({"round": r["round"], "candidate": r["candidate_eval"], "kept": kept, "prior": prior,
                     "ratio": round(ratio, 3), "train_solved": r["solved_train_total"],
                     "examples": r["train_examples"], "accepted": r["accepted"]})
        lines.append(f"{r['round']:5d} {r['solved_train_total']:>12} {r['train_examples']:8d} "
                     f"{str(r['candidate_eval']):>9} {kept:>11} {prior:>5} {ratio:10.2f}")
    lines.append(f"held-out problems: {summary['eval_problems']}; final policy {summary['final_policy']}")
    return "\n".join(lines), {"rounds": rows, "prior": prior, "eval_problems": summary["eval_problems"]}


def write_suite(out: Path, eval_difficulty: int) -> Path:
    """`out/suite.jsonl`: core dev, and core test problems of at least `eval_difficulty`."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [{"name": p.name, "statement": p.statement, "proof": p.reference_proof, "split": p.split,
             "topic": p.topic, "difficulty": p.difficulty, "origin": p.origin}
            for p in load_suite("core") if p.split == "dev" or p.difficulty >= eval_difficulty]
    path = out / "suite.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=6, help="training problems (core dev)")
    parser.add_argument("--eval-limit", type=int, default=4, help="held-out problems (core test)")
    parser.add_argument("--eval-difficulty", type=int, default=2, help="least difficulty of held-out problems")
    parser.add_argument("--budget-expansions", type=int, default=12)
    parser.add_argument("--max-lean-calls", type=int, default=3)
    parser.add_argument("--seed-references", action="store_true", help="add dev reference first steps as seed data")
    parser.add_argument("--out", default="runs/learning")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    suite = write_suite(Path(args.out), args.eval_difficulty)
    config = ExpertIterationConfig(
        suite=str(suite), split="dev", eval_split="test", limit=args.limit, eval_limit=args.eval_limit,
        rounds=args.rounds, search=SearchConfig(budget=Budget(args.budget_expansions, args.max_lean_calls, 300.0)),
        seed_references=args.seed_references, retrain_every=2, sft=SFTSettings(threads=1))
    started = time.monotonic()
    summary = ExpertIteration(config, Path(args.out), resolve_toolchain(), print_event).run()
    text, numbers = table(summary)
    numbers.update({"time_s": round(time.monotonic() - started, 1), "config": config.to_dict()})
    (Path(args.out) / "learning.json").write_text(json.dumps(numbers, indent=1), encoding="utf-8")
    print(text)
    print(f"wrote {Path(args.out) / 'learning.json'} ({numbers['time_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
