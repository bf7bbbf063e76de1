"""Candidate tactics beyond the policy's: Lean's own suggestions and retrieved premises.

Every search algorithm asks a :class:`CandidateSource` for the states it expands and probes
what it returns as ordinary candidates, each with its own prior score, next to the policy's:

- **Lean's suggestions** (:mod:`lean_env.suggestions`): the concrete tactics that `exact?`,
  `rw?`, `apply?`, `simp?`, … print for the state. Looked up by goal text in a memory shared
  by concurrent searches (filled by the first pass, :mod:`search.portfolio`) and in the proof
  cache; a state found in neither is asked in Lean only when it is at most
  `suggestion_depth` tactics deep and the search has asked fewer than `suggestion_states`
  states; all such states of one expansion go into one Lean run, counted as a Lean call of the
  search. Scores (:data:`LEAN_SCORES`): a suggestion Lean says closes the goal 0.9; `simp?`,
  `simp_all?`, `grind?`, `try?` results 0.3; `rw?` rewrites 0.12 and `apply?`'s partial
  `refine`s 0.1, divided by (1 + their rank in Lean's list).
- **Premises** (:mod:`prover.premises`): the `premises` best library theorems for the goal
  (BM25) turned into `rw [P]`/`simp [P]`/`apply P` candidates with small scores.

The suggestion tactics themselves are never probed (:func:`lean_env.tactic_guard.tactic_problem`
refuses them, as every search filters its candidates through it), so a proof never contains
`exact?`. :func:`prover.policy.merge` puts the extra candidates after or among the
policy's by score; they are added to the policy's `width`, not taken out of it.
"""

from __future__ import annotations

import math
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ContextManager

from lean_prover.lean_env.limits import DEFAULT_HEARTBEATS, SUGGESTION_TIMEOUT_S
from lean_prover.lean_env.suggestions import (Suggestion, SuggestionQuery, SuggestionTactic, library_names,
                                              query_suggestions)
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.policy import Policy, TacticSuggestion, ask, merge
from lean_prover.search.tree import Node, step_contexts
from lean_prover.search.types import BudgetMeter, ProbeEnv

if TYPE_CHECKING:
    from lean_prover.prover.premises import PremiseRetriever
    from lean_prover.search.cache import ProofCache

LEAN_SCORES = {"closes": 0.9, "simp?": 0.3, "simp_all?": 0.3, "grind?": 0.3, "try?": 0.3, "rw?": 0.12,
               "apply?": 0.1, "exact?": 0.1}


@dataclass(frozen=True)
class CandidateSettings:
    """Where candidates come from besides the policy (module docstring). The defaults ask
    nothing: no Lean suggestions, no premises."""

    suggestion_tactics: tuple[SuggestionTactic, ...] = ()
    suggestion_depth: int = 1
    suggestion_states: int = 4
    suggestion_heartbeats: int = DEFAULT_HEARTBEATS
    premises: int = 0

    @property
    def enabled(self) -> bool:
        """True when anything beyond the policy is asked."""
        return bool(self.suggestion_tactics) or self.premises > 0


class SuggestionMemory:
    """Lean's suggestions by goal text, shared by the searches of one run (thread-safe)."""

    def __init__(self) -> None:
        self._known: dict[str, list[Suggestion]] = {}
        self._lock = threading.Lock()

    def get(self, goals: str) -> list[Suggestion] | None:
        """The suggestions recorded for `goals` (None: never asked)."""
        from lean_prover.search.cache import normalise_goal

        with self._lock:
            return self._known.get(normalise_goal(goals))

    def put(self, goals: str, suggestions: list[Suggestion]) -> None:
        """Record the suggestions for `goals`."""
        from lean_prover.search.cache import normalise_goal

        with self._lock:
            self._known[normalise_goal(goals)] = list(suggestions)


def lean_score(suggestion: Suggestion) -> float:
    """A Lean suggestion's prior score (module docstring)."""
    if suggestion.closes:
        return LEAN_SCORES["closes"]
    return LEAN_SCORES.get(suggestion.origin, 0.1) / (1 + suggestion.rank)


