"""Hierarchical decomposition on real Lean: a conjunction the direct search cannot prove whole
is split by a planner sketch, its parts are proved separately and the assembly re-checks."""

from __future__ import annotations

from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.goals import Goal, Hypothesis
from lean_prover.prover.planner import HaveStep, Sketch
from lean_prover.prover.prior import PriorPolicy
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import SearchConfig
from lean_prover.search.decompose import (Decomposer, assemble, decomposition_score, goal_complexity, open_tactics,
                              piece_theorem, subgoal_goals)
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget


def test_conjunction_proved_by_parts_and_rechecked(toolchain, tmp_path):
    # width 1 and one Lean call: the direct search can only try `constructor` on the whole goal,
    # while each conjunct falls to `omega` on its own.
    cache = ProofCache(tmp_path / "cache.db")
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(width=1, budget=Budget(max_lean_calls=1)), cache=cache)
    theorem = Theorem.from_statement("theorem conj_parts (a b : Nat) (h : a ≤ b) : a < b + 1 ∧ b + 0 = b")
    attempt = Decomposer(prover, max_depth=1).prove(theorem)
    report = attempt.decomposition
    assert report["direct"] == "lean_calls"  # the direct search ran out of budget
    assert attempt.status == "proved" and attempt.stop_reason == "decomposed", report
    used = [s for s in report["sketches"] if s.get("rechecked")]
    assert len(used) == 1 and used[0]["origin"] == "split-and"
    pieces = used[0]["pieces"]
    assert [p["status"] for p in pieces] == ["proved", "proved"]
    assert [p["statement"] for p in pieces] == ["a < b + 1", "b + 0 = b"]
    assert "have h1 : a < b + 1 := by" in attempt.proof and "exact ⟨h1, h2⟩" in attempt.proof
    assert attempt.lean_calls >= 3  # the split probe and one search call per piece
    # both pieces and the assembled proof are cached; the direct failure record is cleared
    assert cache.stats() == {"proofs": 3, "failures": 0, "suggestions": 0}


def test_score_prefers_real_splits():
    parent = "a < b + 1 ∧ b + 0 = b"
    split = Sketch((HaveStep("h1", "a < b + 1"), HaveStep("h2", "b + 0 = b")), "exact ⟨h1, h2⟩", (), "split-and")
    restate = Sketch((HaveStep("h1", f"a = 0 → {parent}"),), "exact h1 rfl", (), "lm")
    assert goal_complexity("∀ n, n = n") > goal_complexity("n = n")
    assert 0 < decomposition_score(parent, split) < 1
    assert decomposition_score(parent, restate) < 0 < decomposition_score(parent, split)


def test_subgoals_matched_by_earlier_haves_and_stated():
    sketch = Sketch((HaveStep("h1", "p"), HaveStep("h2", "q")), "exact ⟨h1, h2⟩", ("hp",), "split-and")
    assert open_tactics(sketch) == ["intro hp", "have h1 : p := ?_", "have h2 : q := ?_", "exact ⟨h1, h2⟩"]
    assert assemble(sketch, ["by\n  exact hp", "by\n  trivial"])[1] == "have h1 : p := by\n  exact hp"
    first = Goal(None, [Hypothesis(["p", "q"], "Prop"), Hypothesis(["inst✝"], "Inhabited Nat")], "p")
    second = Goal(None, [Hypothesis(["p", "q"], "Prop"), Hypothesis(["h1"], "p"), Hypothesis(["a✝"], "q")], "q")
    assert subgoal_goals(sketch, [second, first]) == [first, second]  # Lean's order is not the sketch's
    assert subgoal_goals(sketch, [first]) is None
    parent = Theorem("t", "theorem t (p q : Prop) : p ∧ q", "open Nat")
    piece = piece_theorem(parent, "t_piece2", second)
    assert piece.statement == "theorem t_piece2 (p q : Prop) (h1 : p) (a_2 : q) : q"
    assert piece_theorem(parent, "x", first).statement == "theorem x (p q : Prop) [Inhabited Nat] : p"
    assert piece.context == "open Nat"
    assert piece_theorem(parent, "x", Goal(None, [Hypothesis(["n"], "Nat", "3")], "n = 3")) is None
