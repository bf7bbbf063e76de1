"""The search tree: nodes keyed by the goals they hold, and the trace written for inspection."""

from __future__ import annotations

from dataclasses import dataclass, field

from lean_prover.prover.policy import Policy, StepContext, TacticSuggestion, uses_context
from lean_prover.search.types import BudgetMeter, Outcome, ProbeEnv, SearchResult, StopReason, Verdict


@dataclass
class Node:
    """One proof state reached by a tactic path from the root."""

    id: int
    outcome: Outcome
    parent: "Node | None"
    tactic: str
    logprob_sum: float
    depth: int
    prior: float = 1.0  # policy probability of the tactic among its siblings (MCTS)
    value: float = 0.5  # critic's estimate
    visits: int = 0
    value_sum: float = 0.0
    children: list["Node"] = field(default_factory=list)
    expanded: bool = False
    dead: bool = False  # expanded and nothing usable came of it
    width: int = 0  # tactics asked of the policy at its last expansion (search.widening)
    tried: set[str] = field(default_factory=set)  # tactics probed on this state

    def tactics(self) -> list[str]:
        """The tactic path from the root to this node."""
        path, node = [], self
        while node is not None and node.parent is not None:
            path.append(node.tactic)
            node = node.parent
        return path[::-1]


class SearchTree:
    """All nodes of one search, with duplicate detection by goal key and a JSON trace."""

    def __init__(self, root: Outcome):
        self.nodes: list[Node] = []
        self.by_key: dict[str, Node] = {}
        self.trace: list[dict] = []
        self.root = self.add(root, None, "", 0.0)

    def add(self, outcome: Outcome, parent: Node | None, tactic: str, logprob: float) -> Node:
        """Create a node for `outcome` under `parent`."""
        node = Node(len(self.nodes), outcome, parent, tactic,
                    (parent.logprob_sum if parent else 0.0) + logprob, (parent.depth + 1) if parent else 0)
        self.nodes.append(node)
        if outcome.key:
            self.by_key.setdefault(outcome.key, node)
        if parent is not None:
            parent.children.append(node)
        return node

    def place(self, parent: Node, suggestion: TacticSuggestion, outcome: Outcome) -> tuple[Verdict, Node | None]:
        """Put a probe's outcome in the tree; returns its verdict and the node it produced.

        verdict: "proved" (a node ending the proof), "new" (a new state), "duplicate" (a state
        already in the tree: no new node) or the outcome's failure kind (error, timeout, crash).
        The trace keeps where the tactic came from (policy, Lean's suggestions, premises).
        """
        verdict: Verdict
        tactic, logprob = suggestion.tactic, suggestion.logprob
        parent.tried.add(tactic)
        if outcome.kind == "proved":
            verdict, child = "proved", self.add(outcome, parent, tactic, logprob)
        elif outcome.kind != "state":
            verdict, child = outcome.kind, None
        elif outcome.key in self.by_key:
            verdict, child = "duplicate", None
        else:
            verdict, child = "new", self.add(outcome, parent, tactic, logprob)
        self.record(parent, suggestion, outcome, verdict, self.by_key[outcome.key] if verdict == "duplicate" else child)
        return verdict, child

    def record(self, parent: Node, suggestion: TacticSuggestion, outcome: Outcome, verdict: Verdict,
               child: Node | None) -> None:
        """Append one probe to the trace (verdict: new / duplicate / proved / error / timeout / crash)."""
        self.trace.append({
            "parent": parent.id, "tactic": suggestion.tactic, "logprob": round(suggestion.logprob, 4),
            "verdict": verdict, "child": child.id if child else None,
            "goals": outcome.goals[:2000] if verdict == "new" else "", "message": outcome.message[:500],
            "source": suggestion.source, "premises": list(suggestion.premises),
        })

    def result(self, proved: bool, tactics: list[str], meter: BudgetMeter, reason: StopReason) -> SearchResult:
        """The search's result, with what the meter counted and this tree's trace."""
        return SearchResult(proved, tactics, meter.expansions, meter.lean_calls, meter.probes,
                            round(meter.elapsed(), 3), reason, self.trace)


def step_contexts(policy: Policy, env: ProbeEnv, nodes: list[Node]) -> list[StepContext] | None:
    """What a policy that sees more than the state sees of each node (the theorem's name, the
    tactic path to the node, its file's imports), or None for a policy that does not use it."""
    if not uses_context(policy):
        return None
    name, imported = getattr(env, "theorem_name", ""), tuple(getattr(env, "imports", ()))
    return [StepContext(name, tuple(node.tactics()), imported) for node in nodes]
