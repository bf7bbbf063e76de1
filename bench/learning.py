"""Does expert iteration learn? ≥ 3 rounds on CPU from the rule-based prior, held-out solved
counts per round against the prior alone at equal budget.

    python bench/learning.py [--rounds 3] [--problems-per-round 40] [--eval-limit 40]
                             [--width 1] [--collect-width 8] [--collect-max-lean-calls N]
                             [--pool-per-round M]
                             [--pool-lemmas related|sampled] [--no-pool-references] [--pool-families K]
                             [--out runs/learning]

Runs `training.expert_iteration` on the `core` suite. Training: `--problems-per-round` new dev
problems each round (topics round-robin), searched wide (`--collect-width` tactics per state,
`--collect-nodes-per-call` states per Lean call) together with the earlier rounds' unsolved
ones. Held out: `--eval-limit` test problems (topics round-robin), evaluated at the narrow
budget (`--width` tactics per state, `--nodes-per-call`, `--max-lean-calls`), where which
tactics a policy ranks first decides what it proves. The prior and every round's candidate
are evaluated with exactly the same settings (equal budget). A candidate is kept only when it
solves strictly more than the incumbent. Fine-tuning starts from the base model in round 1 and
every `--retrain-every` rounds after (3: rounds 2 and 3 continue from the incumbent).

`--lean` gives every search Lean's knowledge (the first pass, Lean's suggestions, 4 retrieved
premises); `--eval-lean first-pass` evaluates the rounds with one-shot automation only, so the
held-out count measures the lemmas a policy names by itself (learned from suggestion-found steps).
After the rounds, the same held-out problems at the same budget: Lean's one-shot automation, the
prior alone, the prior with Lean's knowledge, and the final policy with it.

Prints one line per round (training problems searched and solved, examples, candidate's and
kept policy's held-out solved counts, the prior's, kept / prior), then the two targets: each
round's kept policy solves more than the one before (round 0 = the prior), and the final
policy solves more than the prior. Writes `learning.json` in the run folder; the run folder is
resumable (run the same command again after an interruption). The default size takes about
19 minutes on the 2-core development machine with the embedded Lean (searches run 16 at a
time, sharing Lean runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
import typing
from pathlib import Path


from lean_prover.lean_env.suggestions import DEFAULT_SUGGESTION_TACTICS  # noqa: E402
from lean_prover.lean_env.toolchain import resolve_toolchain  # noqa: E402
from lean_prover.prover.suite import load_suite  # noqa: E402
from lean_prover.search.candidates import CandidateSettings  # noqa: E402
from lean_prover.search.config import SearchConfig  # noqa: E402
from lean_prover.search.types import Budget  # noqa: E402
from lean_prover.app.train_cli import print_event  # noqa: E402
from lean_prover.training.expert_iteration import (EvalKnowledge, ExpertIteration,  # noqa: E402
                                                   ExpertIterationConfig, PoolLemmas, eval_knowledge)
from lean_prover.training.sft import SFTSettings  # noqa: E402


def table(summary: dict) -> tuple[str, dict]:
    """The per-round table, the targets, and their numbers."""
    prior = summary["initial_eval_solved"]
    lines = [f"{'round':>5} {'train solved':>12} {'examples':>8} {'candidate':>9} {'kept policy':>11} "
             f"{'prior':>5} {'kept/prior':>10}"]
    rows, kept_counts = [], [prior]
    for r in summary["per_round"]:
        kept = r["candidate_eval"] if r["accepted"] else r["incumbent_eval"]
        kept_counts.append(kept)
        ratio = kept / prior if prior else float("nan")
        rows.append({"round": r["round"], "candidate": r["candidate_eval"], "kept": kept, "prior": prior,
                     "ratio": round(ratio, 3), "train_solved": r["solved_train_total"],
                     "examples": r["train_examples"], "accepted": r["accepted"]})
        lines.append(f"{r['round']:5d} {r['solved_train_total']:>12} {r['train_examples']:8d} "
                     f"{str(r['candidate_eval']):>9} {kept:>11} {prior:>5} {ratio:10.2f}")
    each_round = all(b > a for a, b in zip(kept_counts, kept_counts[1:]))
    beats_prior = kept_counts[-1] > prior
    lines.append(f"held-out problems: {summary['eval_problems']}; final policy {summary['final_policy']}")
    lines.append(f"target: each round solves more than the one before: {'met' if each_round else 'NOT met'} "
                 f"({' → '.join(map(str, kept_counts))})")
    lines.append(f"target: final policy solves more than the prior: {'met' if beats_prior else 'NOT met'} "
                 f"({kept_counts[-1]} vs {prior})")
    return "\n".join(lines), {"rounds": rows, "prior": prior, "eval_problems": summary["eval_problems"],
                               "each_round_better": each_round, "final_beats_prior": beats_prior}


def comparison(run: ExpertIteration, final: str, full: CandidateSettings) -> tuple[str, dict]:
    """Held-out solved counts and Lean calls, at the evaluation's budget, of Lean's one-shot
    automation, the prior alone, the prior with Lean's knowledge (first pass, suggestions,
    premises) and the final policy with it; each configuration's rows in `eval/LABEL.jsonl`."""
    rows = {"prior": run.evaluate("prior", "prior-bare", False, CandidateSettings()),
            "prior+lean": run.evaluate("prior", "prior-lean", True, full)}
    if final != "prior":
        rows[f"{final}+lean"] = run.evaluate(final, f"{final}-lean", True, full)
    automation = [r for r in rows["prior+lean"] if r["status"] == "proved" and r["stop_reason"] == "first pass"]
    numbers = {"automation": {"solved": len(automation), "lean_calls": len(rows["prior+lean"])}}
    for label, found in rows.items():
        numbers[label] = {"solved": sum(r["status"] == "proved" for r in found),
                          "lean_calls": sum(r["lean_calls"] for r in found)}
    total = len(rows["prior"])
    lines = [f"{'configuration':16} {'held-out solved':>16} {'Lean calls':>10}"]
    lines += [f"{label:16} {row['solved']:>12}/{total:<3} {row['lean_calls']:>10}" for label, row in numbers.items()]
    return "\n".join(lines), numbers


