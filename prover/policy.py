"""The step policy interface: for each proof state, candidate tactics with log-probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, Sequence


TacticSource = Literal["policy", "lean", "premises", "memory"]


@dataclass(frozen=True)
class TacticSuggestion:
    """One candidate tactic and its log-probability under the policy. `source` says where it
    came from: the policy, Lean's own suggestions (`exact?`, `rw?`, … printed it), premise
    retrieval or the tactic memory (:mod:`prover.tactic_memory`); `premises` names the library
    theorems it was built from (training data keeps them)."""

    tactic: str
    logprob: float
    source: TacticSource = "policy"
    premises: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepContext:
    """Where a state comes from: the theorem's full name and the tactics that led to it (for
    prompt formats that show them, e.g. InternLM2.5-StepProver's NAME and PROOF_BEFORE), and the
    modules its file imports (the library lemmas a tactic there may name)."""

    theorem: str = ""
    tactics: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()

    @property
    def proof_before(self) -> str:
        """The tactics so far, one per line."""
        return "\n".join(self.tactics)


class Policy(Protocol):
    """Batched step prover: `suggest(states, k)` gives up to k distinct tactics per state,
    best first. States are goal texts as Lean prints them (`h : p\\n⊢ p ∧ q`).

    A policy whose prompt shows more than the state sets `uses_context = True` and accepts
    `contexts` (one :class:`StepContext` per state); call policies through :func:`ask`."""

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` suggestions for each state."""


def uses_context(policy: object) -> bool:
    """True when the policy's prompts show the theorem name or the tactic path."""
    return bool(getattr(policy, "uses_context", False))


def ask(policy: Policy, states: list[str], k: int,
        contexts: Sequence[StepContext] | None = None) -> list[list[TacticSuggestion]]:
    """`policy.suggest(states, k)`, with `contexts` passed along to a policy that uses them."""
    if contexts is not None and uses_context(policy):
        return policy.suggest(states, k, contexts=list(contexts))  # type: ignore[call-arg]
    return policy.suggest(states, k)


def merge(policy: list[TacticSuggestion], extra: list[TacticSuggestion]) -> list[TacticSuggestion]:
    """The policy's candidates and the extra ones, best first by log-probability (a tactic
    proposed twice keeps its best score and the source that gave it)."""
    best: dict[str, TacticSuggestion] = {}
    for suggestion in [*policy, *extra]:
        known = best.get(suggestion.tactic)
        if known is None or suggestion.logprob > known.logprob:
            best[suggestion.tactic] = suggestion
    return sorted(best.values(), key=lambda s: (-s.logprob, s.tactic))
