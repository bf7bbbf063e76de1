"""Lean's suggestions (`exact?`, `rw?`, …) as candidates: the "Try this" parser, the rule that a
suggestion tactic never reaches a proof, and, on real Lean, a goal closable only by a library
lemma proved with a proof that names the lemma."""

from __future__ import annotations

import math

import pytest

from lean_prover.lean_env.suggestions import (SUGGESTION_TACTICS, Suggestion, SuggestionQuery, parse_try_this,
                                              query_suggestions)
from lean_prover.lean_env.tactic_guard import is_suggestion_tactic, is_usable_tactic, tactic_problem
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.search.cache import ProofCache
from lean_prover.search.candidates import CandidateSettings, lean_score, merge
from lean_prover.search.config import SearchConfig
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget


def test_try_this_forms():
    assert parse_try_this("Try this:\n  [apply] exact Nat.dvd_add h h2", "exact?") == [
        Suggestion("exact Nat.dvd_add h h2", "exact?", closes=True)]
    closing = parse_try_this("Try this:\n  [apply] rw [List.length_map]\n  -- no goals", "rw?")
    assert closing == [Suggestion("rw [List.length_map]", "rw?", closes=True)]
    partial = parse_try_this("Try this:\n  [apply] refine Nat.mod_lt a ?_\n  -- Remaining subgoals:\n  -- ⊢ 0 < b",
                             "apply?")
    assert partial == [Suggestion("refine Nat.mod_lt a ?_", "apply?", closes=False, leaves="⊢ 0 < b")]
    several = parse_try_this("Try these:\n  [apply] simp\n  [apply] simp only [Nat.gcd_self]\n  [apply] grind", "try?")
    assert [s.tactic for s in several] == ["simp", "simp only [Nat.gcd_self]", "grind"]
    assert [s.rank for s in several] == [0, 1, 2]
    assert parse_try_this("Try this: exact foo x", "exact?")[0].tactic == "exact foo x"  # older one-line form
    # Not a suggestion, or not writable in a proof: nothing.
    assert parse_try_this("found a partial proof, but the corresponding tactic failed:\n  (expose_names; refine X)",
                          "apply?") == []
    assert parse_try_this("Try this:\n  [apply] exact h a✝", "exact?") == []


def test_suggestion_tactics_never_enter_a_proof():
    """The tactic guard (the one filter of every candidate tactic) refuses suggestion tactics."""
    for tactic in (*SUGGESTION_TACTICS, "simp? [foo]", "simp?!", "intro x\nexact?", "apply? using h",
                   "show_term simp", "intro x; hint", "simp? says simp only [h]"):
        assert is_suggestion_tactic(tactic), tactic
        assert not is_usable_tactic(tactic) and "suggestion tactic" in tactic_problem(tactic), tactic
    for tactic in ("exact List.head?_cons", "exact List.head? xs", "rw [h]", "simp only [Nat.gcd_self]", "grind",
                   "exact h.1", "omega", "exact hint", "exact h -- exact?", 'show "exact?" = s'):
        assert not is_suggestion_tactic(tactic), tactic
        assert is_usable_tactic(tactic), tactic


def test_merge_adds_suggestions_to_the_policy_width():
    policy = [TacticSuggestion("omega", -0.5), TacticSuggestion("simp", -1.5)]
    closing = Suggestion("exact Nat.le_of_dvd hn h", "exact?", closes=True)
    extra = [TacticSuggestion(closing.tactic, math.log(lean_score(closing)), "lean"),
             TacticSuggestion("simp", -0.2, "premises")]
    merged = merge(policy, extra)
    assert [s.tactic for s in merged] == ["exact Nat.le_of_dvd hn h", "simp", "omega"]
    assert merged[0].source == "lean" and merged[1].source == "premises"  # the better score keeps its source


def test_cache_keeps_suggestions_by_goal(tmp_path):
    cache = ProofCache(tmp_path / "c.db")
    goal = "n : Nat\n⊢ n.gcd n = n"
    assert cache.get_suggestions(goal, ("exact?",)) is None
    cache.put_suggestions(goal, ("exact?",), [Suggestion("exact Nat.gcd_self n", "exact?", closes=True)])
    assert cache.get_suggestions("n : Nat\n⊢   n.gcd n = n", ("exact?",))[0].tactic == "exact Nat.gcd_self n"
    assert cache.get_suggestions(goal, ("exact?", "rw?")) is None  # rw? was never asked
    cache.put_suggestions(goal, ("rw?",), [])
    assert [s.tactic for s in cache.get_suggestions(goal, ("exact?", "rw?"))] == ["exact Nat.gcd_self n"]


LIBRARY_GOAL = "theorem lib_le_of_dvd (n : Nat) (hn : 0 < n) (m : Nat) (h : m ∣ n) : m ≤ n"


