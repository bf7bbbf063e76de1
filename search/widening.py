"""Widening: a search whose tree has nothing left to expand asks again, wider, where it has been.

A search at a small width can run out of states with budget left: every tactic tried at the
root failed, the frontier is empty, and the Lean calls it was allowed go unused (at width 1
with three Lean calls this is the most common way a search ends). Instead of stopping, the
search asks the policy again for states it already expanded, with twice the width it asked
there last (up to `MAX_DOUBLINGS` doublings of the search's width), and probes the tactics not
yet tried there, diversified (:func:`search.heuristics.diversify`) among themselves, so the
next tactics of a head the first batch had already filled get their turn. States are taken in
the order the search prefers them (best-first priority, or MCTS value); a state whose doubled
answer brings nothing new is asked again at the next doubling, until the cap. Each widened
state counts as an expansion and the batch of them as one Lean call, as any expansion does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.search.candidates import CandidateSource, propose
from lean_prover.search.heuristics import diversify
from lean_prover.search.tree import Node
from lean_prover.search.types import BudgetMeter, ProbeEnv

if TYPE_CHECKING:
    from lean_prover.prover.policy import Policy, TacticSuggestion

MAX_DOUBLINGS = 3  # a state is asked for at most width · 2**3 tactics


def first_batch(node: Node, proposed: list["TacticSuggestion"], width: int,
                max_same_head: int) -> list["TacticSuggestion"]:
    """The tactics to probe at a state's first expansion at `width`: the usable ones,
    diversified; the node is marked expanded at that width."""
    node.expanded, node.width = True, width
    return diversify([s for s in proposed if is_usable_tactic(s.tactic)], max_same_head)


def widen(policy: "Policy", env: ProbeEnv, preferred: Iterable[Node], count: int, width: int,
          source: CandidateSource | None, meter: BudgetMeter,
          max_same_head: int) -> list[tuple[Node, list["TacticSuggestion"]]]:
    """Up to `count` expanded states (in `preferred` order) with new tactics to probe, each
    asked at double its last width (module docstring); empty when none has anything new
    within `width` · 2**MAX_DOUBLINGS."""
    cap = width * 2 ** MAX_DOUBLINGS
    batch: list[tuple[Node, list["TacticSuggestion"]]] = []
    for node in preferred:
        while node.width < cap:
            node.width = min(cap, 2 * node.width)
            [proposed] = propose(policy, env, [node], node.width, source, meter)
            new = diversify([s for s in proposed if is_usable_tactic(s.tactic) and s.tactic not in node.tried],
                            max_same_head)
            if new:
                batch.append((node, new))
                break
        if len(batch) == count:
            break
    return batch
