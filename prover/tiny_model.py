"""Tiny models built offline, for tests, benchmarks and smoke runs: a GPT-2 step policy (any
non-chat step prompt format), a byte-level T5 step policy (ReProver's encoder-decoder
architecture) and a GPT-2 whole-proof model (a completion whole-proof format such as
DeepSeek-Prover-V1.5's).

No weights can be downloaded, so the real loading code (`from_pretrained(path)`) is exercised
on a model made here in seconds:

1. a byte-level BPE tokenizer (`tokenizers`) trained on Lean text: the `core` suite's
   statements and proofs, the repository's `examples/` and `tests/lean/` files;
2. (goal, tactic) pairs in the step prompt format asked for (default: `prover.prompt`'s): for
   every `core` theorem with a `by` proof, the initial goal (printed from the statement) with
   the proof's first one-line tactic and the rule-based prior's top single-line tactics;
   each tactic ends with the format's stop string (a newline by default), then EOS. The
   whole-proof model learns every `core` theorem's prompt followed by its reference proof;
3. a 2-layer, 64-wide GPT-2 (`GPT2Config`) trained for a few hundred steps on the tactic tokens
   (prompt tokens masked), then `save_pretrained` with its tokenizer.

`garbage=True` trains the same model on garbage completions (`sorry`, `admit`,
`native_decide`, whitespace, unbalanced brackets) and sharpens its output distribution
(`sharpen`: the final layer norm's scale and shift are multiplied, so every logit is, which is
sampling at temperature 1/sharpen): what it samples is garbage, and a policy on it must return
no suggestion.

    python -m lean_prover.prover.tiny_model OUT_DIR [--steps N] [--garbage] [--prompt PRESET]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from contextlib import contextmanager

from lean_prover.prover.prompt_formats import StepInput, render_step, render_whole, resolve_format, whole_input
from lean_prover.prover.statement import StatementError, goal_text, parse_statement

ROOT = Path(__file__).resolve().parent.parent
CORE_SUITE = Path(__file__).resolve().parent / "suites" / "core.jsonl"
EOS = "<|endoftext|>"
# every string is rejected by `prover.prompt.clean_tactic`, and no two share a first character
GARBAGE = ("sorry", "admit", "  ", "(h", "native_decide", "⟨⟨", "[GOAL]", "exact sorry", "}")


def training_pairs(limit: int | None = None) -> list[tuple[str, str]]:
    """(goal text, one-line tactic) pairs from the `core` suite and the rule-based prior."""
    from lean_prover.prover.prior import PriorPolicy

    prior = PriorPolicy()
    pairs: list[tuple[str, str]] = []
    for line in CORE_SUITE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        try:
            goal = goal_text(parse_statement(row["statement"]))
        except StatementError:
            continue
        proof = row["proof"]
        if proof.startswith("by"):
            first = next((ln.strip() for ln in proof[2:].split("\n") if ln.strip()), "")
            if first and not first.endswith(("with", "by", "=>")) and "sorry" not in first:
                pairs.append((goal, first))
        for suggestion in prior.suggest([goal], 6)[0]:
            if "\n" not in suggestion.tactic:
                pairs.append((goal, suggestion.tactic))
    return pairs[:limit] if limit else pairs


def lean_corpus() -> list[str]:
    """Lines of Lean text for the tokenizer: the core suite, examples/ and tests/lean/ files."""
    lines: list[str] = []
    for line in CORE_SUITE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        lines += [row["statement"], *row["proof"].split("\n")]
    for folder in (ROOT / "examples", ROOT / "tests" / "lean"):
        for path in sorted(folder.glob("*.lean")) if folder.is_dir() else []:
            try:
                lines += path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
    return [ln for ln in lines if ln.strip()]


def build_tokenizer(texts: list[str], vocab_size: int = 640):
    """A byte-level BPE tokenizer (GPT-2 style) trained on `texts`, wrapped for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=EOS, bos_token=EOS,
                                   unk_token=EOS, pad_token=EOS)


