"""Supervised fine-tuning of a causal LM on proof steps with TRL's `SFTTrainer`.

The data is the prompt-completion dataset of :func:`training.data.sft_dataset`: prompt =
`[GOAL]\\n{state}\\n[PROOFSTEP]\\n` (the state truncated by :func:`prover.prompt.truncate_state`
to the same budget the `hf` backend uses at inference: min(1024, context − 48) tokens),
completion = the tactic and `\\n`; TRL appends EOS, and with `completion_only_loss` the loss is
on the completion tokens only. The result is saved with `save_pretrained` (model and
tokenizer), loadable by `prover.backends.hf.HFPolicy` / `from_pretrained(path)`.

Settings left unset come from the base model's profile (:mod:`training.model_profile`), so a
7B model is not trained with the tiny model's learning rate. For large models: `bf16=True`
loads the weights in bfloat16 and trains in bf16, `gradient_checkpointing=True` trades compute
for activation memory, `lora=True` trains LoRA adapters only (peft; the saved folder is the
adapter, loadable by `from_pretrained` with peft installed), and `batch_size` ×
`gradient_accumulation_steps` sets the effective batch. Run this module under `accelerate
launch` for several GPUs (FSDP, DeepSpeed ZeRO-3: every rank saves, see
:mod:`training.checkpoints`):

    accelerate launch --config_file multi_gpu.yaml -m lean_prover.training.sft --data steps.jsonl \\
        --base BASE_MODEL --out OUT [--bf16]

With `save_steps` > 0 a checkpoint is written every that many optimizer steps into
`OUT.partial/trainer`; `resume=True` continues a killed run from its last checkpoint and ends
where the uninterrupted run ends. The output folder appears only when training finished
(written to `OUT.partial`, then renamed); `OUT/sft.json` records the examples, steps, losses,
profile and trainable parameters.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.prompt import context_length, format_prompt, prompt_budget, truncate_state
from lean_prover.training.checkpoints import (CHECKPOINTS, ResumeError, checkpoint_arguments, prepare_run_folder,
                                              publish_trained)
from lean_prover.training.data import Step, load_steps, save_steps, sft_dataset
from lean_prover.training.launch import accelerate_launch
from lean_prover.training.model_profile import sft_defaults

SFT_RECORD = "sft.json"


class TrainingError(RuntimeError):
    """Training that cannot run (no data, a base model that cannot be loaded); one-line message."""


@dataclass(frozen=True)
class SFTSettings:
    """Fine-tuning settings. Those left None are filled by the base model's profile
    (:mod:`training.model_profile`: tiny-model settings only for tiny models). The number of
    optimizer steps is ceil(epochs · examples / (batch_size · gradient_accumulation_steps)),
    at least `min_steps` and at most `max_steps` (0: no cap)."""

    learning_rate: float | None = None
    epochs: float | None = None
    batch_size: int | None = None
    gradient_accumulation_steps: int | None = None
    min_steps: int | None = None
    max_steps: int | None = None
    max_length: int | None = None  # tokens of prompt + tactic (0: the model's context)
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    seed: int = 0
    bf16: bool = False  # load the weights in bfloat16 and train in bf16 (GPUs)
    gradient_checkpointing: bool = False
    lora: bool = False  # train LoRA adapters only (peft); the base weights stay frozen
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target: str = "all-linear"  # peft `target_modules`: a module-name list (comma-separated) or all-linear
    save_steps: int = 0  # a checkpoint every N optimizer steps (0: none)
    resume: bool = False  # continue an unfinished run from its last checkpoint
    threads: int = 0  # torch CPU threads (0: leave torch's default)
    extra: dict = field(default_factory=dict)  # more SFTConfig fields, passed through

    def resolved(self, base: Path) -> "SFTSettings":
        """These settings with every unset field taken from `base`'s profile."""
        defaults = sft_defaults(base, self.lora)
        filled = {name: getattr(defaults, name) for name in _PROFILE_FIELDS if getattr(self, name) is None}
        return replace(self, **filled)

    def optimizer_steps(self, examples: int) -> int:
        """How many optimizer steps training on `examples` takes (on resolved settings)."""
        per_step = self.batch_size * self.gradient_accumulation_steps
        steps = max(self.min_steps, math.ceil(self.epochs * examples / per_step))
        return min(self.max_steps, steps) if self.max_steps else steps


_PROFILE_FIELDS = ("learning_rate", "epochs", "batch_size", "gradient_accumulation_steps", "min_steps", "max_steps",
                   "max_length")


@dataclass(frozen=True)
class SFTResult:
    """A finished fine-tuning run."""

    path: str
    base: str
    examples: int
    skipped_too_long: int
    steps: int
    train_loss: float
    first_loss: float
    last_loss: float
    time_s: float
    profile: str = ""
    trainable_parameters: int = 0
    total_parameters: int = 0
    lora: bool = False
    resumed_from: str = ""  # the checkpoint an interrupted run continued from
    losses: list = field(default_factory=list)  # [step, loss] at every logging step
    skipped_multiline: int = 0  # multi-line tactics (a tactic memory's; a line model cannot emit them)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def read_result(out: Path) -> SFTResult | None:
    """The record of a finished run in `out`, or None when `out` holds no finished run."""
    record = out / SFT_RECORD
    if not record.is_file():
        return None
    return SFTResult(**json.loads(record.read_text(encoding="utf-8")))


