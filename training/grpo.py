"""RLVR with TRL's `GRPOTrainer`: the policy writes one tactic per prompt, Lean decides the reward.

Prompts are proof states in the project's step format (:func:`prover.prompt.format_prompt`,
truncated to the model's budget like SFT and the `hf` backend): the initial states of a suite's
problems (computed by Lean, one process for all) and, from an expert-iteration step file, the
intermediate states of found proofs with the tactic path that reaches them. Each dataset row
carries `statement`, `context`, `prefix` (JSON list of tactics) and `state`, which TRL hands to
the reward function (:class:`training.rewards.LeanReward`): one Lean process per reward batch.

GPUs: `GRPOSettings(use_vllm=True, vllm_mode="colocate"|"server")` makes TRL generate with vLLM,
`bf16=True` trains in bfloat16, and :func:`train_grpo_launched` runs this module under
`accelerate launch --config_file CONFIG` (several GPUs / nodes).

The result is saved with `save_pretrained` (model and tokenizer, loadable by
`prover.backends.hf.HFPolicy`) into OUT, written first to `OUT.partial`; `OUT/grpo.json`
records steps, rewards per logging step, verdict counts and Lean calls. `save_steps` writes a
checkpoint every N steps and `resume` continues a killed run from it (:mod:`training.checkpoints`;
the verdict counts then cover the resumed part only). Under `accelerate launch` every process
gets the same `--lean`/`--project`, so rewards use the same Lean (and Mathlib) everywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.results import TacticState
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.prompt import context_length, format_prompt, prompt_budget, truncate_state
from lean_prover.prover.suite import Problem
from lean_prover.training.data import Step
from lean_prover.training.launch import accelerate_launch
from lean_prover.training.rewards import LeanReward, RewardConfig, RewardTask, probe_paths
from lean_prover.training.checkpoints import (CHECKPOINTS, ResumeError, checkpoint_arguments, prepare_run_folder,
                                              publish_trained)
from lean_prover.training.sft import TrainingError, load_causal_lm

GRPO_RECORD = "grpo.json"


@dataclass(frozen=True)
class PromptRow:
    """One GRPO prompt: the task (theorem, path, state) and the name of its theorem."""

    name: str
    task: RewardTask

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"name": self.name, **asdict(self.task), "prefix": list(self.task.prefix)}

    @classmethod
    def from_dict(cls, data: dict) -> "PromptRow":
        """A row written by :meth:`to_dict`."""
        return cls(data["name"], RewardTask(data["statement"], data["state"], tuple(data.get("prefix", ())),
                                            data.get("context", "")))


@dataclass(frozen=True)
class GRPOSettings:
    """GRPO hyper-parameters (a subset of `GRPOConfig`; `extra` passes any other field)."""

    max_steps: int = 50
    num_generations: int = 4
    prompts_per_step: int = 2
    max_completion_length: int = 32
    learning_rate: float = 1e-5
    beta: float = 0.0
    temperature: float = 1.0
    seed: int = 0
    bf16: bool = False
    use_vllm: bool = False
    vllm_mode: str = "colocate"
    gradient_checkpointing: bool = False
    save_steps: int = 0  # a checkpoint every N optimizer steps (0: none; training.checkpoints)
    resume: bool = False  # continue an unfinished run from its last checkpoint
    threads: int = 0
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GRPOResult:
    """A finished GRPO run."""

    path: str
    base: str
    prompts: int
    steps: int
    rewards: list[float]
    verdicts: dict[str, int]
    reward_batches: int
    lean_runs: int
    time_s: float

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def suite_prompts(toolchain: Toolchain, problems: list[Problem]) -> list[PromptRow]:
    """The initial state of each problem, from Lean (one process per distinct header); problems
    whose statement does not elaborate are left out."""
    tasks = [RewardTask(p.statement, "", (), p.header) for p in problems]
    results, _ = probe_paths(toolchain, [t.theorem() for t in tasks], [() for _ in tasks])
    return [PromptRow(p.name, RewardTask(p.statement, r.pp, (), p.header))
            for p, r in zip(problems, results) if isinstance(r, TacticState)]


def step_prompts(steps: list[Step], problems: list[Problem]) -> list[PromptRow]:
    """Intermediate states of found proofs: each step's state with the tactic path that reached it,
    rebuilt by chaining the steps of one proof (same theorem, round, model, algorithm) by depth.
    Steps of theorems not in `problems`, and chains with a gap, are left out."""
    by_name = {p.name: p for p in problems}
    proofs: dict[tuple, list[Step]] = {}
    for step in steps:
        if step.theorem in by_name:
            proofs.setdefault((step.theorem, step.round, step.model, step.algorithm, step.source), []).append(step)
    rows: list[PromptRow] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for (name, *_), chain in proofs.items():
        chain.sort(key=lambda s: s.depth)
        prefix: list[str] = []
        for position, step in enumerate(chain):
            if step.depth != position or (position and chain[position - 1].state_after.strip() != step.state.strip()):
                break
            key = (name, tuple(prefix))
            if key not in seen:
                seen.add(key)
                problem = by_name[name]
                rows.append(PromptRow(name, RewardTask(problem.statement, step.state, tuple(prefix), problem.header)))
            prefix.append(step.tactic)
    return rows


def save_prompts(rows: list[PromptRow], path: Path) -> None:
    """Write prompt rows as JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def load_prompts(path: Path) -> list[PromptRow]:
    """Read prompt rows written by :func:`save_prompts`; raises `TrainingError` naming a bad line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(PromptRow.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise TrainingError(f"{path}:{number}: not a prompt row ({exc})") from None
    return rows


def grpo_dataset(rows: list[PromptRow], count_tokens, budget: int):
    """The `datasets.Dataset` GRPO trains on: `prompt` plus the reward function's columns."""
    from datasets import Dataset

    return Dataset.from_dict({
        "prompt": [format_prompt(truncate_state(r.task.state, budget, count_tokens)) for r in rows],
        "statement": [r.task.statement for r in rows],
        "state": [r.task.state for r in rows],
        "prefix": [json.dumps(list(r.task.prefix)) for r in rows],
        "context": [r.task.context for r in rows],
    })


