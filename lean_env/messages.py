"""Lean's `--json` messages as typed records."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LeanMessage:
    """One message Lean reported: severity, 1-based line, 0-based column (as Lean counts), text."""

    severity: str  # "error" | "warning" | "information"
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    kind: str = ""

    @property
    def is_error(self) -> bool:
        """True for error-severity messages."""
        return self.severity == "error"

    @property
    def is_sorry_warning(self) -> bool:
        """True for Lean's `declaration uses 'sorry'` warning."""
        return self.kind == "hasSorry" or "declaration uses 'sorry'" in self.text or "declaration uses `sorry`" in self.text

    def location(self) -> str:
        """`line:col` with a 1-based column, as editors show it."""
        return f"{self.line}:{self.column + 1}"

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def parse_messages(stdout: str) -> tuple[list[LeanMessage], list[str]]:
    """Split `lean --json` output into messages and any other (non-JSON) lines."""
    messages: list[LeanMessage] = []
    other: list[str] = []
    for raw in stdout.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            data = json.loads(line)
            pos = data["pos"]
        except (ValueError, KeyError, TypeError):
            other.append(raw)
            continue
        end = data.get("endPos") or pos
        messages.append(LeanMessage(
            severity=data.get("severity", "error"),
            line=int(pos["line"]), column=int(pos["column"]),
            end_line=int(end["line"]), end_column=int(end["column"]),
            text=str(data.get("data", "")), kind=str(data.get("kind", "")),
        ))
    return messages, other
