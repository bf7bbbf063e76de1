"""`prover train grpo`, `prover train critic`, `prover train pool`: RLVR, critic training, theorem pool.

Wiring (in `app/train_cli.py`'s `add_train_parser`, on the `train` sub-subparsers)::

    add_rl_parsers(commands)

Each command prints its result (a short text, or JSON with `--json`) and its progress on stderr
(a bar of optimizer steps on a terminal); problems are raised as `CommandError` with a one-line
message (exit status 2).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Callable

from lean_prover.app.console import CommandError
from lean_prover.app.options import LeanOptions, OutputOptions, add_options, at_least, model_folder, option
from lean_prover.app.progress import RunProgress
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.suite import SuiteError


def register(commands, name: str, options_class: type, command: Callable, summary: str) -> argparse.ArgumentParser:
    """Add one `train` command: its options' flags, and the function that runs it."""
    parser = add_options(commands.add_parser(name, help=summary, description=summary), options_class)
    parser.set_defaults(func=command)
    return parser


def trainer_progress(shown: RunProgress, description: str, total: int | None = None,
                     counted: Callable[[], dict] = dict):
    """A `transformers.TrainerCallback` that moves a bar per optimizer step (`total`, default the
    trainer's `max_steps`) and shows the latest logged loss or reward, plus `counted()` (e.g. Lean
    runs so far). A resumed run's bar starts at its checkpoint's step."""
    from transformers import TrainerCallback

    class TrainerProgress(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            shown.phase(description, total=total or state.max_steps)
            if state.global_step:  # resumed from a checkpoint
                shown.advance(steps=state.global_step)

        def on_step_end(self, args, state, control, **kwargs):
            shown.advance()
            shown.set(**counted())

        def on_log(self, args, state, control, logs=None, **kwargs):
            latest = {k: round(float(v), 4) for k, v in (logs or {}).items() if k in ("loss", "reward")}
            if latest:
                shown.set(**latest)

    return TrainerProgress()


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrainerOptions(OutputOptions, LeanOptions):
    """What the GRPO and critic commands share: where to write, the base model, the trainer's basics."""

    out: str = option(metavar="DIR", required=True, help="where to save the trained model")
    base_model: str | None = option(None, metavar="PATH", help="a save_pretrained causal LM (default: untrained "
                                    "tiny GPT-2 built beside --out)")
    learning_rate: float = option(1e-5, metavar="LR", help="learning rate")
    bf16: bool = option(False, help="load and train in bfloat16 (GPUs)")
    resume: bool = option(False, help="continue a killed run from its last checkpoint (without it, a folder "
                          "holding checkpoints is refused, never thrown away)")
    threads: int = option(0, metavar="N", help="torch CPU threads (0: torch's default)")
    seed: int = option(0, metavar="N", help="random seed of the trainer")

    def __post_init__(self) -> None:
        model_folder(self.base_model, "--base-model")

    def base(self, problems: list) -> Path:
        """The `--base-model` folder, or the untrained tiny GPT-2 built under `--out`'s parent."""
        from lean_prover.training.base_model import build_base_model

        if self.base_model:
            return Path(self.base_model)
        out = Path(self.out)
        return build_base_model(out.with_name(out.name + ".base"), problems)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GRPOOptions(TrainerOptions):
    """`prover train grpo`."""

    suite: str = option("core", help="`core`, a pool .jsonl, or a suite path")
    split: str = option("dev", help="training split")
    limit: int | None = option(None, metavar="K", help="first K problems")
    steps_file: str | None = option(None, metavar="JSONL", help="expert-iteration steps: their intermediate "
                                    "states too")
    steps: int = option(50, metavar="N", help="optimizer steps")
    generations: int = option(4, metavar="N", help="completions per prompt")
    prompts_per_step: int = option(2, metavar="N", help="prompts per optimizer step")
    max_completion_length: int = option(32, metavar="TOKENS", help="tokens per completion")
    beta: float = option(0.0, metavar="B", help="KL weight")
    temperature: float = option(1.0, metavar="T", help="sampling temperature")
    step_reward: float = option(1.0, metavar="R", help="reward of a step with verified progress (the reward table: "
                                "training/rewards.py)")
    proof_reward: float = option(1.0, metavar="R", help="reward of a step that closes the proof")
    use_vllm: bool = option(False, help="generate with vLLM (GPU)")
    vllm_mode: str = option("colocate", help="colocate (vLLM on the training GPUs) or server (`trl vllm-serve`)")
    accelerate_config: str | None = option(None, metavar="YAML", help="run under `accelerate launch "
                                           "--config_file YAML` (several GPUs; every process gets --lean and "
                                           "--project)")
    gradient_checkpointing: bool = option(False, help="recompute activations (less memory)")
    save_steps: int = option(10, metavar="N", help="a checkpoint every N optimizer steps (0: none)")

    def __post_init__(self) -> None:
        at_least(self.save_steps, 0, "--save-steps")
        for flag, value in (("--steps", self.steps), ("--prompts-per-step", self.prompts_per_step),
                            ("--limit", self.limit), ("--max-completion-length", self.max_completion_length)):
            at_least(value, 1, flag)
        at_least(self.generations, 2, "--generations")
        if self.vllm_mode not in ("colocate", "server"):
            raise ValueError(f"--vllm-mode must be colocate or server (got {self.vllm_mode!r})")
        super().__post_init__()


def cmd_grpo(options: GRPOOptions) -> int:
    """GRPO on a suite's initial states (and a step file's intermediate states), rewards from Lean."""
    from lean_prover.prover.suite import load_suite
    from lean_prover.training.data import DataError, load_steps
    from lean_prover.training.grpo import GRPOSettings, step_prompts, suite_prompts, train_grpo, train_grpo_launched
    from lean_prover.training.rewards import RewardConfig, RewardError
    from lean_prover.training.sft import TrainingError

    try:
        problems = load_suite(options.suite, split=options.split, limit=options.limit)
        toolchain = options.toolchain("train")
        with options.progress("train") as shown:
            shown.note(f"initial states of {len(problems)} problems (one Lean run)")
            rows = suite_prompts(toolchain, problems)
            if options.steps_file:
                rows += step_prompts(load_steps(Path(options.steps_file)), problems)
            settings = GRPOSettings(max_steps=options.steps, num_generations=options.generations,
                                    prompts_per_step=options.prompts_per_step,
                                    max_completion_length=options.max_completion_length,
                                    learning_rate=options.learning_rate, beta=options.beta,
                                    temperature=options.temperature, seed=options.seed, bf16=options.bf16,
                                    use_vllm=options.use_vllm, vllm_mode=options.vllm_mode,
                                    gradient_checkpointing=options.gradient_checkpointing,
                                    save_steps=options.save_steps, resume=options.resume, threads=options.threads)
            base = options.base(problems)
            shown.note(f"GRPO: {len(rows)} prompts, {options.steps} steps × {options.prompts_per_step} prompts × "
                       f"{options.generations} completions")
            reward = RewardConfig(step=options.step_reward, proof=options.proof_reward)
            if options.accelerate_config:
                result = train_grpo_launched(base, rows, Path(options.out), settings, options.accelerate_config,
                                             options.lean, reward,
                                             str(options.project) if options.project else None)
            else:
                result = train_grpo(base, rows, Path(options.out), toolchain, settings, reward,
                                    make_callback=lambda scorer: trainer_progress(
                                        shown, "GRPO", options.steps, lambda: {"lean_runs": scorer.lean_runs}))
    except (SuiteError, DataError, RewardError, TrainingError, ModelConfigError) as exc:
        raise CommandError(str(exc)) from None
    data = result.to_dict()
    options.emit(data, f"GRPO: {data['steps']} steps on {data['prompts']} prompts, rewards per step "
                 f"{data['rewards']}, verdicts {data['verdicts']}, {data['lean_runs']} Lean runs → {data['path']}")
    return 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class CriticOptions(TrainerOptions):
    """`prover train critic`."""

    traces: list[str] = option(positional=True, nargs="+", metavar="TRACE",
                               help="search.jsonl / `prover prove --trace` files or run folders")
    examples_out: str | None = option(None, metavar="JSONL", help="also write the labelled states here")
    discount: float = option(0.9, metavar="D", help="target = discount ** distance")
    learning_rate: float = option(1e-3, metavar="LR", help="learning rate")
    epochs: float = option(10.0, metavar="E", help="epochs over the labelled states")
    max_prompt_tokens: int = option(ModelConfig().max_prompt_tokens, metavar="TOKENS",
                                    help="prompt budget of a state (as the critic's model config will use it)")
    save_steps: int = option(100, metavar="N", help="a checkpoint every N optimizer steps (0: none)")

    def __post_init__(self) -> None:
        at_least(self.save_steps, 0, "--save-steps")
        if not 0 < self.discount <= 1:
            raise ValueError("--discount must be in (0, 1]")
        at_least(self.max_prompt_tokens, 1, "--max-prompt-tokens")
        super().__post_init__()


def cmd_critic(options: CriticOptions) -> int:
    """Critic examples from search trees, then fine-tune a sequence classifier on them."""
    from lean_prover.prover.suite import load_suite
    from lean_prover.training.critic_data import (CriticDataError, examples_from_rows, read_attempts, save_examples,
                                                  trace_files)
    from lean_prover.training.critic_train import CriticSettings, train_critic
    from lean_prover.training.sft import TrainingError

    try:
        attempts = [a for path in trace_files([Path(p) for p in options.traces]) for a in read_attempts(path)]
        examples = examples_from_rows(attempts)
        positives = sum(e.label for e in examples)
        with options.progress("train") as shown:
            shown.note(f"{len(attempts)} search trees → {len(examples)} labelled states "
                       f"({positives} provable, {len(examples) - positives} dead ends)")
            if options.examples_out:
                save_examples(examples, Path(options.examples_out))
            base = options.base(load_suite("core", split="dev"))
            settings = CriticSettings(learning_rate=options.learning_rate, epochs=options.epochs,
                                      discount=options.discount, max_prompt_tokens=options.max_prompt_tokens,
                                      seed=options.seed, bf16=options.bf16, save_steps=options.save_steps,
                                      resume=options.resume, threads=options.threads)
            result = train_critic(base, examples, Path(options.out), settings,
                                  callbacks=[trainer_progress(shown, "critic", settings.optimizer_steps(len(examples)))])
    except (CriticDataError, TrainingError, SuiteError) as exc:
        raise CommandError(str(exc)) from None
    data = result.to_dict()
    options.emit(data, f"critic: {data['examples']} examples ({data['positives']} provable), {data['steps']} steps, "
                 f"loss {data['first_loss']} → {data['last_loss']}, train accuracy {data['train_accuracy']} → "
                 f"{data['path']} (critic config: backend hf, max_prompt_tokens {data['max_prompt_tokens']})")
    return 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class PoolOptions(OutputOptions, LeanOptions):
    """`prover train pool`."""

    out: str = option(metavar="JSONL", required=True, help="where to write the pool (a suite .jsonl)")
    arithmetic: int = option(40, metavar="N", help="synthetic arithmetic statements")
    logic: int = option(40, metavar="N", help="synthetic logic statements")
    families: int = option(0, metavar="N", help="instances of synthetic families of the core dev split "
                           "(inductions and rewrites naming their lemmas)")
    exclude: list[str] = option([], metavar="SUITE", action="append", help="also decontaminate against this "
                                "suite (a miniF2F/ProofNet/PutnamBench checkout or .jsonl); repeatable")
    seed: int = option(0, metavar="N", help="random seed of the synthetic statements")

    def __post_init__(self) -> None:
        at_least(self.arithmetic, 0, "--arithmetic")
        at_least(self.logic, 0, "--logic")
        at_least(self.families, 0, "--families")


def cmd_pool(options: PoolOptions) -> int:
    """Generate the training theorem pool (a suite .jsonl)."""
    from lean_prover.training.curriculum import CurriculumError, build_pool

    try:
        toolchain = options.toolchain("train")
        with options.progress("train") as shown:
            def stage(message: str) -> None:
                shown.phase(message, total=None)
                shown.note(message)

            report = build_pool(toolchain, Path(options.out), arithmetic=options.arithmetic, logic=options.logic,
                                families=options.families, seed=options.seed, exclude=list(options.exclude), progress=stage)
    except CurriculumError as exc:
        raise CommandError(str(exc)) from None
    data = report.to_dict()
    options.emit(data, f"pool: {data['written']} statements → {data['path']} (candidates {data['candidates']}, "
                 f"dropped {data['dropped']})")
    return 0


def add_rl_parsers(commands) -> None:
    """Register `grpo`, `critic` and `pool` on the `train` sub-subparsers."""
    register(commands, "grpo", GRPOOptions, cmd_grpo,
             "RLVR: GRPO on proof states, one tactic per completion, rewards from Lean")
    register(commands, "critic", CriticOptions, cmd_critic,
             "train the search critic on states labelled by whole search trees")
    register(commands, "pool", PoolOptions, cmd_pool, "generate a Lean-checked training theorem pool (suite .jsonl)")
