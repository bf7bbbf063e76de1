"""The step policy interface: for each proof state, candidate tactics with log-probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TacticSuggestion:
    """One candidate tactic and its log-probability under the policy."""

    tactic: str
    logprob: float


class Policy(Protocol):
    """Batched step prover: `suggest(states, k)` gives up to k distinct tactics per state,
    best first. States are goal texts as Lean prints them (`h : p\\n⊢ p ∧ q`)."""

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` suggestions for each state."""
