"""Fine-tuning defaults that suit the base model: tiny models trained from scratch here, or real LMs.

The tiny GPT-2 this project builds (:mod:`training.base_model`, ~0.1 M parameters) learns from a
few hundred steps only with a large learning rate and many epochs; the same settings would wreck
a 7B model in a few steps. The profile is chosen by the base model's parameter count, read from
its `*.safetensors` headers (no weights are loaded), and fills every SFT setting the user left
unset (:func:`sft_defaults`):

| profile | parameters | learning rate | epochs | batch × accumulation | steps | max length |
| --- | --- | --- | --- | --- | --- | --- |
| `tiny` | < 50 M | 3e-3 | 40 | 16 × 1 | 60 – 400 | the model's context |
| `large`, full | ≥ 50 M | 1e-5 | 1 | 4 × 8 | ≥ 1, no cap | min(context, 2048) |
| `large`, `--lora` | ≥ 50 M | 2e-4 | 1 | 4 × 8 | ≥ 1, no cap | min(context, 2048) |
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

TINY_LIMIT = 50_000_000  # parameters

Profile = Literal["tiny", "large"]


@dataclass(frozen=True)
class SFTDefaults:
    """The settings a profile supplies when the user did not set them."""

    profile: Profile
    learning_rate: float
    epochs: float
    batch_size: int
    gradient_accumulation_steps: int
    min_steps: int
    max_steps: int  # 0: no cap
    max_length: int  # 0: the model's context


def count_parameters(folder: Path) -> int | None:
    """The number of parameters in a `save_pretrained` folder, from its safetensors headers
    (sharded or not); None when the folder has no safetensors file (or is a LoRA adapter only)."""
    total, seen = 0, False
    for file in sorted(Path(folder).glob("*.safetensors")):
        if file.name.startswith("adapter_"):
            continue
        with file.open("rb") as handle:
            size = struct.unpack("<Q", handle.read(8))[0]
            header = json.loads(handle.read(size))
        for name, entry in header.items():
            if name != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= dim
                total += count
        seen = True
    return total if seen else None


def sft_defaults(base: Path, lora: bool) -> SFTDefaults:
    """The defaults for fine-tuning the model in `base` (module doc); a folder whose size
    cannot be read is treated as large (the safe side: small steps)."""
    parameters = count_parameters(base)
    if parameters is not None and parameters < TINY_LIMIT:
        return SFTDefaults("tiny", 3e-3, 40.0, 16, 1, 60, 400, 0)
    return SFTDefaults("large", 2e-4 if lora else 1e-5, 1.0, 4, 8, 1, 0, 2048)
