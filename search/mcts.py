"""Monte-Carlo tree search with PUCT selection.

Selection: argmax over children of Q + c · P · sqrt(N_parent) / (1 + N_child), where P is the
policy's probability of the tactic normalised over its siblings and Q the mean backed-up value.
Expansion: the policy's tactics for a leaf are all probed in one Lean batch (several leaves
per batch, kept apart by a virtual loss). Evaluation: the critic's value of each new state
(0.5 without a critic); a proof is worth 1 and ends the search; a leaf with no usable child is
dead (value 0) and is not selected again. When every state is dead and budget remains, the
search widens (:mod:`search.widening`): dead states are asked again, wider, best value first,
and one that gains a live child is alive again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lean_prover.search.candidates import CandidateSource, propose
from lean_prover.search.config import SearchConfig
from lean_prover.search.tree import Node, SearchTree
from lean_prover.search.types import BudgetMeter, ProbeEnv, Progress, SearchResult
from lean_prover.search.widening import first_batch, widen

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy

_VIRTUAL_LOSS = 1


def mcts_search(
    env: ProbeEnv, policy: Policy, config: SearchConfig, critic: Critic | None = None,
    progress: Progress | None = None, source: CandidateSource | None = None,
) -> SearchResult:
    """Search for a proof from `env.root()` with PUCT; stops at the first proof, when the budget
    is spent, or when every state is dead and widening finds nothing new. `source` adds Lean's
    suggestions and premise candidates to the policy's (search.candidates)."""
    meter = BudgetMeter(config.budget)
    tree = SearchTree(env.root())
    max_same_head = config.heuristics.max_same_head
    while True:
        if (reason := meter.exhausted()) is not None:
            return tree.result(False, [], meter, reason)
        leaves = _select_leaves(tree.root, config)
        if leaves:
            suggestions = propose(policy, env, leaves, config.width, source, meter)
            batch = [(leaf, first_batch(leaf, proposed, config.width, max_same_head))
                     for leaf, proposed in zip(leaves, suggestions)]
        else:  # every state dead: ask again, wider, where the search has been (search.widening)
            preferred = sorted((n for n in tree.nodes if n.expanded), key=lambda n: (-n.value, n.depth, n.id))
            batch = widen(policy, env, preferred, config.nodes_per_call, config.width, source, meter, max_same_head)
            if not batch:
                return tree.result(False, [], meter, "exhausted")
        pairs, origins = [], []
        for node, kept in batch:
            total = sum(math.exp(s.logprob) for s in kept) or 1.0
            for suggestion in kept:
                pairs.append((node.outcome, suggestion.tactic))
                origins.append((node, suggestion, math.exp(suggestion.logprob) / total))
        meter.expansions += len(batch)
        outcomes = env.probe(pairs) if pairs else []
        meter.lean_calls += 1 if pairs else 0
        meter.probes += len(pairs)
        fresh: list[Node] = []
        for (node, suggestion, prior), outcome in zip(origins, outcomes):
            verdict, child = tree.place(node, suggestion, outcome)
            if verdict == "proved":
                return tree.result(True, child.tactics(), meter, "proved")
            if verdict == "new":
                child.prior = prior
                fresh.append(child)
        if critic is not None and fresh:
            for node, value in zip(fresh, critic.score([n.outcome.goals for n in fresh])):
                node.value = value
        for node, _ in batch:
            if leaves:
                _undo_virtual_loss(node)
            children = [c for c in node.children if not c.dead]
            if not children:
                _mark_dead(node)
                _backup(node, 0.0)
            else:
                _revive(node)
                _backup(node, max(c.value for c in children))
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


def _revive(node: Node | None) -> None:
    """A widened node with a live child is alive again, and so is each ancestor."""
    while node is not None and node.dead:
        node.dead = False
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
