"""The step policy interface: for each proof state, candidate tactics with log-probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


TacticSource = Literal["policy", "lean", "premises"]


@dataclass(frozen=True)
class TacticSuggestion:
    """One candidate tactic and its log-probability under the policy. `source` says where it
    came from: the policy, Lean's own suggestions (`exact?`, `rw?`, … printed it) or premise
    retrieval; `premises` names the library theorems it was built from (training data keeps them)."""

    tactic: str
    logprob: float
    source: TacticSource = "policy"
    premises: tuple[str, ...] = ()


class Policy(Protocol):
    """Batched step prover: `suggest(states, k)` gives up to k distinct tactics per state,
    best first. States are goal texts as Lean prints them (`h : p\\n⊢ p ∧ q`)."""

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` suggestions for each state."""
