"""Data passed between the search and the Lean side: outcomes of tactic probes, budgets, results."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal, Protocol

from lean_prover.lean_env.limits import THEOREM_TIME_LIMIT_S

OutcomeKind = Literal["state", "proved", "error", "timeout", "crash"]
"""What a probe led to: goals remain, no goals left, or a failure of the tactic or of Lean."""

Verdict = Literal["new", "duplicate", "proved", "error", "timeout", "crash"]
"""Where a probe's outcome went in the search tree (:meth:`search.tree.SearchTree.place`)."""

BudgetLimit = Literal["expansions", "lean_calls", "time"]
"""The limits of a :class:`Budget`, as named in stop reasons."""

StopReason = Literal["proved", "expansions", "lean_calls", "time", "exhausted"]
"""Why a search ended: a proof, a spent limit, or nothing left to try."""


@dataclass(frozen=True)
class Outcome:
    """What Lean said about one (state, tactic) probe.

    kind: "state" (goals remain), "proved" (no goals left), "error", "timeout" or "crash".
    `key` identifies the resulting goals for deduplication; `goals` is their text as Lean shows
    them; `handle` is the Lean side's own object for the state (passed back in later probes).
    """

    kind: OutcomeKind
    key: str = ""
    goals: str = ""
    num_goals: int = 0
    handle: object = None
    message: str = ""


class ProbeEnv(Protocol):
    """A Lean session the search drives: the root state and batched probes."""

    def root(self) -> Outcome:
        """The initial state of the theorem."""

    def probe(self, pairs: list[tuple[Outcome, str]]) -> list[Outcome]:
        """Run each tactic on its state (one Lean round trip for the whole batch)."""


@dataclass(frozen=True)
class Budget:
    """Limits of one search: node expansions, Lean round trips, wall-clock seconds."""

    max_expansions: int = 64
    max_lean_calls: int = 16
    max_time_s: float = THEOREM_TIME_LIMIT_S


@dataclass
class BudgetMeter:
    """Counts what a search has spent against its :class:`Budget`."""

    budget: Budget
    expansions: int = 0
    lean_calls: int = 0
    probes: int = 0
    started: float = field(default_factory=time.monotonic)

    def exhausted(self) -> BudgetLimit | None:
        """The name of the first exhausted limit, or None."""
        if self.expansions >= self.budget.max_expansions:
            return "expansions"
        if self.lean_calls >= self.budget.max_lean_calls:
            return "lean_calls"
        if self.elapsed() >= self.budget.max_time_s:
            return "time"
        return None

    def elapsed(self) -> float:
        """Seconds since the search started."""
        return time.monotonic() - self.started


@dataclass
class SearchResult:
    """The end of one search: the tactic script if proved, what was spent, and the tree."""

    proved: bool
    tactics: list[str]
    expansions: int
    lean_calls: int
    probes: int
    time_s: float
    stop_reason: StopReason
    trace: list[dict] = field(default_factory=list)

    def to_dict(self, with_trace: bool = False) -> dict:
        """A JSON-ready dict (the tree trace only on request: it can be large)."""
        data = asdict(self)
        if not with_trace:
            data.pop("trace")
        return data


Progress = Callable[[BudgetMeter], None]
