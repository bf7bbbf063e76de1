"""Multi-perspective heuristics (after MPS-Prover) that keep the search tree diverse.

- duplicate states (same goal key anywhere in the tree) are not expanded twice;
- a state equal to one of its ancestors (a cycle) is dropped;
- states with fewer and smaller goals are preferred (a penalty added to the priority);
- among the children of one node, at most `max_same_head` tactics with the same head word
  (e.g. three `simp …` variants) are kept, so siblings stay diverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lean_prover.prover.policy import TacticSuggestion



@dataclass(frozen=True)
class HeuristicWeights:
    """Weights of the state-shape penalty (in log-probability units)."""

    per_extra_goal: float = 0.5
    per_kilochar: float = 0.25
    max_same_head: int = 2


def shape_penalty(num_goals: int, goals_text: str, weights: HeuristicWeights) -> float:
    """Penalty for a state with many or large goals (0 for one short goal)."""
    return weights.per_extra_goal * max(0, num_goals - 1) + weights.per_kilochar * len(goals_text) / 1000


def tactic_head(tactic: str) -> str:
    """The tactic's head word (`simp` for `simp [foo] at h`)."""
    words = tactic.strip().split()
    return words[0] if words else ""


def diversify(suggestions: list[TacticSuggestion], max_same_head: int) -> list[TacticSuggestion]:
    """Keep suggestions in order, at most `max_same_head` per tactic head word."""
    kept: list[TacticSuggestion] = []
    counts: dict[str, int] = {}
    for suggestion in suggestions:
        head = tactic_head(suggestion.tactic)
        if counts.get(head, 0) < max_same_head:
            counts[head] = counts.get(head, 0) + 1
            kept.append(suggestion)
    return kept