def load_causal_lm(base: Path, threads: int = 0, bf16: bool = False):
    """The causal LM and tokenizer saved in `base` (a pad token set), its weights in bfloat16
    when `bf16` (else float32), with torch limited to `threads` CPU threads when `threads` > 0;
    :class:`TrainingError` when the folder cannot be loaded."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.utils.logging.set_verbosity_error()
    if threads:
        torch.set_num_threads(threads)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.bfloat16 if bf16 else torch.float32)
    except Exception as exc:  # transformers raises many types; all mean "cannot use this folder"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise TrainingError(f"cannot load a causal language model from {base}: {type(exc).__name__}: {first}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def train_sft(base: Path, steps: list[Step], out: Path, settings: SFTSettings = SFTSettings(),
              callbacks: list | None = None) -> SFTResult:
    """Fine-tune the causal LM in `base` on `steps`; save it to `out` (checkpoints and resume:
    :mod:`training.checkpoints`). A finished run already in `out` is returned as is (not redone).
    `callbacks` are extra `TrainerCallback`s."""
    finished = read_result(out)
    if finished is not None:
        return finished
    if not steps:
        raise TrainingError("no training steps to fine-tune on")
    started = time.monotonic()
    from trl import SFTConfig, SFTTrainer

    profile = sft_defaults(base, settings.lora).profile
    settings = settings.resolved(base)
    model, tokenizer = load_causal_lm(base, settings.threads, settings.bf16)
    context = min(context_length(model.config, default=2048), settings.max_length or 10**9)
    budget = prompt_budget(ModelConfig().max_prompt_tokens, context, ModelConfig().max_new_tokens)

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_for(state: str) -> str:
        return format_prompt(truncate_state(state, budget, count))

    one_line = [s for s in steps if "\n" not in s.tactic.strip()]  # a completion ends at its first newline
    usable = [s for s in one_line if budget + count(s.tactic.strip() + "\n") + 1 <= context]
    if not usable:
        raise TrainingError("no training step is one line that fits the model's context")
    dataset = sft_dataset(usable, prompt_for).remove_columns(["theorem", "round", "source"])
    total = settings.optimizer_steps(len(usable))
    try:
        partial, checkpoint = prepare_run_folder(out, settings.resume)
    except ResumeError as exc:
        raise TrainingError(str(exc)) from None
    config = SFTConfig(
        output_dir=str(partial / CHECKPOINTS), max_length=context, completion_only_loss=True, packing=False,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps, learning_rate=settings.learning_rate,
        max_steps=total, warmup_steps=max(1, int(settings.warmup_ratio * total)), lr_scheduler_type="linear",
        weight_decay=settings.weight_decay, logging_steps=max(1, total // 10), report_to=[], seed=settings.seed,
        data_seed=settings.seed, bf16=settings.bf16, gradient_checkpointing=settings.gradient_checkpointing,
        disable_tqdm=True, **checkpoint_arguments(settings.save_steps), **settings.extra,
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer,
                         peft_config=lora_config(settings) if settings.lora else None, callbacks=callbacks)
    trainable, parameters = count_trainable(trainer.model)
    with contextlib.redirect_stdout(sys.stderr):  # the trainer's loss lines are progress, not output
        output = trainer.train(resume_from_checkpoint=checkpoint)
    logged = [(entry["step"], entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    losses = [loss for _, loss in logged]
    result = SFTResult(str(out), str(base), len(usable), len(one_line) - len(usable), total,
                       round(float(output.training_loss), 5), round(losses[0], 5) if losses else math.nan,
                       round(losses[-1], 5) if losses else math.nan, round(time.monotonic() - started, 2),
                       profile, trainable, parameters, settings.lora, Path(checkpoint).name if checkpoint else "",
                       [[step, round(loss, 5)] for step, loss in logged], len(steps) - len(one_line))
    publish_trained(trainer, tokenizer, partial, out, SFT_RECORD, result.to_dict())
    return result


def lora_config(settings: SFTSettings):
    """The peft `LoraConfig` of these settings (causal LM)."""
    try:
        from peft import LoraConfig
    except ImportError:
        raise TrainingError("--lora needs peft: pip install peft") from None
    target = settings.lora_target if settings.lora_target == "all-linear" else [
        name.strip() for name in settings.lora_target.split(",") if name.strip()]
    return LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                      target_modules=target, task_type="CAUSAL_LM")


def count_trainable(model) -> tuple[int, int]:
    """(parameters that will be trained, all parameters) of a model."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


def train_sft_launched(base: Path, steps: list[Step], out: Path, settings: SFTSettings,
                       accelerate_config: str) -> SFTResult:
    """:func:`train_sft` in `accelerate launch --config_file accelerate_config -m lean_prover.training.sft`
    (several processes / GPUs); a finished run already in `out` is returned as is."""
    finished = read_result(out)
    if finished is not None:
        return finished
    data = out.with_name(out.name + ".data.jsonl")
    save_steps(steps, data)
    status = accelerate_launch(accelerate_config, "lean_prover.training.sft",
                               ["--data", str(data), "--base", str(base), "--out", str(out),
                                "--settings", json.dumps(asdict(settings))])
    result = read_result(out)
    if status != 0 or result is None:
        raise TrainingError(f"accelerate launch of training.sft failed (exit status {status})")
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line (for `accelerate launch -m lean_prover.training.sft …`): fine-tune on a step file."""
    parser = argparse.ArgumentParser(description="Fine-tune a causal LM on proof steps (TRL SFTTrainer).")
    parser.add_argument("--data", type=Path, required=True, help="steps JSONL (training.data.save_steps)")
    parser.add_argument("--base", type=Path, required=True, help="base model folder (save_pretrained)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", default="{}", help="SFTSettings fields as JSON")
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args(argv)
    values = json.loads(args.settings)
    if args.bf16:
        values["bf16"] = True
    result = train_sft(args.base, load_steps(args.data), args.out, SFTSettings(**values))
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