def write_suite(out: Path) -> Path:
    """`out/suite.jsonl`: the core suite (dev and test), as the run's record of what it used."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [{"name": p.name, "statement": p.statement, "proof": p.reference_proof, "split": p.split,
             "topic": p.topic, "difficulty": p.difficulty, "origin": p.origin} for p in load_suite("core")]
    path = out / "suite.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--problems-per-round", type=int, default=40, help="new core dev problems a round")
    parser.add_argument("--lean", action="store_true",
                        help="every search (collection and evaluation) with the first pass, Lean's suggestions "
                             "(exact?, rw?) and 4 retrieved premises as candidates")
    parser.add_argument("--eval-lean", choices=typing.get_args(EvalKnowledge), default="same",
                        help="Lean's knowledge when the rounds are evaluated: as the collection (same), one-shot "
                             "automation only (first-pass: the lemmas a policy names by itself), or none")
    parser.add_argument("--pool-per-round", type=int, default=0,
                        help="new pool statements a round (library lemmas restated, synthetic families)")
    parser.add_argument("--pool-lemmas", choices=typing.get_args(PoolLemmas), default="related",
                        help="library lemmas the pool restates: nearest the training statements, or sampled")
    parser.add_argument("--no-pool-references", dest="pool_references", action="store_false",
                        help="restated lemmas' proofs are not training steps (only what the searches found)")
    parser.add_argument("--pool-families", type=int, default=0,
                        help="synthetic family instances a round (inductions and rewrites of dev families)")
    parser.add_argument("--tactic-memory", type=int, default=3,
                        help="tactics per state a trained round's policy adds from similar training steps (0: none)")
    parser.add_argument("--eval-limit", type=int, default=40, help="held-out problems (core test)")
    parser.add_argument("--width", type=int, default=1, help="tactics per state at evaluation")
    parser.add_argument("--nodes-per-call", type=int, default=1, help="states per Lean call at evaluation")
    parser.add_argument("--max-lean-calls", type=int, default=3)
    parser.add_argument("--collect-width", type=int, default=8, help="tactics per state in the training search")
    parser.add_argument("--collect-nodes-per-call", type=int, default=4)
    parser.add_argument("--collect-max-lean-calls", type=int, default=None,
                        help="Lean calls per theorem in the training search (default: --max-lean-calls)")
    parser.add_argument("--retrain-every", type=int, default=3,
                        help="fine-tune from the base model in rounds 1, N+1, … (3: only round 1 in a 3-round run)")
    parser.add_argument("--confidence-threshold", type=float, default=0.5,
                        help="drop new steps the incumbent already ranks first with this probability (0.5)")
    parser.add_argument("--concurrency", type=int, default=16, help="searches at once (sharing Lean runs)")
    parser.add_argument("--out", default="runs/learning")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    suite = write_suite(Path(args.out))
    full = CandidateSettings(DEFAULT_SUGGESTION_TACTICS, 0, premises=4)
    eval_first_pass, eval_candidates = eval_knowledge(args.eval_lean)
    search = SearchConfig(width=args.width, nodes_per_call=args.nodes_per_call,
                          budget=Budget(64, args.max_lean_calls, 300.0))
    config = ExpertIterationConfig(
        suite=str(suite), split="dev", eval_split="test", limit=args.rounds * args.problems_per_round,
        eval_limit=args.eval_limit, rounds=args.rounds, search=search,
        collect_search=dataclasses.replace(search, width=args.collect_width, nodes_per_call=args.collect_nodes_per_call,
                                           budget=dataclasses.replace(search.budget, max_lean_calls=(
                                               args.collect_max_lean_calls or args.max_lean_calls))),
        problems_per_round=args.problems_per_round, pool_per_round=args.pool_per_round, pool_lemmas=args.pool_lemmas,
        pool_references=args.pool_references, pool_families=args.pool_families, first_pass=args.lean,
        candidates=full if args.lean else CandidateSettings(),
        eval_first_pass=eval_first_pass, eval_candidates=eval_candidates, tactic_memory=args.tactic_memory,
        concurrency=args.concurrency, retrain_every=args.retrain_every,
        confidence_threshold=args.confidence_threshold,
        sft=SFTSettings(threads=1))
    started = time.monotonic()
    run = ExpertIteration(config, Path(args.out), resolve_toolchain(), print_event)
    summary = run.run()
    text, numbers = table(summary)
    compared_text, numbers["comparison"] = comparison(run, summary["final_policy"], full)
    numbers.update({"time_s": round(time.monotonic() - started, 1), "config": config.to_dict()})
    (Path(args.out) / "learning.json").write_text(json.dumps(numbers, indent=1), encoding="utf-8")
    print(text)
    print(compared_text)
    print(f"wrote {Path(args.out) / 'learning.json'} ({numbers['time_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