def train_grpo(base: Path, rows: list[PromptRow], out: Path, toolchain: Toolchain,
               settings: GRPOSettings = GRPOSettings(), reward: RewardConfig = RewardConfig(),
               make_callback: Callable[[LeanReward], object] | None = None) -> GRPOResult:
    """Train the causal LM in `base` with GRPO on `rows`, rewards from Lean; save it to `out`.
    `make_callback(reward_function)` may add a `transformers.TrainerCallback` (progress display)."""
    if not rows:
        raise TrainingError("no prompts to train on")
    if settings.max_steps < 1 or settings.num_generations < 2 or settings.prompts_per_step < 1:
        raise TrainingError("max_steps and prompts_per_step must be at least 1, num_generations at least 2")
    started = time.monotonic()
    import torch
    from trl import GRPOConfig, GRPOTrainer

    model, tokenizer = load_causal_lm(base, settings.threads, settings.bf16)
    budget = prompt_budget(ModelConfig().max_prompt_tokens, context_length(model.config, default=2048),
                           settings.max_completion_length)
    count = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    dataset = grpo_dataset(rows, count, budget)
    scorer = LeanReward(toolchain, reward)
    try:
        partial, checkpoint = prepare_run_folder(out, settings.resume)
    except ResumeError as exc:
        raise TrainingError(str(exc)) from None
    config = GRPOConfig(
        output_dir=str(partial / CHECKPOINTS), max_steps=settings.max_steps,
        per_device_train_batch_size=settings.num_generations * settings.prompts_per_step,
        num_generations=settings.num_generations, max_completion_length=settings.max_completion_length,
        learning_rate=settings.learning_rate, beta=settings.beta, temperature=settings.temperature,
        seed=settings.seed, data_seed=settings.seed, bf16=settings.bf16, use_vllm=settings.use_vllm,
        vllm_mode=settings.vllm_mode, logging_steps=1, report_to=[], disable_tqdm=True,
        gradient_checkpointing=settings.gradient_checkpointing, use_cpu=not torch.cuda.is_available(),
        **checkpoint_arguments(settings.save_steps), **settings.extra)
    trainer = GRPOTrainer(model=model, reward_funcs=scorer, args=config, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=[make_callback(scorer)] if make_callback else None)
    with contextlib.redirect_stdout(sys.stderr):  # the trainer's log lines are progress, not output
        trainer.train(resume_from_checkpoint=checkpoint)
    rewards = [round(float(e["reward"]), 4) for e in trainer.state.log_history if "reward" in e]
    result = GRPOResult(str(out), str(base), len(rows), int(trainer.state.global_step), rewards,
                        dict(scorer.verdicts), scorer.batches, scorer.lean_runs, round(time.monotonic() - started, 2))
    publish_trained(trainer, tokenizer, partial, out, GRPO_RECORD, result.to_dict())
    return result


def train_grpo_launched(base: Path, rows: list[PromptRow], out: Path, settings: GRPOSettings,
                        accelerate_config: str, lean: str | None = None,
                        reward: RewardConfig = RewardConfig(), project: str | None = None) -> GRPOResult:
    """:func:`train_grpo` under `accelerate launch --config_file accelerate_config -m lean_prover.training.grpo`;
    every process resolves the same Lean (`lean`, `project`: a Lake project, e.g. one with Mathlib)."""
    data = out.with_name(out.name + ".prompts.jsonl")
    save_prompts(rows, data)
    status = accelerate_launch(accelerate_config, "lean_prover.training.grpo",
                               ["--prompts", str(data), "--base", str(base), "--out", str(out),
                                "--settings", json.dumps(asdict(settings)), "--reward", json.dumps(asdict(reward))]
                               + (["--lean", lean] if lean else []) + (["--project", str(project)] if project else []))
    record = out / GRPO_RECORD
    if status != 0 or not record.is_file():
        raise TrainingError(f"accelerate launch of training.grpo failed (exit status {status})")
    return GRPOResult(**json.loads(record.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    """Command line for `accelerate launch -m lean_prover.training.grpo …`: GRPO on a prompt file."""
    parser = argparse.ArgumentParser(description="GRPO on proof states with Lean-verified rewards.")
    parser.add_argument("--prompts", type=Path, required=True, help="prompt rows JSONL (save_prompts)")
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", default="{}", help="GRPOSettings fields as JSON")
    parser.add_argument("--reward", default="{}", help="RewardConfig fields as JSON")
    parser.add_argument("--lean", default=None, help="Lean command (default: resolved as usual)")
    parser.add_argument("--project", default=None, help="Lake project whose Lean and imports the rewards use")
    args = parser.parse_args(argv)
    toolchain = resolve_toolchain(lean_command=args.lean, project=args.project)
    result = train_grpo(args.base, load_prompts(args.prompts), args.out, toolchain,
                        GRPOSettings(**json.loads(args.settings)), RewardConfig(**json.loads(args.reward)))
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
