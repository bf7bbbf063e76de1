"""What a tactic does to a proof state: the results `Dojo.run_tac` returns, and tactic scripts."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Sequence, Union

from lean_prover.lean_env.goals import Goal, goals_hash


@dataclass(frozen=True)
class TacticState:
    """Goals remaining after a tactic path: Lean's display (`pp`), the parsed goals, an id
    (0 for the initial state), the tactics that led here, and a deduplication hash."""

    pp: str
    goals: list[Goal]
    id: int = 0
    tactics: tuple[str, ...] = ()
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", goals_hash(self.goals))

    def __hash__(self) -> int:
        return hash((self.hash, self.tactics))

    @property
    def num_goals(self) -> int:
        """How many goals are left."""
        return len(self.goals)


@dataclass(frozen=True)
class ProofFinished:
    """No goals left: `tactics` prove the theorem; `script` is the proof as a `by` block."""

    tactics: tuple[str, ...]
    script: str = ""

    def __post_init__(self) -> None:
        if not self.script:
            object.__setattr__(self, "script", render_script(self.tactics))


@dataclass(frozen=True)
class LeanError:
    """The tactic failed (or was refused before running); `error` is Lean's message."""

    error: str


@dataclass(frozen=True)
class TacticTimeout:
    """The tactic ran past its heartbeat limit, or the Lean process past its wall-clock limit."""

    detail: str


@dataclass(frozen=True)
class LeanCrash:
    """The Lean process died (out of memory, stack overflow, …) while running this tactic."""

    detail: str


TacticResult = Union[TacticState, ProofFinished, LeanError, TacticTimeout, LeanCrash]


def render_script(tactics: Sequence[str]) -> str:
    """A tactic path as a `by` block (multi-line tactics keep their relative indentation)."""
    return "by\n" + "\n".join(indent_tactic(t) for t in tactics)


def indent_tactic(tactic: str, by: str = "  ") -> str:
    """One tactic's lines, indented by `by`: the block is dedented, its first line starts at the
    block's column and later lines keep their indentation relative to it (blank lines dropped)."""
    text = textwrap.dedent(tactic.replace("\r\n", "\n").replace("\t", "  ").strip("\n"))
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    lines[0] = lines[0].lstrip()
    return "\n".join(by + line for line in lines)
