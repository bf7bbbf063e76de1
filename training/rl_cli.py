"""`prover train grpo`, `prover train critic`, `prover train pool`: RLVR, critic training, theorem pool.

Wiring (in `training/cli.py`'s `add_train_parser`, on the `train` sub-subparsers)::

    from lean_prover.training.rl_cli import add_rl_parsers
    add_rl_parsers(commands, common_parent)

Each command prints its result (a short text, or JSON with `--json`) and its progress on stderr;
problems are raised as `TrainCommandError` with a one-line message (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.suite import SuiteError
from lean_prover.training.cli import TrainCommandError


def _progress(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def _toolchain(args: argparse.Namespace):
    from lean_prover.lean_env.toolchain import resolve_toolchain

    return resolve_toolchain(lean_command=args.lean, project=args.project, progress=_progress)


def _base_model(args: argparse.Namespace, problems: list) -> Path:
    """The `--base-model` folder, or the untrained tiny GPT-2 built under `--out`'s parent."""
    from lean_prover.training.base_model import build_base_model

    if args.base_model:
        if not (Path(args.base_model) / "config.json").is_file():
            raise TrainCommandError(f"--base-model {args.base_model}: not a save_pretrained model folder (no config.json)")
        return Path(args.base_model)
    out = Path(args.out)
    return build_base_model(out.with_name(out.name + ".base"), problems)


def _emit(args: argparse.Namespace, result: dict, text: str) -> None:
    print(json.dumps(result, indent=1) if args.json else text)


def cmd_grpo(args: argparse.Namespace) -> int:
    """GRPO on a suite's initial states (and a step file's intermediate states), rewards from Lean."""
    from lean_prover.prover.suite import load_suite
    from lean_prover.training.data import DataError, load_steps
    from lean_prover.training.grpo import GRPOSettings, step_prompts, suite_prompts, train_grpo, train_grpo_launched
    from lean_prover.training.rewards import RewardConfig, RewardError
    from lean_prover.training.sft import TrainingError

    if args.steps < 1 or args.generations < 2 or args.prompts_per_step < 1 or (args.limit is not None and args.limit < 1):
        raise TrainCommandError("--steps, --prompts-per-step and --limit must be at least 1, --generations at least 2")
    try:
        problems = load_suite(args.suite, split=args.split, limit=args.limit)
        toolchain = _toolchain(args)
        _progress(f"initial states of {len(problems)} problems (one Lean run)")
        rows = suite_prompts(toolchain, problems)
        if args.steps_file:
            rows += step_prompts(load_steps(Path(args.steps_file)), problems)
        settings = GRPOSettings(max_steps=args.steps, num_generations=args.generations,
                                prompts_per_step=args.prompts_per_step, max_completion_length=args.max_completion_length,
                                learning_rate=args.learning_rate, beta=args.beta, temperature=args.temperature,
                                seed=args.seed, bf16=args.bf16, use_vllm=args.use_vllm, vllm_mode=args.vllm_mode,
                                gradient_checkpointing=args.gradient_checkpointing, save_steps=args.save_steps,
                                resume=args.resume, threads=args.threads)
        base = _base_model(args, problems)
        _progress(f"GRPO: {len(rows)} prompts, {args.steps} steps × {args.prompts_per_step} prompts × "
                  f"{args.generations} completions")
        reward = RewardConfig(step=args.step_reward, proof=args.proof_reward)
        if args.accelerate_config:
            result = train_grpo_launched(base, rows, Path(args.out), settings, args.accelerate_config, args.lean, reward,
                                         args.project)
        else:
            result = train_grpo(base, rows, Path(args.out), toolchain, settings, reward)
    except (SuiteError, DataError, RewardError, TrainingError, ModelConfigError) as exc:
        raise TrainCommandError(str(exc)) from None
    data = result.to_dict()
    _emit(args, data, f"GRPO: {data['steps']} steps on {data['prompts']} prompts, rewards per step "
          f"{data['rewards']}, verdicts {data['verdicts']}, {data['lean_runs']} Lean runs → {data['path']}")
    return 0


def cmd_critic(args: argparse.Namespace) -> int:
    """Critic examples from search trees, then fine-tune a sequence classifier on them."""
    from lean_prover.prover.suite import load_suite
    from lean_prover.training.critic_data import (CriticDataError, examples_from_rows, read_attempts, save_examples,
                                      trace_files)
    from lean_prover.training.critic_train import CriticSettings, train_critic
    from lean_prover.training.sft import TrainingError

    try:
        attempts = [a for path in trace_files([Path(p) for p in args.traces]) for a in read_attempts(path)]
        examples = examples_from_rows(attempts)
        positives = sum(e.label for e in examples)
        _progress(f"{len(attempts)} search trees → {len(examples)} labelled states "
                  f"({positives} provable, {len(examples) - positives} dead ends)")
        if args.examples_out:
            save_examples(examples, Path(args.examples_out))
        base = _base_model(args, load_suite("core", split="dev"))
        result = train_critic(base, examples, Path(args.out),
                              CriticSettings(learning_rate=args.learning_rate, epochs=args.epochs,
                                             discount=args.discount, max_prompt_tokens=args.max_prompt_tokens,
                                             seed=args.seed, bf16=args.bf16, save_steps=args.save_steps,
                                             resume=args.resume, threads=args.threads))
    except (CriticDataError, TrainingError, SuiteError) as exc:
        raise TrainCommandError(str(exc)) from None
    data = result.to_dict()
    _emit(args, data, f"critic: {data['examples']} examples ({data['positives']} provable), {data['steps']} steps, "
          f"loss {data['first_loss']} → {data['last_loss']}, train accuracy {data['train_accuracy']} → "
          f"{data['path']} (critic config: backend hf, max_prompt_tokens {data['max_prompt_tokens']})")
    return 0


