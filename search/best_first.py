"""Best-first search (BFS-Prover style), optionally guided by a critic.

Priority of a state = cumulative tactic log-probability / depth**depth_exponent, minus the
shape penalty of :mod:`search.heuristics`; with a critic it is mixed with log(value) by
`critic_weight`. The best `nodes_per_call` states are expanded together so that all their
candidate tactics go to Lean in one batch. When no state is left to expand and budget remains,
the search widens (:mod:`search.widening`): it asks again, wider, at the states it expanded.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

from lean_prover.search.candidates import CandidateSource, propose
from lean_prover.search.config import SearchConfig
from lean_prover.search.heuristics import shape_penalty
from lean_prover.search.tree import Node, SearchTree
from lean_prover.search.types import BudgetMeter, ProbeEnv, Progress, SearchResult
from lean_prover.search.widening import first_batch, widen

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy


def best_first_search(
    env: ProbeEnv, policy: Policy, config: SearchConfig, critic: Critic | None = None,
    progress: Progress | None = None, source: CandidateSource | None = None,
) -> SearchResult:
    """Search for a proof from `env.root()`; stops at the first proof, when the budget is spent,
    or when no state is left to expand and widening finds nothing new. `source` adds Lean's
    suggestions and premise candidates to the policy's (search.candidates)."""
    meter = BudgetMeter(config.budget)
    tree = SearchTree(env.root())
    use_critic = critic is not None and config.algorithm == "critic-bfs"
    if use_critic:
        tree.root.value = critic.score([tree.root.outcome.goals])[0]
    frontier: list[tuple[float, int, Node]] = [(0.0, 0, tree.root)]
    max_same_head = config.heuristics.max_same_head
    while True:
        if (reason := meter.exhausted()) is not None:
            return tree.result(False, [], meter, reason)
        if frontier:
            nodes = [heapq.heappop(frontier)[2] for _ in range(min(config.nodes_per_call, len(frontier)))]
            suggestions = propose(policy, env, nodes, config.width, source, meter)
            batch = [(node, first_batch(node, proposed, config.width, max_same_head))
                     for node, proposed in zip(nodes, suggestions)]
        else:  # nothing left to expand: ask again, wider, where the search has been (search.widening)
            preferred = sorted((n for n in tree.nodes if n.expanded), key=lambda n: -_priority(n, config, use_critic))
            batch = widen(policy, env, preferred, config.nodes_per_call, config.width, source, meter, max_same_head)
            if not batch:
                break
        pairs = [(node.outcome, suggestion.tactic) for node, kept in batch for suggestion in kept]
        origins = [(node, suggestion) for node, kept in batch for suggestion in kept]
        meter.expansions += len(batch)
        if not pairs:
            continue
        outcomes = env.probe(pairs)
        meter.lean_calls += 1
        meter.probes += len(pairs)
        new_nodes: list[Node] = []
        for (parent, suggestion), outcome in zip(origins, outcomes):
            verdict, child = tree.place(parent, suggestion, outcome)
            if verdict == "proved":
                return tree.result(True, child.tactics(), meter, "proved")
            if verdict == "new":
                new_nodes.append(child)
        if use_critic and new_nodes:
            for node, value in zip(new_nodes, critic.score([n.outcome.goals for n in new_nodes])):
                node.value = value
        for node in new_nodes:
            heapq.heappush(frontier, (-_priority(node, config, use_critic), node.id, node))
        if progress:
            progress(meter)
    return tree.result(False, [], meter, "exhausted")


def _priority(node: Node, config: SearchConfig, use_critic: bool) -> float:
    score = node.logprob_sum / (node.depth ** config.depth_exponent if node.depth else 1.0)
    score -= shape_penalty(node.outcome.num_goals, node.outcome.goals, config.heuristics)
    if use_critic:
        score = (1 - config.critic_weight) * score + config.critic_weight * math.log(max(node.value, 1e-6))
    return score
