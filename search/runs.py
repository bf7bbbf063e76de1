"""Resumable JSONL run logs: one row per finished problem, appended as each ends, so that a
killed run continues with the problems it had not finished (`prover bench`, expert iteration)."""

from __future__ import annotations

import json
from pathlib import Path


def read_resumable_rows(path: Path, fingerprint: str) -> dict[str, dict]:
    """Finished rows of a resumable JSONL log, by problem name. A last line cut short by an
    interruption is ignored (that problem is redone); any other bad line, or a row of another
    configuration (`fingerprint`), raises ValueError with a one-line message."""
    if not path.exists():
        return {}
    rows: dict[str, dict] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if number == len(lines):
                continue
            raise ValueError(f"{path}:{number}: not valid JSON") from None
        if row.get("fingerprint") != fingerprint:
            raise ValueError(f"{path} holds results of another configuration; use another --out folder")
        rows[row["name"]] = row
    return rows


def drop_partial_line(path: Path) -> None:
    """Cut a last line left unfinished by an interrupted writer, so that appending starts clean."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
