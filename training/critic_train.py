"""Fine-tune a sequence classifier as the search critic, loadable by `prover.backends.hf.HFCritic`.

The model is `AutoModelForSequenceClassification` with ONE label, started from a causal LM
folder (the policy's base, e.g. :func:`training.base_model.build_base_model`: its transformer is
kept, the score head is new). Input = `prover.prompt.format_critic_prompt(state)` truncated to
the same token budget HFCritic uses (`max_prompt_tokens`, bounded by the model's context), no
special tokens, right padding; the value is sigmoid(logit) — exactly how HFCritic scores.
Target = `discount ** distance` for provable states (1 at the last step before the proof) and 0
for dead ends (:mod:`training.critic_data`), loss = binary cross-entropy with logits.

The output folder (written to `OUT.partial`, then renamed) holds the model, the tokenizer and
`critic.json` (examples, steps, losses, training accuracy, and the `max_prompt_tokens` to put
in the critic's model config). Use it with `--model` YAML `critic: {backend: hf, path: OUT,
max_prompt_tokens: N}`. Several GPUs: `accelerate launch --config_file C -m lean_prover.training.critic_train …`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.prompt import context_length, format_critic_prompt, prompt_budget
from lean_prover.training.critic_data import CriticExample, load_examples
from lean_prover.training.checkpoints import (CHECKPOINTS, ResumeError, checkpoint_arguments, prepare_run_folder,
                                              publish_trained)
from lean_prover.training.sft import TrainingError

CRITIC_RECORD = "critic.json"


@dataclass(frozen=True)
class CriticSettings:
    """Critic fine-tuning hyper-parameters (`extra`: more `TrainingArguments` fields)."""

    learning_rate: float = 1e-3
    epochs: float = 10.0
    batch_size: int = 16
    max_steps: int = 400
    discount: float = 0.9
    max_prompt_tokens: int = ModelConfig().max_prompt_tokens
    seed: int = 0
    bf16: bool = False
    save_steps: int = 0  # a checkpoint every N optimizer steps (0: none; training.checkpoints)
    resume: bool = False  # continue an unfinished run from its last checkpoint
    threads: int = 0
    extra: dict = field(default_factory=dict)

    def optimizer_steps(self, examples: int) -> int:
        """ceil(epochs · examples / batch_size), at least 1 and at most `max_steps`."""
        return max(1, min(self.max_steps, math.ceil(self.epochs * examples / self.batch_size)))


@dataclass(frozen=True)
class CriticResult:
    """A finished critic training run."""

    path: str
    base: str
    examples: int
    positives: int
    negatives: int
    steps: int
    first_loss: float
    last_loss: float
    train_accuracy: float
    max_prompt_tokens: int
    time_s: float

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def train_critic(base: Path, examples: list[CriticExample], out: Path,
                 settings: CriticSettings = CriticSettings(), callbacks: list | None = None) -> CriticResult:
    """Fine-tune a one-label sequence classifier from `base` on `examples`; save it to `out`
    (checkpoints and resume: :mod:`training.checkpoints`); `callbacks`: `transformers.TrainerCallback`s,
    e.g. a progress display."""
    positives = sum(e.label == 1 for e in examples)
    if not examples or positives in (0, len(examples)):
        raise TrainingError(f"critic training needs provable and dead-end states "
                            f"(got {positives} provable, {len(examples) - positives} dead ends)")
    if not 0 < settings.discount <= 1:
        raise TrainingError("discount must be in (0, 1]")
    started = time.monotonic()
    import torch
    import transformers
    from datasets import Dataset
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainingArguments)

    transformers.utils.logging.set_verbosity_error()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    transformers.set_seed(settings.seed)  # the new value head is drawn here: same seed, same critic (and resume)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=1, dtype=torch.bfloat16 if settings.bf16 else torch.float32)
    except Exception as exc:  # transformers raises many types; all mean "cannot use this folder"
        raise TrainingError(f"cannot load a sequence classifier from {base}: {type(exc).__name__}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    tokenizer.padding_side = "right"
    context = context_length(model.config, default=2048)
    budget = prompt_budget(settings.max_prompt_tokens, context)
    count = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    prompts = [format_critic_prompt(e.state, budget, count) for e in examples]
    encoded = tokenizer(prompts, add_special_tokens=False, truncation=True, max_length=context)
    dataset = Dataset.from_dict({"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"],
                                 "labels": [float(e.target(settings.discount)) for e in examples]})

    def bce(outputs, labels, num_items_in_batch=None):
        logits = outputs.logits.float().view(-1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels.float().view(-1))

    steps = settings.optimizer_steps(len(examples))
    try:
        partial, checkpoint = prepare_run_folder(out, settings.resume)
    except ResumeError as exc:
        raise TrainingError(str(exc)) from None
    args = TrainingArguments(
        output_dir=str(partial / CHECKPOINTS), max_steps=steps, per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.learning_rate, warmup_steps=max(1, steps // 10), lr_scheduler_type="linear",
        logging_steps=max(1, steps // 10), report_to=[], seed=settings.seed,
        data_seed=settings.seed, bf16=settings.bf16, disable_tqdm=True, remove_unused_columns=False,
        use_cpu=not torch.cuda.is_available(), **checkpoint_arguments(settings.save_steps), **settings.extra)
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=DataCollatorWithPadding(tokenizer),
                      compute_loss_func=bce, callbacks=callbacks)
    with contextlib.redirect_stdout(sys.stderr):
        trainer.train(resume_from_checkpoint=checkpoint)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    accuracy = _accuracy(model, tokenizer, prompts, examples)
    result = CriticResult(str(out), str(base), len(examples), positives, len(examples) - positives, steps,
                          round(losses[0], 5) if losses else math.nan, round(losses[-1], 5) if losses else math.nan,
                          round(accuracy, 4), budget, round(time.monotonic() - started, 2))
    publish_trained(trainer, tokenizer, partial, out, CRITIC_RECORD, result.to_dict())
    return result


def _accuracy(model, tokenizer, prompts: list[str], examples: list[CriticExample]) -> float:
    """Share of examples on the right side of 0.5 (provable above, dead ends below)."""
    import torch

    model.eval()
    right = 0
    for start in range(0, len(prompts), 32):
        batch = tokenizer(prompts[start:start + 32], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            values = torch.sigmoid(model(**{k: v.to(model.device) for k, v in batch.items()}).logits.float()[:, 0])
        right += sum((float(v) > 0.5) == bool(e.label) for v, e in zip(values, examples[start:start + 32]))
    return right / len(prompts)


def main(argv: list[str] | None = None) -> int:
    """Command line (for `accelerate launch -m lean_prover.training.critic_train …`): train on an example file."""
    parser = argparse.ArgumentParser(description="Fine-tune the search critic (sequence classifier).")
    parser.add_argument("--data", type=Path, required=True, help="critic examples JSONL (critic_data.save_examples)")
    parser.add_argument("--base", type=Path, required=True, help="a causal LM or classifier folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", default="{}", help="CriticSettings fields as JSON")
    args = parser.parse_args(argv)
    result = train_critic(args.base, load_examples(args.data), args.out, CriticSettings(**json.loads(args.settings)))
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
