"""Adapter from the tactic-level Lean API (:mod:`lean_env.dojo`) to the search's :class:`ProbeEnv`."""

from __future__ import annotations

from lean_prover.lean_env.dojo import Dojo, LeanError, ProofFinished, TacticState
from lean_prover.lean_env.source import find_declarations
from lean_prover.search.types import Outcome


class DojoProbeEnv:
    """Probes tactics through an open :class:`Dojo`; each `probe` is one Lean round trip.
    `theorem_name` is the theorem's name as its statement declares it (for prompts that show it),
    `imports` the modules its file imports."""

    def __init__(self, dojo: Dojo, initial_state: TacticState):
        self.dojo = dojo
        self.initial = _outcome(initial_state)
        declared = [d.name for d in find_declarations(dojo.theorem.statement) if d.name]
        self.theorem_name = declared[0] if declared else dojo.theorem.name
        self.imports = dojo.theorem.imports()

    def root(self) -> Outcome:
        """The theorem's initial state."""
        return self.initial

    def probe(self, pairs: list[tuple[Outcome, str]]) -> list[Outcome]:
        """Run each (state, tactic) pair; results in the same order."""
        results = self.dojo.run_tacs([(state.handle, tactic) for state, tactic in pairs])
        return [_outcome(result) for result in results]


def _outcome(result: object) -> Outcome:
    if isinstance(result, TacticState):
        return Outcome("state", key=result.hash, goals=result.pp, num_goals=len(result.goals), handle=result)
    if isinstance(result, ProofFinished):
        return Outcome("proved", handle=result)
    if isinstance(result, LeanError):
        return Outcome("error", message=result.error)
    kind = type(result).__name__.lower()
    return Outcome("timeout" if "timeout" in kind else "crash", message=str(result))
