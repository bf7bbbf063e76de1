"""Supervised fine-tuning of a causal LM on proof steps with TRL's `SFTTrainer`.

The data is the prompt-completion dataset of :func:`training.data.sft_dataset`: prompt =
`[GOAL]\\n{state}\\n[PROOFSTEP]\\n` (the state truncated by :func:`prover.prompt.truncate_state`
to the same budget the `hf` backend uses at inference: min(1024, context − 48) tokens),
completion = the tactic and `\\n`; TRL appends EOS, and with `completion_only_loss` the loss is
on the completion tokens only. The result is saved with `save_pretrained` (model and
tokenizer), loadable by `prover.backends.hf.HFPolicy` / `from_pretrained(path)`.

Runs on CPU as is; on GPUs pass `bf16=True` (and any other `SFTConfig` field through
`extra`), or run this module under `accelerate launch` for several GPUs:

    accelerate launch --config_file multi_gpu.yaml -m lean_prover.training.sft --data steps.jsonl \\
        --base BASE_MODEL --out OUT [--bf16]

The output folder appears only when training finished (written to `OUT.partial`, then
renamed); `OUT/sft.json` records the examples, steps and losses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.prompt import context_length, format_prompt, prompt_budget, truncate_state
from lean_prover.training.data import Step, load_steps, save_steps, sft_dataset
from lean_prover.training.launch import accelerate_launch

SFT_RECORD = "sft.json"


class TrainingError(RuntimeError):
    """Training that cannot run (no data, a base model that cannot be loaded); one-line message."""


@dataclass(frozen=True)
class SFTSettings:
    """Fine-tuning hyper-parameters. The number of optimizer steps is
    ceil(epochs · examples / (batch_size · gradient_accumulation_steps)), clamped to
    [min_steps, max_steps]."""

    learning_rate: float = 3e-3
    epochs: float = 40.0
    batch_size: int = 16
    gradient_accumulation_steps: int = 1
    min_steps: int = 60
    max_steps: int = 400
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    seed: int = 0
    bf16: bool = False
    threads: int = 0  # torch CPU threads (0: leave torch's default)
    extra: dict = field(default_factory=dict)  # more SFTConfig fields, passed through

    def optimizer_steps(self, examples: int) -> int:
        """How many optimizer steps training on `examples` takes."""
        per_step = self.batch_size * self.gradient_accumulation_steps
        return max(self.min_steps, min(self.max_steps, math.ceil(self.epochs * examples / per_step)))


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

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def read_result(out: Path) -> SFTResult | None:
    """The record of a finished run in `out`, or None when `out` holds no finished run."""
    record = out / SFT_RECORD
    if not record.is_file():
        return None
    return SFTResult(**json.loads(record.read_text(encoding="utf-8")))


def publish_trained(trainer, tokenizer, partial: Path, out: Path, record_name: str, record: dict) -> None:
    """On the main process only: save the trained model and its tokenizer into `partial`, drop
    the trainer's scratch folder, write `record` there as `record_name`, then rename `partial` to
    `out` (replacing it), so that `out` only ever appears complete."""
    if not trainer.is_world_process_zero():
        return
    trainer.save_model(str(partial))
    tokenizer.save_pretrained(str(partial))
    shutil.rmtree(partial / "trainer", ignore_errors=True)
    (partial / record_name).write_text(json.dumps(record, indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    partial.replace(out)


def load_causal_lm(base: Path, threads: int = 0):
    """The causal LM and tokenizer saved in `base` (a pad token set), with torch limited to
    `threads` CPU threads when `threads` > 0; :class:`TrainingError` when the folder cannot be loaded."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.utils.logging.set_verbosity_error()
    if threads:
        torch.set_num_threads(threads)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        model = AutoModelForCausalLM.from_pretrained(str(base))
    except Exception as exc:  # transformers raises many types; all mean "cannot use this folder"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise TrainingError(f"cannot load a causal language model from {base}: {type(exc).__name__}: {first}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def train_sft(base: Path, steps: list[Step], out: Path, settings: SFTSettings = SFTSettings()) -> SFTResult:
    """Fine-tune the causal LM in `base` on `steps`; save it to `out`. A finished run already in
    `out` is returned as is (not redone)."""
    finished = read_result(out)
    if finished is not None:
        return finished
    if not steps:
        raise TrainingError("no training steps to fine-tune on")
    started = time.monotonic()
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = load_causal_lm(base, settings.threads)
    context = context_length(model.config, default=2048)
    budget = prompt_budget(ModelConfig().max_prompt_tokens, context, ModelConfig().max_new_tokens)

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_for(state: str) -> str:
        return format_prompt(truncate_state(state, budget, count))

    usable = [s for s in steps if budget + count(s.tactic.strip() + "\n") + 1 <= context]
    if not usable:
        raise TrainingError("every training step is longer than the model's context")
    dataset = sft_dataset(usable, prompt_for).remove_columns(["theorem", "round", "source"])
    total = settings.optimizer_steps(len(usable))
    partial = out.with_name(out.name + ".partial")
    from accelerate import PartialState

    processes = PartialState()  # one process, or every process of `accelerate launch`
    if processes.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
    processes.wait_for_everyone()
    config = SFTConfig(
        output_dir=str(partial / "trainer"), max_length=context, completion_only_loss=True, packing=False,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps, learning_rate=settings.learning_rate,
        max_steps=total, warmup_steps=max(1, int(settings.warmup_ratio * total)), lr_scheduler_type="linear",
        weight_decay=settings.weight_decay, logging_steps=max(1, total // 10), save_strategy="no",
        report_to=[], seed=settings.seed, data_seed=settings.seed, bf16=settings.bf16, disable_tqdm=True,
        **settings.extra,
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)
    with contextlib.redirect_stdout(sys.stderr):  # the trainer's loss lines are progress, not output
        output = trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    result = SFTResult(str(out), str(base), len(usable), len(steps) - len(usable), total,
                       round(float(output.training_loss), 5), round(losses[0], 5) if losses else math.nan,
                       round(losses[-1], 5) if losses else math.nan, round(time.monotonic() - started, 2))
    publish_trained(trainer, tokenizer, partial, out, SFT_RECORD, result.to_dict())
    return result


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
