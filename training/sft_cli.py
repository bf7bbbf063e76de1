"""`prover train sft`: fine-tune a causal LM on step data (ours or LeanDojo Benchmark 4's).

Wiring (in `training/cli.py`'s `add_train_parser`, on the `train` sub-subparsers)::

    from lean_prover.training.sft_cli import add_sft_parser
    add_sft_parser(commands, common_parent)

Settings left out come from the base model's profile (:mod:`training.model_profile`); problems
are raised as `TrainCommandError` with a one-line message (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lean_prover.training.cli import TrainCommandError


def _progress(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def cmd_sft(args: argparse.Namespace) -> int:
    """Fine-tune `--base-model` on `--data`; prints the run's record (JSON with --json)."""
    from lean_prover.training.data import DataError
    from lean_prover.training.sft import SFTSettings, TrainingError, train_sft, train_sft_launched
    from lean_prover.training.step_formats import load_step_file

    for name in ("batch_size", "gradient_accumulation_steps", "max_steps", "max_length", "epochs", "learning_rate"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise TrainCommandError(f"--{name.replace('_', '-')} must be positive")
    if args.save_steps < 0 or args.lora_r < 1:
        raise TrainCommandError("--save-steps must be at least 0 and --lora-r at least 1")
    if not (Path(args.base_model) / "config.json").is_file():
        raise TrainCommandError(f"--base-model {args.base_model}: not a save_pretrained model folder (no config.json)")
    settings = SFTSettings(
        learning_rate=args.learning_rate, epochs=args.epochs, batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps, max_steps=args.max_steps,
        min_steps=1 if args.max_steps is not None or args.epochs is not None else None, max_length=args.max_length,
        seed=args.seed, bf16=args.bf16, gradient_checkpointing=args.gradient_checkpointing, lora=args.lora,
        lora_r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, lora_target=args.lora_target,
        save_steps=args.save_steps, resume=args.resume, threads=args.threads)
    try:
        steps = load_step_file(Path(args.data), args.format)
        _progress(f"{len(steps)} steps from {args.data}; fine-tuning {args.base_model}"
                  + (" (LoRA)" if args.lora else ""))
        if args.accelerate_config:
            result = train_sft_launched(Path(args.base_model), steps, Path(args.out), settings, args.accelerate_config)
        else:
            result = train_sft(Path(args.base_model), steps, Path(args.out), settings)
    except (DataError, TrainingError) as exc:
        raise TrainCommandError(str(exc)) from None
    data = result.to_dict()
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        print(f"SFT ({data['profile']} profile{', LoRA' if data['lora'] else ''}): {data['examples']} examples, "
              f"{data['steps']} steps, loss {data['first_loss']} → {data['last_loss']}, trainable parameters "
              f"{data['trainable_parameters']:,} of {data['total_parameters']:,}"
              + (f", resumed from {data['resumed_from']}" if data["resumed_from"] else "") + f" → {data['path']}")
    return 0


def add_sft_parser(commands, common_parent: argparse.ArgumentParser) -> None:
    """Register `sft` on the `train` sub-subparsers."""
    from lean_prover.training.step_formats import FORMATS

    sft = commands.add_parser("sft", parents=[common_parent],
                              help="fine-tune a causal LM on proof steps (our step JSONL or LeanDojo Benchmark 4)")
    sft.add_argument("--data", required=True, metavar="FILE", help="steps JSONL or a LeanDojo Benchmark 4 json")
    sft.add_argument("--format", choices=FORMATS, default="auto", help="format of --data (auto)")
    sft.add_argument("--base-model", required=True, metavar="PATH", help="a save_pretrained causal LM folder")
    sft.add_argument("--out", required=True, metavar="DIR", help="where the trained model is saved")
    sft.add_argument("--lora", action="store_true", help="train LoRA adapters only (peft)")
    sft.add_argument("--lora-r", type=int, default=16)
    sft.add_argument("--lora-alpha", type=int, default=32)
    sft.add_argument("--lora-dropout", type=float, default=0.05)
    sft.add_argument("--lora-target", default="all-linear", help="module names, comma-separated (all-linear)")
    sft.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations (less memory)")
    sft.add_argument("--bf16", action="store_true", help="load the weights in bfloat16 and train in bf16 (GPUs)")
    sft.add_argument("--batch-size", type=int, metavar="N", help="per device (default: by model size)")
    sft.add_argument("--gradient-accumulation-steps", type=int, metavar="N", help="(default: by model size)")
    sft.add_argument("--learning-rate", type=float, help="(default: by model size and --lora)")
    sft.add_argument("--epochs", type=float, help="(default: by model size)")
    sft.add_argument("--max-steps", type=int, metavar="N", help="cap on optimizer steps (default: by model size)")
    sft.add_argument("--max-length", type=int, metavar="TOKENS", help="prompt + tactic tokens (default: by model size)")
    sft.add_argument("--save-steps", type=int, default=500, metavar="N", help="a checkpoint every N steps (500; 0: none)")
    sft.add_argument("--resume", action="store_true", help="continue a killed run from its last checkpoint")
    sft.add_argument("--accelerate-config", metavar="YAML", help="run under accelerate launch --config_file")
    sft.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    sft.add_argument("--seed", type=int, default=0)
    sft.add_argument("--json", action="store_true")
    sft.set_defaults(func=cmd_sft)
