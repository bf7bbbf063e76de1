"""Monte-Carlo tree search with PUCT selection.

Selection: argmax over children of Q + c · P · sqrt(N_parent) / (1 + N_child), where P is the
policy's probability of the tactic normalised over its siblings and Q the mean backed-up value.
Expansion: the policy's tactics for a leaf are all probed in one Lean batch (several leaves
per batch, kept apart by a virtual loss). Evaluation: the critic's value of each new state
(0.5 without a critic); a proof is worth 1 and ends the search; a leaf with no usable child is
dead (value 0) and never selected again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.search.candidates import CandidateSource, propose
from lean_prover.search.config import SearchConfig
from lean_prover.search.heuristics import diversify
from lean_prover.search.tree import Node, SearchTree
from lean_prover.search.types import BudgetMeter, ProbeEnv, Progress, SearchResult

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy

_VIRTUAL_LOSS = 1


def mcts_search(
    env: ProbeEnv, policy: Policy, config: SearchConfig, critic: Critic | None = None,
    progress: Progress | None = None, source: CandidateSource | None = None,
) -> SearchResult:
    """Search for a proof from `env.root()` with PUCT; stops at the first proof or when the budget is spent.
    `source` adds Lean's suggestions and premise candidates to the policy's (search.candidates)."""
    meter = BudgetMeter(config.budget)
    tree = SearchTree(env.root())
    while True:
        if (reason := meter.exhausted()) is not None:
            return tree.result(False, [], meter, reason)
        leaves = _select_leaves(tree.root, config)
        if not leaves:
            return tree.result(False, [], meter, "exhausted")
        suggestions = propose(policy, env, leaves, config.width, source, meter)
        pairs, origins = [], []
        for leaf, proposed in zip(leaves, suggestions):
            leaf.expanded = True
            kept = diversify([s for s in proposed if is_usable_tactic(s.tactic)], config.heuristics.max_same_head)
            total = sum(math.exp(s.logprob) for s in kept) or 1.0
            for suggestion in kept:
                pairs.append((leaf.outcome, suggestion.tactic))
                origins.append((leaf, suggestion, math.exp(suggestion.logprob) / total))
        meter.expansions += len(leaves)
        outcomes = env.probe(pairs) if pairs else []
        meter.lean_calls += 1 if pairs else 0
        meter.probes += len(pairs)
        fresh: list[Node] = []
        for (leaf, suggestion, prior), outcome in zip(origins, outcomes):
            verdict, child = tree.place(leaf, suggestion, outcome)
            if verdict == "proved":
                return tree.result(True, child.tactics(), meter, "proved")
            if verdict == "new":
                child.prior = prior
                fresh.append(child)
        if critic is not None and fresh:
            for node, value in zip(fresh, critic.score([n.outcome.goals for n in fresh])):
                node.value = value
        for leaf in leaves:
            _undo_virtual_loss(leaf)
            children = [c for c in leaf.children if not c.dead]
            if not children:
                _mark_dead(leaf)
                _backup(leaf, 0.0)
            else:
                _backup(leaf, max(c.value for c in children))
        if progress:
            progress(meter)


def _select_leaves(root: Node, config: SearchConfig) -> list[Node]:
    """Up to `nodes_per_call` distinct unexpanded leaves, chosen by PUCT with a virtual loss."""
    leaves: list[Node] = []
    for _ in range(config.nodes_per_call):
        node = root
        while node.expanded:
            live = [c for c in node.children if not c.dead and c not in leaves]
            if not live:
                break
            node = max(live, key=lambda c: _puct(node, c, config.exploration))
        if node.expanded or node.dead or node in leaves:
            break
        leaves.append(node)
        _apply_virtual_loss(node)
    return leaves


def _puct(parent: Node, child: Node, c: float) -> float:
    q = child.value_sum / child.visits if child.visits else child.value
    return q + c * child.prior * math.sqrt(parent.visits + 1) / (1 + child.visits)


def _mark_dead(node: Node | None) -> None:
    """A node with no live child is dead, and so is each ancestor left with none."""
    while node is not None and not any(not c.dead for c in node.children):
        node.dead = True
        node = node.parent


def _apply_virtual_loss(node: Node | None) -> None:
    while node is not None:
        node.visits += _VIRTUAL_LOSS
        node = node.parent


def _undo_virtual_loss(node: Node | None) -> None:
    while node is not None:
        node.visits -= _VIRTUAL_LOSS
        node = node.parent


def _backup(node: Node | None, value: float) -> None:
    while node is not None:
        node.visits += 1
        node.value_sum += value
        node = node.parent
