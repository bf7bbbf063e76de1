"""Best-first search (BFS-Prover style), optionally guided by a critic.

Priority of a state = cumulative tactic log-probability / depth**depth_exponent, minus the
shape penalty of :mod:`search.heuristics`; with a critic it is mixed with log(value) by
`critic_weight`. The best `nodes_per_call` states are expanded together so that all their
candidate tactics go to Lean in one batch.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.search.candidates import CandidateSource, propose
from lean_prover.search.config import SearchConfig
from lean_prover.search.heuristics import diversify, shape_penalty
from lean_prover.search.tree import Node, SearchTree
from lean_prover.search.types import BudgetMeter, ProbeEnv, Progress, SearchResult

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy


def best_first_search(
    env: ProbeEnv, policy: Policy, config: SearchConfig, critic: Critic | None = None,
    progress: Progress | None = None, source: CandidateSource | None = None,
) -> SearchResult:
    """Search for a proof from `env.root()`; stops at the first proof or when the budget is spent.
    `source` adds Lean's suggestions and premise candidates to the policy's (search.candidates)."""
    meter = BudgetMeter(config.budget)
    tree = SearchTree(env.root())
    use_critic = critic is not None and config.algorithm == "critic-bfs"
    if use_critic:
        tree.root.value = critic.score([tree.root.outcome.goals])[0]
    frontier: list[tuple[float, int, Node]] = [(0.0, 0, tree.root)]
    while frontier:
        if (reason := meter.exhausted()) is not None:
            return tree.result(False, [], meter, reason)
        batch = [heapq.heappop(frontier)[2] for _ in range(min(config.nodes_per_call, len(frontier)))]
        suggestions = propose(policy, env, batch, config.width, source, meter)
        pairs, origins = [], []
        for node, proposed in zip(batch, suggestions):
            node.expanded = True
            for suggestion in diversify([s for s in proposed if is_usable_tactic(s.tactic)], config.heuristics.max_same_head):
                pairs.append((node.outcome, suggestion.tactic))
                origins.append((node, suggestion))
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