def test_query_suggestions_batches_theorems_and_paths(toolchain):
    le = Theorem.from_statement(LIBRARY_GOAL)
    maps = Theorem.from_statement(
        "theorem lib_map (xs : List Nat) (n : Nat) : ∀ k : Nat, (xs.map (· + n)).length + k = xs.length + k")
    queries = [SuggestionQuery(le, (), "exact?"), SuggestionQuery(maps, ("intro k",), "rw?"),
               SuggestionQuery(maps, ("exact no_such_lemma",), "exact?")]
    answers, runs = query_suggestions(toolchain, queries, heartbeats=400_000)
    assert runs == 1  # one Lean process for all queries
    assert answers[0].suggestions[0] == Suggestion("exact Nat.le_of_dvd hn h", "exact?", closes=True)
    assert answers[0].goals.endswith("⊢ m ≤ n")
    assert "rw [List.length_map]" in [s.tactic for s in answers[1].suggestions if s.closes]
    assert answers[1].goals.startswith("xs : List Nat\nn k : Nat")
    assert answers[2].suggestions == [] and "no_such_lemma" in answers[2].detail


class AskingPolicy:
    """A policy that proposes the suggestion tactics themselves: they must never be probed."""

    def suggest(self, states, k):
        return [[TacticSuggestion("exact?", -0.1), TacticSuggestion("apply?", -0.2)] for _ in states]


@pytest.mark.parametrize("algorithm", ["mcts"])
def test_library_lemma_goal_is_proved_with_a_named_lemma(toolchain, tmp_path, algorithm):
    theorem = Theorem.from_statement(LIBRARY_GOAL)
    config = SearchConfig(algorithm=algorithm, width=4, budget=Budget(8, 3, 900.0))
    cache = ProofCache(tmp_path / "cache.db")
    # Without Lean's suggestions, a policy that only asks `exact?` gets nothing through.
    bare = SearchProver(toolchain, AskingPolicy(), config, tactic_timeout_s=600)
    assert bare.prove(theorem).status == "not_proved"
    # With them (asked in the search: no first pass), the concrete tactic is probed and proves it.
    prover = SearchProver(toolchain, AskingPolicy(), config, cache=cache, tactic_timeout_s=600,
                    candidates=CandidateSettings(("exact?",), suggestion_depth=0))
    attempt = prover.prove(theorem)
    assert attempt.status == "proved", attempt
    assert "Nat.le_of_dvd" in attempt.proof and not any(is_suggestion_tactic(t) for t in attempt.tactics)
    assert attempt.lean_calls == 2  # the suggestion run and the probe run
    assert any(entry["source"] == "lean" and entry["verdict"] == "proved" for entry in attempt.trace)
    assert cache.stats()["suggestions"] == 1  # the root goal's answer is kept for later runs


def test_candidate_source_bounds_the_states_it_asks(monkeypatch):
    """Which states get asked (depth, per-search count), one Lean run per expansion, memory hits
    asked never again (a fake answers in place of Lean: this tests the bookkeeping only)."""
    from types import SimpleNamespace

    from lean_prover.lean_env.suggestions import SuggestionAnswer
    from lean_prover.search import candidates as module
    from lean_prover.search.candidates import CandidateSource, SuggestionMemory

    asked: list[list[tuple[str, ...]]] = []

    def fake_query(toolchain, queries, **_options):
        asked.append([q.path for q in queries])
        return [SuggestionAnswer([Suggestion(f"exact lemma_{len(q.path)}", q.tactic, closes=True)], goals="g")
                for q in queries], 1

    monkeypatch.setattr(module, "query_suggestions", fake_query)
    memory = SuggestionMemory()
    memory.put("known goal", [Suggestion("rw [Nat.add_comm]", "rw?", rank=0)])
    source = CandidateSource(CandidateSettings(("exact?",), suggestion_depth=1, suggestion_states=2), None,
                             Theorem.from_statement("theorem t : True"), memory)

    def node(goals, path):
        return SimpleNamespace(outcome=SimpleNamespace(goals=goals, handle=SimpleNamespace(tactics=path)),
                               depth=len(path))

    extra, runs = source.extra([node("known goal", ()), node("a", ("intro x",)), node("b", ("intro x", "cases x"))])
    assert runs == 1 and asked == [[("intro x",)]]  # the known goal from memory, the depth-2 state not asked
    assert [s.tactic for s in extra[0]] == ["rw [Nat.add_comm]"] and extra[0][0].source == "lean"
    assert extra[1][0].tactic == "exact lemma_1" and extra[1][0].logprob == math.log(0.9)
    assert extra[1][0].premises == () and extra[2] == []
    extra, runs = source.extra([node("a", ("intro x",)), node("c", ("constructor",)), node("d", ("left",))])
    assert runs == 1 and asked[-1] == [("constructor",)]  # "a" remembered; the second state used the last ask
    assert extra[0][0].tactic == "exact lemma_1" and extra[2] == []