class CandidateSource:
    """The extra candidates of one search (module docstring)."""

    def __init__(self, settings: CandidateSettings, toolchain: Toolchain, theorem: Theorem,
                 memory: SuggestionMemory | None = None, cache: "ProofCache | None" = None,
                 retriever: "PremiseRetriever | None" = None,
                 gate: Callable[[], ContextManager] = nullcontext, timeout_s: float = SUGGESTION_TIMEOUT_S):
        self.settings, self.toolchain, self.theorem = settings, toolchain, theorem
        self.memory, self.cache, self.retriever = memory or SuggestionMemory(), cache, retriever
        self.gate, self.timeout_s = gate, timeout_s
        self.asked = 0  # states this search asked Lean about
        self.imports = theorem.imports()

    def extra(self, nodes: list["Node"]) -> tuple[list[list[TacticSuggestion]], int]:
        """Extra candidates for each node, and the Lean runs it took (0 or 1)."""
        lean = self._lean_suggestions(nodes) if self.settings.suggestion_tactics else ([[] for _ in nodes], 0)
        extra = []
        for node, found in zip(nodes, lean[0]):
            candidates = [TacticSuggestion(s.tactic, math.log(lean_score(s)), "lean", tuple(library_names(s.tactic)))
                          for s in found]
            if self.retriever is not None and self.settings.premises > 0:
                retrieved = self.retriever.retrieve(node.outcome.goals, self.settings.premises, self.imports)
                from lean_prover.prover.premises import premise_tactics

                candidates += [TacticSuggestion(tactic, math.log(score), "premises", tuple(names.split()))
                               for tactic, score, names in premise_tactics(retrieved)]
            extra.append(candidates)
        return extra, lean[1]

    def _known(self, goals: str) -> list[Suggestion] | None:
        found = self.memory.get(goals)
        if found is None and self.cache is not None:
            found = self.cache.get_suggestions(goals, self.settings.suggestion_tactics)
            if found is not None:
                self.memory.put(goals, found)
        return found

    def _lean_suggestions(self, nodes: list["Node"]) -> tuple[list[list[Suggestion]], int]:
        found: list[list[Suggestion] | None] = [self._known(n.outcome.goals) for n in nodes]
        ask = []
        for position, (node, known) in enumerate(zip(nodes, found)):
            path = getattr(node.outcome.handle, "tactics", None)
            if (known is None and path is not None and node.depth <= self.settings.suggestion_depth
                    and self.asked < self.settings.suggestion_states):
                self.asked += 1
                ask.append((position, tuple(path)))
        runs = 0
        if ask:
            queries = [SuggestionQuery(self.theorem, path, tactic)
                       for _, path in ask for tactic in self.settings.suggestion_tactics]
            with self.gate():
                answers, runs = query_suggestions(self.toolchain, queries,
                                                  heartbeats=self.settings.suggestion_heartbeats,
                                                  timeout_s=self.timeout_s)
            per_tactic = len(self.settings.suggestion_tactics)
            for number, (position, _) in enumerate(ask):
                mine = answers[number * per_tactic:(number + 1) * per_tactic]
                suggestions = [s for answer in mine for s in answer.suggestions]
                goals = nodes[position].outcome.goals
                self.memory.put(goals, suggestions)
                if self.cache is not None and any(a.goals for a in mine):
                    self.cache.put_suggestions(goals, self.settings.suggestion_tactics, suggestions)
                found[position] = suggestions
        return [f or [] for f in found], runs


def propose(policy: Policy, env: ProbeEnv, nodes: list[Node], width: int, source: "CandidateSource | None",
            meter: BudgetMeter) -> list[list[TacticSuggestion]]:
    """The candidates for each node's state, as every search algorithm asks for them: the
    policy's (with the theorem name and tactic path when its prompts show them), merged with
    Lean's suggestions and premise candidates from `source` (their Lean runs are counted)."""
    suggestions = ask(policy, [node.outcome.goals for node in nodes], width, step_contexts(policy, env, nodes))
    if source is None:
        return suggestions
    extra, runs = source.extra(nodes)
    meter.lean_calls += runs
    return [merge(mine, more) for mine, more in zip(suggestions, extra)]
