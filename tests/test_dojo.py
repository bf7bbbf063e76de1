"""Tactic-level interaction on real Lean (file engine): states, errors, hashes, limits."""

from __future__ import annotations

import pytest

from lean_env.dojo import Dojo, LeanError, ProofFinished, TacticState, TacticTimeout, Theorem
from lean_env.verify import check_file


@pytest.fixture(scope="module")
def batch(toolchain):
    """One Dojo, one batch of probes on `p ∧ q` and on an induction goal (two Lean runs in all)."""
    theorem = Theorem.from_statement("theorem t (p q : Prop) (hp : p) (hq : q) (n : Nat) : p ∧ q ∧ n + 0 = n := by sorry")
    with Dojo(theorem, toolchain=toolchain) as (dojo, initial):
        results = dojo.run_tacs([
            (initial, "constructor"),
            (initial, "apply And.intro"),
            (initial, "exact hq"),
            (initial, "induction n with\n| zero => skip\n| succ k ih => skip"),
            (initial, "exact ⟨hp, hq, by simp⟩"),
            (initial, "sorry"),
        ])
        return {"dojo": dojo, "initial": initial, "results": results, "theorem": theorem}


def test_initial_state(batch):
    initial = batch["initial"]
    assert isinstance(initial, TacticState)
    assert initial.pp.endswith("⊢ p ∧ q ∧ n + 0 = n") and "hp : p" in initial.pp and len(initial.goals) == 1


def test_constructor_gives_two_goals_with_case_tags(batch):
    state = batch["results"][0]
    assert isinstance(state, TacticState) and len(state.goals) == 2
    assert state.goals[0].startswith("case left") and state.goals[1].startswith("case right")
    assert state.tactics == ("constructor",)


def test_duplicate_state_detected_by_hash(batch):
    constructor, apply_intro = batch["results"][:2]
    assert isinstance(apply_intro, TacticState) and apply_intro.hash == constructor.hash
    assert apply_intro.hash != batch["initial"].hash


def test_erroring_tactic(batch):
    error = batch["results"][2]
    assert isinstance(error, LeanError) and "mismatch" in error.error.lower()
    assert isinstance(batch["results"][5], LeanError) and "forbidden" in batch["results"][5].error


def test_induction_case_tags(batch):
    state = batch["results"][3]
    assert isinstance(state, TacticState)
    assert [g.split("\n")[0] for g in state.goals] == ["case zero", "case succ"]
    assert "ih :" in state.goals[1]


def test_proof_finished_rechecks(batch, tmp_path):
    finished = batch["results"][4]
    assert isinstance(finished, ProofFinished)
    path = tmp_path / "Finished.lean"
    path.write_text(batch["theorem"].lean_text(finished.script))
    assert check_file(batch["dojo"].engine.toolchain, path).status == "proved"


def test_multi_step_to_proof(batch):
    dojo, state = batch["dojo"], batch["results"][0]
    step = dojo.run_tac(state, "exact hp")
    assert isinstance(step, TacticState) and step.goals[0].startswith("case right")
    done = dojo.run_tacs([(step, "exact ⟨hq, by simp⟩")])[0]
    assert isinstance(done, ProofFinished) and done.tactics == ("constructor", "exact hp", "exact ⟨hq, by simp⟩")


def test_heartbeat_limit_is_a_timeout_for_that_pair_only(toolchain):
    theorem = Theorem.from_statement(
        "theorem big (a b c d : Nat) (h : a * b = c + d) (h2 : c ≤ d) : (a * b) * (a * b) ≥ 4 * c * c := by sorry")
    with Dojo(theorem, toolchain=toolchain, heartbeats=100) as (dojo, initial):
        slow, quick = dojo.run_tacs([(initial, "grind"), (initial, "skip")])
    assert isinstance(slow, TacticTimeout) and "heartbeats" in slow.detail
    assert isinstance(quick, TacticState)