def build_tiny_policy(out_dir: str | Path, steps: int = 300, garbage: bool = False, seed: int = 0,
                      n_layer: int = 2, n_embd: int = 64, threads: int = 1, sharpen: float | None = None,
                      prompt: str = "default") -> Path:
    """Train and save the tiny GPT-2 step policy (tokenizer included) into `out_dir`, its
    (goal, tactic) pairs rendered in the step prompt format `prompt` (a preset of
    `prover.prompt_formats` that is not a chat format); returns the folder.

    Training runs on `threads` CPU threads (1 by default: on a small shared machine, more
    threads contend with other processes and are slower for a model this size)."""
    fmt = _completion_format(prompt, "step")
    if sharpen is None:
        sharpen = 3.0 if garbage else 1.0
    pairs = training_pairs()
    if garbage:
        pairs = [(goal, GARBAGE[i % len(GARBAGE)]) for i, (goal, _) in enumerate(pairs)]
    examples = [(_text(render_step(fmt, StepInput(goal))), tactic + _terminator(fmt)) for goal, tactic in pairs]
    with _threads(threads):
        return _train_causal(Path(out_dir), examples, steps, seed, n_layer, n_embd, sharpen,
                             {"garbage": garbage, "prompt": fmt.name})


def build_tiny_prover(out_dir: str | Path, steps: int = 300, seed: int = 0, prompt: str = "deepseek-prover-v1.5",
                      threads: int = 1) -> Path:
    """Train and save a tiny GPT-2 whole-proof model: the `core` theorems whose reference proof is
    one `by` line (`by omega`, `by decide`, …; a 2-layer model cannot learn long proofs), each
    theorem's prompt in the (non-chat) whole-proof format `prompt` completed as the format's
    authors' model writes it: the proof after the prompt's `:= by` line, then the closing fence."""
    fmt = _completion_format(prompt, "whole")
    if fmt.reader != "continuation" or fmt.proof_prefix.strip() != "by":
        raise ValueError(f"prompt format {fmt.name} does not end inside a `by` proof")
    examples = []
    for row in _core_rows():
        proof = row["proof"].strip()
        if not proof.startswith("by ") or "\n" in proof:
            continue
        query = whole_input(row.get("header", ""), row["statement"])
        examples.append((_text(render_whole(fmt, query)), f"  {proof[3:].strip()}\n{fmt.stop[0] if fmt.stop else ''}"))
    with _threads(threads):
        return _train_causal(Path(out_dir), examples, steps, seed, 2, 64, 1.0, {"prompt": fmt.name}, max_len=240)


def build_tiny_seq2seq_policy(out_dir: str | Path, steps: int = 400, seed: int = 0, prompt: str = "reprover",
                              threads: int = 1) -> Path:
    """Train and save a tiny byte-level T5 step policy (ReProver's architecture: a ByT5
    encoder-decoder, input = the state, output = the tactic), in the step format `prompt`."""
    import torch
    from transformers import ByT5Tokenizer, T5Config, T5ForConditionalGeneration

    fmt = _completion_format(prompt, "step")
    with _threads(threads):
        rng = random.Random(seed)
        torch.manual_seed(seed)
        tokenizer = ByT5Tokenizer()
        examples = []
        for goal, tactic in training_pairs():
            source = tokenizer(_text(render_step(fmt, StepInput(goal))))["input_ids"]  # `</s>` appended, as ReProver
            target = tokenizer(tactic)["input_ids"]
            if len(source) <= 192 and len(target) <= 48:
                examples.append((source, target))
        config = T5Config(vocab_size=len(tokenizer), d_model=64, d_ff=128, d_kv=16, num_layers=2, num_decoder_layers=2,
                          num_heads=4, dropout_rate=0.0, pad_token_id=tokenizer.pad_token_id,
                          eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id)
        model = T5ForConditionalGeneration(config)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        pad = tokenizer.pad_token_id
        for _ in range(steps):
            batch = [examples[rng.randrange(len(examples))] for _ in range(24)]
            width, depth = max(len(s) for s, _ in batch), max(len(t) for _, t in batch)
            inputs = torch.tensor([s + [pad] * (width - len(s)) for s, _ in batch])
            mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s, _ in batch])
            labels = torch.tensor([t + [-100] * (depth - len(t)) for _, t in batch])
            loss = model(input_ids=inputs, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
        model.eval()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / "tiny_model.json").write_text(json.dumps({"steps": steps, "seed": seed, "prompt": fmt.name,
                                                        "examples": len(examples), "final_loss": float(loss.detach())}))
    return out