def cmd_pool(args: argparse.Namespace) -> int:
    """Generate the training theorem pool (a suite .jsonl)."""
    from lean_prover.training.curriculum import CurriculumError, build_pool

    try:
        report = build_pool(_toolchain(args), Path(args.out), arithmetic=args.arithmetic, logic=args.logic,
                            seed=args.seed, exclude=list(args.exclude or []), progress=_progress)
    except CurriculumError as exc:
        raise TrainCommandError(str(exc)) from None
    data = report.to_dict()
    _emit(args, data, f"pool: {data['written']} statements → {data['path']} (candidates {data['candidates']}, "
          f"dropped {data['dropped']})")
    return 0


def add_rl_parsers(commands, common_parent: argparse.ArgumentParser) -> None:
    """Register `grpo`, `critic` and `pool` on the `train` sub-subparsers."""
    grpo = commands.add_parser("grpo", parents=[common_parent],
                               help="RLVR: GRPO on proof states, one tactic per completion, rewards from Lean")
    grpo.add_argument("--suite", default="core", help="`core`, a pool .jsonl, or a suite path (core)")
    grpo.add_argument("--split", default="dev", help="training split (dev)")
    grpo.add_argument("--limit", type=int, default=None, metavar="K", help="first K problems")
    grpo.add_argument("--steps-file", metavar="JSONL", help="expert-iteration steps: their intermediate states too")
    grpo.add_argument("--out", required=True, metavar="DIR")
    grpo.add_argument("--base-model", metavar="PATH", help="a save_pretrained causal LM (default: untrained tiny GPT-2)")
    grpo.add_argument("--steps", type=int, default=50, help="optimizer steps (50)")
    grpo.add_argument("--generations", type=int, default=4, help="completions per prompt (4)")
    grpo.add_argument("--prompts-per-step", type=int, default=2)
    grpo.add_argument("--max-completion-length", type=int, default=32, metavar="TOKENS")
    grpo.add_argument("--learning-rate", type=float, default=1e-5)
    grpo.add_argument("--beta", type=float, default=0.0, help="KL weight (0)")
    grpo.add_argument("--temperature", type=float, default=1.0)
    grpo.add_argument("--step-reward", type=float, default=1.0, help="reward of a step with verified progress (1; see training/rewards.py)")
    grpo.add_argument("--proof-reward", type=float, default=1.0, help="reward of a step that closes the proof (1)")
    grpo.add_argument("--use-vllm", action="store_true", help="generate with vLLM (GPU)")
    grpo.add_argument("--vllm-mode", choices=("colocate", "server"), default="colocate")
    grpo.add_argument("--accelerate-config", metavar="YAML", help="run under accelerate launch --config_file")
    grpo.add_argument("--bf16", action="store_true")
    grpo.add_argument("--gradient-checkpointing", action="store_true")
    grpo.add_argument("--save-steps", type=int, default=10, metavar="N", help="a checkpoint every N steps (10; 0: none)")
    grpo.add_argument("--resume", action="store_true", help="continue a killed run from its last checkpoint")
    grpo.add_argument("--threads", type=int, default=0)
    grpo.add_argument("--seed", type=int, default=0)
    grpo.add_argument("--json", action="store_true")
    grpo.set_defaults(func=cmd_grpo)

    critic = commands.add_parser("critic", parents=[common_parent],
                                 help="train the search critic on states labelled by whole search trees")
    critic.add_argument("traces", nargs="+", help="search.jsonl / `prover prove --trace` files or run folders")
    critic.add_argument("--out", required=True, metavar="DIR")
    critic.add_argument("--base-model", metavar="PATH", help="a causal LM folder (default: untrained tiny GPT-2)")
    critic.add_argument("--examples-out", metavar="JSONL", help="also write the labelled states here")
    critic.add_argument("--discount", type=float, default=0.9, help="target = discount ** distance (0.9)")
    critic.add_argument("--learning-rate", type=float, default=1e-3)
    critic.add_argument("--epochs", type=float, default=10.0)
    critic.add_argument("--max-prompt-tokens", type=int, default=1024)
    critic.add_argument("--bf16", action="store_true")
    critic.add_argument("--save-steps", type=int, default=100, metavar="N", help="a checkpoint every N steps (100; 0: none)")
    critic.add_argument("--resume", action="store_true", help="continue a killed run from its last checkpoint")
    critic.add_argument("--threads", type=int, default=0)
    critic.add_argument("--seed", type=int, default=0)
    critic.add_argument("--json", action="store_true")
    critic.set_defaults(func=cmd_critic)

    pool = commands.add_parser("pool", parents=[common_parent],
                               help="generate a Lean-checked training theorem pool (suite .jsonl)")
    pool.add_argument("--out", required=True, metavar="JSONL")
    pool.add_argument("--arithmetic", type=int, default=40, help="synthetic arithmetic statements (40)")
    pool.add_argument("--logic", type=int, default=40, help="synthetic logic statements (40)")
    pool.add_argument("--exclude", action="append", metavar="SUITE",
                      help="also decontaminate against this suite (a miniF2F/ProofNet/PutnamBench checkout or .jsonl)")
    pool.add_argument("--seed", type=int, default=0)
    pool.add_argument("--json", action="store_true")
    pool.set_defaults(func=cmd_pool)
