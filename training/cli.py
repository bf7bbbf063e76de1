"""`prover train …`: expert iteration and the shipped default models.

Wiring (in `prover/cli.py`'s `build_parser`)::

    from lean_prover.training.cli import add_train_parser
    train = add_train_parser(sub, common)      # returns the `train` sub-subparsers

Each command's errors (bad suite, a run folder of other settings, no data) are raised as
:class:`TrainCommandError` with a one-line message; `prover/cli.py` prints it and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.prover.library_cli import add_library_options, candidate_settings
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.models import as_config
from lean_prover.prover.suite import SuiteError
from lean_prover.search.config import ALGORITHMS, SearchConfig
from lean_prover.search.types import Budget


class TrainCommandError(LeanEnvError):
    """A `prover train` command that cannot run; the message is one line."""


def _progress(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def print_event(event: str, info: dict) -> None:
    """Progress lines for the events of an expert-iteration run."""
    if event in ("search", "eval"):
        who = f"round {info['round']} search" if event == "search" else f"eval {info['policy']}"
        _progress(f"{who} [{info['position']}/{info['total']}] {info['name']}: {info['status']} ({info['time_s']:.0f} s)")
    elif event == "filter":
        _progress(f"{info['round']}: kept {info['kept']} steps; " +
                  ", ".join(f"{f['name']} -{f['dropped']}" for f in info["filters"]))
    elif event == "sft":
        _progress(f"fine-tuned {info['examples']} examples, {info['steps']} steps, loss {info['first_loss']} → "
                  f"{info['last_loss']} ({info['time_s']:.0f} s) → {info['path']}")
    elif event == "round":
        e = info["eval"]
        _progress(f"round {info['round']} done: train solved {info['solved_train_total']}/{info['train_problems']}, "
                  f"held-out incumbent {e.get('incumbent')} vs candidate {e.get('candidate')}, "
                  f"{'accepted' if info['accepted'] else 'kept ' + info['incumbent']} ({info['time_s']:.0f} s)")


def _search_config(args: argparse.Namespace) -> SearchConfig:
    try:
        return SearchConfig(algorithm=args.search, width=args.width, nodes_per_call=args.nodes_per_call,
                            seed=args.seed, budget=Budget(args.budget_expansions, args.max_lean_calls, args.time_limit))
    except ValueError as exc:
        raise TrainCommandError(str(exc)) from None


def _collect_config(args: argparse.Namespace, search: SearchConfig) -> SearchConfig | None:
    """The training-split search settings: `search` with --collect-width/--collect-nodes-per-call."""
    if args.collect_width is None and args.collect_nodes_per_call is None:
        return None
    try:
        return dataclasses.replace(
            search, width=search.width if args.collect_width is None else args.collect_width,
            nodes_per_call=search.nodes_per_call if args.collect_nodes_per_call is None else args.collect_nodes_per_call)
    except ValueError as exc:
        raise TrainCommandError(str(exc)) from None


def _generation(args: argparse.Namespace):
    try:
        config = as_config(args.policy_config, "policy") if args.policy_config else as_config({"backend": "hf"})
    except ModelConfigError as exc:
        raise TrainCommandError(str(exc)) from None
    if config.backend not in ("hf", "vllm"):
        raise TrainCommandError(f"--policy-config: backend {config.backend!r} cannot load the trained checkpoints "
                                "(use hf or vllm)")
    return config


def cmd_expert_iteration(args: argparse.Namespace) -> int:
    """Run (or resume) expert iteration; prints the summary (JSON with --json)."""
    from lean_prover.lean_env.toolchain import resolve_toolchain
    from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig
    from lean_prover.training.search_runs import RunStateError
    from lean_prover.training.sft import SFTSettings, TrainingError

    if args.rounds < 1 or (args.limit is not None and args.limit < 1) or (args.eval_limit is not None and args.eval_limit < 1):
        raise TrainCommandError("--rounds, --limit and --eval-limit must be at least 1")
    if args.pool_per_round < 0:
        raise TrainCommandError("--pool-per-round must be at least 0")
    if args.concurrency < 1 or args.lean_processes < 1 or (args.problems_per_round is not None and args.problems_per_round < 1):
        raise TrainCommandError("--concurrency, --lean-processes and --problems-per-round must be at least 1")
    search = _search_config(args)
    if args.base_model and not (Path(args.base_model) / "config.json").is_file():
        raise TrainCommandError(f"--base-model {args.base_model}: not a save_pretrained model folder (no config.json)")
    config = ExpertIterationConfig(
        suite=args.suite, split=args.split, eval_split=None if args.eval_split == "none" else args.eval_split,
        limit=args.limit, eval_limit=args.eval_limit, rounds=args.rounds, search=search,
        collect_search=_collect_config(args, search), problems_per_round=args.problems_per_round,
        pool_per_round=args.pool_per_round, first_pass=args.first_pass, candidates=candidate_settings(args),
        concurrency=args.concurrency, lean_processes=args.lean_processes,
        base_model=str(args.base_model or ""), generation=_generation(args), model_weight=args.model_weight,
        retrain_every=args.retrain_every, confidence_threshold=args.confidence_threshold, prune=not args.no_prune,
        seed_references=args.seed_references,
        sft=SFTSettings(learning_rate=args.learning_rate, epochs=args.epochs, bf16=args.bf16, seed=args.seed,
                        threads=args.threads),
        accelerate_config=str(args.accelerate_config or ""))
    try:
        toolchain = resolve_toolchain(lean_command=args.lean, project=args.project, progress=_progress)
        runner = ExpertIteration(config, Path(args.out), toolchain, print_event)
        summary = runner.run()
    except (SuiteError, RunStateError, TrainingError, ModelConfigError) as exc:
        raise TrainCommandError(str(exc)) from None
    print(json.dumps(summary, indent=1) if args.json else summary_table(summary))
    return 0


def summary_table(summary: dict) -> str:
    """A plain-text table of the rounds of a run."""
    lines = [f"{'round':>5} {'train solved':>12} {'examples':>8} {'loss':>7} {'held-out: incumbent':>19} "
             f"{'candidate':>9} {'accepted':>8} {'time s':>7}"]
    for r in summary["per_round"]:
        loss = "-" if r["sft_loss"] is None else f"{r['sft_loss']:.3f}"
        lines.append(f"{r['round']:5d} {r['solved_train_total']:>6}/{summary['train_problems']:<5} "
                     f"{r['train_examples']:8d} {loss:>7} {str(r['incumbent_eval']):>19} "
                     f"{str(r['candidate_eval']):>9} {str(r['accepted']):>8} {r['time_s']:7.0f}")
    lines.append(f"final policy: {summary['final_policy']}"
                 + (f" ({summary['final_checkpoint']})" if summary["final_checkpoint"] else "")
                 + f"; run folder {summary['out']}")
    return "\n".join(lines)


def cmd_default_models(args: argparse.Namespace) -> int:
    """Regenerate the shipped default policy and critic (see `training.default_models`)."""
    from lean_prover.lean_env.toolchain import resolve_toolchain
    from lean_prover.training.default_models import build_default_models
    from lean_prover.training.search_runs import RunStateError
    from lean_prover.training.sft import TrainingError

    try:
        toolchain = None if args.from_run else resolve_toolchain(lean_command=args.lean, project=args.project,
                                                                 progress=_progress)
        result = build_default_models(Path(args.out), Path(args.work), toolchain, limit=args.limit,
                                      rounds=args.rounds, from_run=Path(args.from_run) if args.from_run else None,
                                      on_event=print_event)
    except (SuiteError, RunStateError, TrainingError, ModelConfigError, FileNotFoundError, ValueError) as exc:
        raise TrainCommandError(str(exc)) from None
    print(json.dumps(result, indent=1))
    return 0


def add_train_parser(subparsers, common_parent: argparse.ArgumentParser):
    """Register `train expert-iteration` and `train default-models` under `subparsers`; returns the
    `train` sub-subparsers object (for more `train …` commands)."""
    train = subparsers.add_parser("train", help="train the step policy (expert iteration, default models)")
    commands = train.add_subparsers(dest="train_command", required=True, parser_class=type(train))

    ei = commands.add_parser("expert-iteration", parents=[common_parent],
                             help="search → collect → filter → SFT → evaluate → keep if better, R rounds")
    ei.add_argument("--rounds", type=int, default=1)
    ei.add_argument("--suite", default="core", help="`core` or a suite .jsonl (core)")
    ei.add_argument("--split", default="dev", help="training split (dev)")
    ei.add_argument("--eval-split", default="test", help="held-out split (test); `none`: accept every round")
    ei.add_argument("--limit", type=int, default=None, metavar="K", help="K training problems (topics round-robin)")
    ei.add_argument("--eval-limit", type=int, default=3, metavar="K", help="K held-out problems (3)")
    ei.add_argument("--out", required=True, metavar="DIR", help="run folder (resumed if present)")
    ei.add_argument("--base-model", metavar="PATH", help="a save_pretrained causal LM (default: untrained tiny GPT-2)")
    ei.add_argument("--policy-config", metavar="YAML", help="generation settings for the trained model "
                    "(backend hf or vllm; its path is replaced by each checkpoint)")
    ei.add_argument("--search", choices=list(ALGORITHMS), default="bfs")
    ei.add_argument("--budget-expansions", type=int, default=16, metavar="N", help="expansions per theorem (16)")
    ei.add_argument("--max-lean-calls", type=int, default=3, metavar="N", help="Lean round trips per theorem (3)")
    ei.add_argument("--time-limit", type=float, default=300.0, metavar="S", help="seconds per theorem (300)")
    ei.add_argument("--width", type=int, default=8, metavar="K", help="tactics per state (8)")
    ei.add_argument("--nodes-per-call", type=int, default=4, metavar="N", help="states expanded per Lean round trip (4)")
    ei.add_argument("--collect-width", type=int, metavar="K", help="tactics per state in the training-split search "
                    "(default: --width; evaluation always uses --width)")
    ei.add_argument("--collect-nodes-per-call", type=int, metavar="N",
                    help="states per Lean round trip in the training-split search (default: --nodes-per-call)")
    add_library_options(ei, first_pass_default=False, suggest_default="none", premises_default=0)
    ei.add_argument("--pool-per-round", type=int, default=0, metavar="M",
                    help="new statements a round besides the suite's: library lemmas from the premise index "
                         "restated, and synthetic arithmetic and logic (0)")
    ei.add_argument("--problems-per-round", type=int, metavar="N",
                    help="search N new training problems each round (default: all of them in round 1)")
    ei.add_argument("--concurrency", type=int, default=8, metavar="N",
                    help="searches at once, sharing Lean runs (8; results do not depend on it)")
    ei.add_argument("--lean-processes", type=int, default=2, metavar="N", help="Lean processes at once (2)")
    ei.add_argument("--model-weight", type=float, default=0.5, help="weight of the model in the mixture (0.5)")
    ei.add_argument("--retrain-every", type=int, default=2, metavar="N", help="restart SFT from the base every N rounds")
    ei.add_argument("--confidence-threshold", type=float, default=0.5,
                    help="drop steps the incumbent ranks first with at least this probability (0.5)")
    ei.add_argument("--no-prune", action="store_true", help="skip the Lean-checked redundancy pruning")
    ei.add_argument("--seed-references", action="store_true",
                    help="add the training split's reference first steps to the data")
    ei.add_argument("--learning-rate", type=float, default=3e-3)
    ei.add_argument("--epochs", type=float, default=40.0)
    ei.add_argument("--bf16", action="store_true", help="train in bfloat16 (GPUs)")
    ei.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    ei.add_argument("--accelerate-config", metavar="YAML", help="run each SFT under accelerate launch --config_file")
    ei.add_argument("--seed", type=int, default=0)
    ei.add_argument("--json", action="store_true", help="print the summary as JSON")
    ei.set_defaults(func=cmd_expert_iteration)

    defaults = commands.add_parser("default-models", parents=[common_parent],
                                   help="regenerate the shipped tiny default policy and critic through this pipeline")
    defaults.add_argument("--out", required=True, metavar="DIR", help="where to save policy/, critic/ and "
                          "models.yaml (the shipped ones: prover/default_model)")
    defaults.add_argument("--work", default="runs/default-models", metavar="DIR", help="expert-iteration run folder")
    defaults.add_argument("--limit", type=int, default=12, metavar="K", help="core dev problems searched (12)")
    defaults.add_argument("--rounds", type=int, default=1)
    defaults.add_argument("--from-run", metavar="DIR", help="reuse the found proofs of an expert-iteration run "
                          "folder instead of searching (no Lean needed)")
    defaults.set_defaults(func=cmd_default_models)
    from lean_prover.training.rl_cli import add_rl_parsers

    add_rl_parsers(commands, common_parent)
    return commands
