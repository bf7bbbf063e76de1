"""A tiny GPT-2 step policy built offline, for tests, benchmarks and smoke runs.

No weights can be downloaded, so the real loading code (`from_pretrained(path)`) is exercised
on a model made here in seconds:

1. a byte-level BPE tokenizer (`tokenizers`) trained on Lean text: the `core` suite's
   statements and proofs, the repository's `examples/` and `tests/lean/` files;
2. (goal, tactic) pairs in the prompt format of `prover.prompt`: for every `core` theorem
   with a `by` proof, the initial goal (printed from the statement) with the proof's first
   one-line tactic and the rule-based prior's top single-line tactics;
3. a 2-layer, 64-wide GPT-2 (`GPT2Config`) trained for a few hundred steps on the tactic tokens
   (prompt tokens masked), then `save_pretrained` with its tokenizer.

`garbage=True` trains the same model on garbage completions (`sorry`, `admit`,
`native_decide`, whitespace, unbalanced brackets) and sharpens its output distribution
(`sharpen`: the final layer norm's scale and shift are multiplied, so every logit is, which is
sampling at temperature 1/sharpen): what it samples is garbage, and a policy on it must return
no suggestion.

    python -m lean_prover.prover.tiny_model OUT_DIR [--steps N] [--garbage]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from lean_prover.prover.prompt import PROMPT_TEMPLATE
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
                      n_layer: int = 2, n_embd: int = 64, threads: int = 1, sharpen: float | None = None) -> Path:
    """Train and save the tiny policy (tokenizer included) into `out_dir`; returns the folder.

    Training runs on `threads` CPU threads (1 by default: on a small shared machine, more
    threads contend with other processes and are slower for a model this size)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        if sharpen is None:
            sharpen = 3.0 if garbage else 1.0
        return _build(Path(out_dir), steps, garbage, seed, n_layer, n_embd, sharpen)
    finally:
        torch.set_num_threads(previous)


def _build(out: Path, steps: int, garbage: bool, seed: int, n_layer: int, n_embd: int, sharpen: float) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    rng = random.Random(seed)
    torch.manual_seed(seed)
    pairs = training_pairs()
    if garbage:
        pairs = [(goal, GARBAGE[i % len(GARBAGE)]) for i, (goal, _) in enumerate(pairs)]
    texts = lean_corpus() + [PROMPT_TEMPLATE.format(state=g) + t for g, t in pairs[:400]]
    tokenizer = build_tokenizer(texts)
    eos = tokenizer.eos_token_id
    max_len = 128
    examples = []
    for goal, tactic in pairs:
        prompt = tokenizer(PROMPT_TEMPLATE.format(state=goal), add_special_tokens=False)["input_ids"]
        answer = tokenizer(tactic + "\n", add_special_tokens=False)["input_ids"] + [eos]
        if len(prompt) + len(answer) <= max_len:
            examples.append((prompt + answer, [-100] * len(prompt) + answer))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=n_embd, n_layer=n_layer, n_head=4,
                        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, resid_pdrop=0.0, embd_pdrop=0.0,
                        attn_pdrop=0.0)
    model = GPT2LMHeadModel(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 20) * max(0.1, 1 - s / steps))
    batch_size = 24
    for _ in range(steps):
        batch = [examples[rng.randrange(len(examples))] for _ in range(batch_size)]
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
    (out / "tiny_model.json").write_text(json.dumps({"steps": steps, "garbage": garbage, "seed": seed, "sharpen": sharpen,
                                                    "examples": len(examples), "final_loss": float(loss.detach())}))
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
    """Command line: build the tiny policy into a folder."""
    parser = argparse.ArgumentParser(description="Build a tiny GPT-2 step policy offline.")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = build_tiny_policy(args.out, args.steps, args.garbage, args.seed)
    print(f"wrote {folder}: {(folder / 'tiny_model.json').read_text()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
