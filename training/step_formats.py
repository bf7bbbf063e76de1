"""Step files SFT reads: our step JSONL and LeanDojo Benchmark 4's traced tactics.

- `steps`: JSON lines written by :func:`training.data.save_steps` (one :class:`Step` a line).
- `leandojo`: LeanDojo Benchmark 4 (`random/train.json`, `novel_premises/train.json`, …): a JSON
  list (or JSON lines) of theorems, each with `full_name` and `traced_tactics`, a list of
  `{tactic, annotated_tactic, state_before, state_after}`. Every traced tactic becomes a step
  (`state_before` → `tactic`; `state_after` "no goals" → finished), with the theorem's name,
  its position as depth and source `leandojo`. LeanDojo prints states as Lean's goal display,
  the same text our prompts hold.

`auto` picks the format from the first record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from lean_prover.training.data import DataError, Step, load_steps

StepFormat = Literal["auto", "steps", "leandojo"]
FORMATS: tuple[str, ...] = ("auto", "steps", "leandojo")


def load_step_file(path: Path, kind: StepFormat = "auto") -> list[Step]:
    """The training steps in `path`; :class:`DataError` (one line) for a missing or unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if kind == "auto":
        kind = _detect(path)
    if kind == "steps":
        return load_steps(path)
    return leandojo_steps(_records(path))


def leandojo_steps(theorems: list[dict]) -> list[Step]:
    """The steps of LeanDojo Benchmark 4 theorem records (traced tactics with a state before)."""
    steps: list[Step] = []
    for number, theorem in enumerate(theorems, start=1):
        if not isinstance(theorem, dict) or not isinstance(theorem.get("traced_tactics"), list):
            raise DataError(f"record {number}: not a LeanDojo theorem (no traced_tactics list)")
        name = str(theorem.get("full_name", f"theorem_{number}"))
        for depth, traced in enumerate(theorem["traced_tactics"]):
            try:
                before, tactic, after = traced["state_before"], traced["tactic"], traced.get("state_after", "")
            except (KeyError, TypeError):
                raise DataError(f"{name}: traced tactic {depth} lacks state_before or tactic") from None
            if not before.strip() or before.strip() == "no goals" or not tactic.strip():
                continue
            steps.append(Step(before, tactic.strip(), name, depth=depth,
                              state_after="" if after.strip() == "no goals" else after, source="leandojo"))
    return steps


def _records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    except ValueError:
        pass
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise DataError(f"{path}:{number}: not JSON ({exc.msg})") from None
    return records


def _detect(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("["):
        return "leandojo"
    first = head.split("\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:
        return "leandojo"  # a pretty-printed JSON document
    return "leandojo" if isinstance(record, dict) and "traced_tactics" in record else "steps"