def _completion_format(prompt: str, kind: str):
    fmt = resolve_format(prompt)
    if fmt.kind != kind or fmt.chat:
        raise ValueError(f"a tiny {kind} model needs a non-chat {kind} prompt format, not {fmt.name}")
    return fmt


def _terminator(fmt) -> str:
    """What ends a tactic in the format: its first stop string (the default format's newline); EOS follows."""
    return fmt.stop[0] if fmt.stop else ""


def _text(prompt) -> str:
    if not isinstance(prompt, str):
        raise ValueError("tiny models are trained on completion prompts, not chat conversations")
    return prompt


def _core_rows() -> list[dict]:
    return [json.loads(line) for line in CORE_SUITE.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextmanager
def _threads(count: int):
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _train_causal(out: Path, examples: list[tuple[str, str]], steps: int, seed: int, n_layer: int, n_embd: int,
                  sharpen: float, record: dict, max_len: int = 128) -> Path:
    """A tokenizer on the Lean corpus and the examples, then a GPT-2 trained on the completion
    tokens (prompt tokens masked, EOS after each completion); saved with its tokenizer."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    rng = random.Random(seed)
    torch.manual_seed(seed)
    tokenizer = build_tokenizer(lean_corpus() + [p + c for p, c in examples[:400]])
    eos = tokenizer.eos_token_id
    encoded = []
    for prompt, completion in examples:
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer = tokenizer(completion, add_special_tokens=False)["input_ids"] + [eos]
        if len(ids) + len(answer) <= max_len:
            encoded.append((ids + answer, [-100] * len(ids) + answer))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=n_embd, n_layer=n_layer, n_head=4,
                        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, resid_pdrop=0.0, embd_pdrop=0.0,
                        attn_pdrop=0.0)
    model = GPT2LMHeadModel(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 20) * max(0.1, 1 - s / steps))
    for _ in range(steps):
        batch = [encoded[rng.randrange(len(encoded))] for _ in range(24)]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [eos] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch])
        attention = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch])
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    model.eval()
    if sharpen != 1.0:
        with torch.no_grad():
            model.transformer.ln_f.weight.mul_(sharpen)
            model.transformer.ln_f.bias.mul_(sharpen)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "tiny_model.json").write_text(json.dumps({"steps": steps, "seed": seed, "sharpen": sharpen, **record,
                                                    "examples": len(encoded), "final_loss": float(loss.detach())}))
    return out


def build_tiny_critic(out_dir: str | Path, tokenizer_from: str | Path, seed: int = 0) -> Path:
    """An untrained 1-label GPT-2 sequence classifier (value head) sharing the tiny tokenizer."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2ForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_from))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=32, n_layer=1, n_head=2, num_labels=1,
                        pad_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = GPT2ForSequenceClassification(config)
    out = Path(out_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build a tiny model into a folder."""
    parser = argparse.ArgumentParser(description="Build a tiny model offline.")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prompt", default="default", help="prompt preset (default, bfs-prover, reprover, "
                        "deepseek-prover-v1.5, …)")
    args = parser.parse_args(argv)
    fmt = resolve_format(args.prompt)
    if fmt.kind == "whole":
        folder = build_tiny_prover(args.out, args.steps, args.seed, args.prompt)
    elif fmt.encoder_decoder:
        folder = build_tiny_seq2seq_policy(args.out, args.steps, args.seed, args.prompt)
    else:
        folder = build_tiny_policy(args.out, args.steps, args.garbage, args.seed, prompt=args.prompt)
    print(f"wrote {folder}: {(folder / 'tiny_model.json').read_text()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
