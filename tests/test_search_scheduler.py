"""The search algorithms' bookkeeping in isolation, over a scripted stand-in for Lean.

The stand-in is a fixed graph of states: it checks the schedulers (priorities, dedup, budgets,
dead ends), never a proof. Proof search on real Lean is tested in tests/test_prove.py.
"""

from __future__ import annotations

import pytest

from lean_prover.prover.policy import TacticSuggestion as Suggestion
from lean_prover.search.best_first import best_first_search
from lean_prover.search.config import SearchConfig
from lean_prover.search.mcts import mcts_search
from lean_prover.search.types import Budget, Outcome

# state -> {tactic: next state | "PROVED" | "ERROR"}
GRAPH = {
    "s0": {"a": "s1", "b": "s2", "loop": "s0", "sorry": "PROVED"},
    "s1": {"a": "s0", "c": "ERROR"},
    "s2": {"d": "s3", "e": "s3"},
    "s3": {"finish": "PROVED"},
}


class ScriptedPolicy:
    """Suggests the graph's tactics for a state, `a` first (the misleading branch)."""

    def suggest(self, states, k):
        return [[Suggestion(t, -0.1 * i) for i, t in enumerate(GRAPH.get(s, {}))][:k] for s in states]


class ScriptedEnv:
    def __init__(self):
        self.batches: list[list[tuple[str, str]]] = []

    def root(self):
        return Outcome("state", key="s0", goals="s0", num_goals=1)

    def probe(self, pairs):
        self.batches.append([(state.key, tactic) for state, tactic in pairs])
        out = []
        for state, tactic in pairs:
            target = GRAPH[state.key].get(tactic, "ERROR")
            if target == "PROVED":
                out.append(Outcome("proved"))
            elif target == "ERROR":
                out.append(Outcome("error", message="tactic failed"))
            else:
                out.append(Outcome("state", key=target, goals=target, num_goals=1))
        return out


@pytest.mark.parametrize("search", [best_first_search, mcts_search])
def test_finds_proof_skipping_sorry_and_duplicates(search):
    env = ScriptedEnv()
    algorithm = "mcts" if search is mcts_search else "bfs"
    result = search(env, ScriptedPolicy(), SearchConfig(algorithm=algorithm, nodes_per_call=1))
    assert result.proved and result.tactics[0] == "b" and result.tactics[-1] == "finish"
    assert all(t != "sorry" for batch in env.batches for _, t in batch)  # never sent to Lean
    verdicts = [step["verdict"] for step in result.trace]
    assert "duplicate" in verdicts  # `loop` back to s0 and the second way into s3
    assert result.lean_calls == len(env.batches) and result.probes == sum(map(len, env.batches))


@pytest.mark.parametrize("search", [best_first_search, mcts_search])
def test_budget_stops_search(search):
    algorithm = "mcts" if search is mcts_search else "bfs"
    config = SearchConfig(algorithm=algorithm, nodes_per_call=1, budget=Budget(max_lean_calls=1))
    result = search(ScriptedEnv(), ScriptedPolicy(), config)
    assert not result.proved and result.stop_reason == "lean_calls" and result.lean_calls == 1


def test_dead_end_exhausts():
    class NoWayPolicy:
        def suggest(self, states, k):
            return [[Suggestion("c", 0.0)] for _ in states]
    for search, algorithm in ((best_first_search, "bfs"), (mcts_search, "mcts")):
        result = search(ScriptedEnv(), NoWayPolicy(), SearchConfig(algorithm=algorithm))
        assert not result.proved and result.stop_reason == "exhausted"


@pytest.mark.parametrize("search", [best_first_search, mcts_search])
def test_width_one_widens_where_it_has_been_instead_of_stopping(search):
    """At width 1 the misleading `a` leads back to the root and the frontier empties; the search
    asks the root again at width 2, probes only the new `b` there, and goes on to the proof."""
    env = ScriptedEnv()
    algorithm = "mcts" if search is mcts_search else "bfs"
    result = search(env, ScriptedPolicy(), SearchConfig(algorithm=algorithm, width=1, nodes_per_call=1))
    assert result.proved and result.tactics == ["b", "d", "finish"], result.trace
    assert env.batches[:3] == [[("s0", "a")], [("s1", "a")], [("s0", "b")]]  # the third: widened, `a` not again
    assert result.lean_calls == len(env.batches) == result.expansions == 5


def test_widening_spends_no_lean_call_when_nothing_is_new():
    class NoWayPolicy:
        def suggest(self, states, k):
            return [[Suggestion("c", 0.0)] for _ in states]
    for search, algorithm in ((best_first_search, "bfs"), (mcts_search, "mcts")):
        env = ScriptedEnv()
        result = search(env, NoWayPolicy(), SearchConfig(algorithm=algorithm, width=1))
        assert result.stop_reason == "exhausted" and result.lean_calls == len(env.batches) == 1


def test_unknown_algorithm_rejected():
    with pytest.raises(ValueError, match="unknown search algorithm"):
        SearchConfig(algorithm="dfs")
