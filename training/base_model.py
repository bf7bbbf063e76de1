"""The base model expert iteration starts from when none is given: an untrained tiny GPT-2.

Its tokenizer is a byte-level BPE (:func:`prover.tiny_model.build_tokenizer`) trained on the
Lean text of the training problems only (statements and reference proofs), plus the
repository's `examples/` files, so no evaluation theorem shapes the vocabulary. The weights are
random (seeded): everything the model knows comes from the steps it is fine-tuned on.
"""

from __future__ import annotations

import json
from pathlib import Path

from lean_prover.prover.prompt import PROMPT_TEMPLATE
from lean_prover.prover.tiny_model import ROOT, build_tokenizer

BASE_RECORD = "base_model.json"


def tokenizer_corpus(problems: list) -> list[str]:
    """Lines of Lean text for the tokenizer: the problems' statements and reference proofs,
    `examples/*.lean`, and the prompt markers."""
    lines: list[str] = [PROMPT_TEMPLATE.format(state="⊢ True")]
    for problem in problems:
        lines += [problem.statement, *problem.reference_proof.split("\n")]
    for path in sorted((ROOT / "examples").glob("*.lean")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def build_base_model(out: Path, problems: list, n_layer: int = 2, n_embd: int = 64, n_head: int = 4,
                     context: int = 256, vocab_size: int = 640, seed: int = 0) -> Path:
    """Save an untrained GPT-2 and its tokenizer into `out` (kept if already there); returns `out`."""
    if (out / BASE_RECORD).is_file():
        return out
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    tokenizer = build_tokenizer(tokenizer_corpus(problems), vocab_size=vocab_size)
    eos = tokenizer.eos_token_id
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=context, n_embd=n_embd, n_layer=n_layer,
                        n_head=n_head, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / BASE_RECORD).write_text(json.dumps({
        "n_layer": n_layer, "n_embd": n_embd, "n_head": n_head, "context": context, "vocab": len(tokenizer),
        "seed": seed, "tokenizer_problems": len(problems)}), encoding="utf-8")
    return out
