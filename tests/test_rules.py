"""The rule-based prior policy, the heuristic critic, and the goal/statement scanners (no Lean)."""

from __future__ import annotations

import math

import pytest

from lean_prover.prover.critic import ShapeCritic
from lean_prover.prover.models import load_critic, load_policy
from lean_prover.prover.prior import PriorPolicy, prior_scores
from lean_prover.prover.statement import (StatementError, goal_text, parse_goal, parse_statement, replace_identifier,
                              split_top)


def tactics(state: str, k: int = 8) -> list[str]:
    return [s.tactic for s in PriorPolicy().suggest([state], k)[0]]


def test_default_backend_is_the_rule_prior():
    assert isinstance(load_policy(None), PriorPolicy)
    assert isinstance(load_policy({"backend": "rules"}), PriorPolicy)
    assert isinstance(load_critic(None), ShapeCritic)


@pytest.mark.parametrize("state", [
    "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q",
    "n : Nat\n⊢ n + 0 = n",
    "⊢ ∀ (xs : List Nat), xs ++ [] = xs",
    "p : Prop\n⊢ p",
    "",
])
@pytest.mark.parametrize("k", [1, 3, 8, 50])
def test_distribution_over_returned_k(state, k):
    suggestions = PriorPolicy().suggest([state], k)[0]
    assert 1 <= len(suggestions) <= k
    assert len({s.tactic for s in suggestions}) == len(suggestions)
    assert all(math.isfinite(s.logprob) and s.logprob <= 0 for s in suggestions)
    assert math.isclose(sum(math.exp(s.logprob) for s in suggestions), 1.0, rel_tol=1e-9)
    assert [s.logprob for s in suggestions] == sorted((s.logprob for s in suggestions), reverse=True)


def test_deterministic_and_batched():
    states = ["p q : Prop\nh : p ∧ q\n⊢ q ∧ p", "a b : Nat\nh : a ≤ b\n⊢ a < b + 1"]
    policy = PriorPolicy()
    assert policy.suggest(states, 6) == policy.suggest(states, 6)
    assert policy.suggest(states, 6) == [policy.suggest([s], 6)[0] for s in states]
    assert policy.suggest(states, 0) == [[], []]


def test_and_target_with_matching_hypotheses():
    found = tactics("p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q")
    assert found[0] == "exact ⟨hp, hq⟩"
    assert "constructor" in found and "refine ⟨?_, ?_⟩" in found


def test_iff_target():
    found = tactics("p q : Prop\nhpq : p → q\nhqp : q → p\n⊢ p ↔ q")
    assert found[:2] == ["exact ⟨hpq, hqp⟩", "constructor"]


def test_iff_is_split_before_and():
    # `p ∧ q ↔ q ∧ p` is an iff: its conjunctions are inside the sides
    found = tactics("p q : Prop\n⊢ p ∧ q ↔ q ∧ p")
    assert found[0] == "constructor" and "refine ⟨?_, ?_⟩" not in found


def test_intro_names_binders_and_premises():
    assert tactics("⊢ ∀ (n : Nat), n + 0 = n")[0] == "intro n"
    assert tactics("p q : Prop\n⊢ p → q → p")[0] == "intro hp hq"
    # `→` binds looser than `∧`: this is an implication, not a conjunction
    found = tactics("p q : Prop\n⊢ p ∧ q → q ∧ p")
    assert found[0] == "intro h" and "constructor" not in found
    # a name already in scope is not reused
    assert tactics("n : Nat\n⊢ ∀ n m : Nat, n + m = m + n")[0] == "intro n2 m"
    assert tactics("p : Prop\nhp : p\n⊢ p → p")[0] == "intro hp2"
    assert "intro x hx" in tactics("⊢ ∀ x ∈ [1, 2], x > 0")
    assert "intro hp" in tactics("p : Prop\n⊢ ¬p")


def test_or_target_and_hypotheses():
    found = tactics("p q : Prop\nhq : q\n⊢ p ∨ q", 10)
    assert found[0] == "exact Or.inr hq" and {"left", "right"} <= set(found)
    found = tactics("p q r : Prop\nh : p ∨ q\n⊢ r", 10)
    assert "rcases h with hp | hq" in found and "cases h" in found


def test_and_exists_hypotheses():
    found = tactics("p q : Prop\nh : p ∧ q\n⊢ q", 10)
    assert found[0] == "exact h.2" and "rcases h with ⟨hp, hq⟩" in found and "cases h" in found
    found = tactics("P : Nat → Prop\nh : ∃ x, P x\n⊢ ∃ y, P y", 10)
    assert "rcases h with ⟨x, hx⟩" in found


def test_exact_and_apply():
    assert tactics("p q : Prop\nh : p\n⊢ p")[0] == "exact h"
    found = tactics("p q r : Prop\nf : p → q → r\n⊢ r", 10)
    assert "apply f" in found


def test_contradiction_shapes():
    assert tactics("p : Prop\nh : False\n⊢ p")[0] == "contradiction"
    found = tactics("p q : Prop\nhp : p\nhn : ¬p\n⊢ q")
    assert found[0] == "exact absurd hp hn" and "contradiction" in found


def test_arithmetic_goals_prefer_omega_and_decide():
    assert tactics("a b : Nat\nh : a ≤ b\n⊢ a < b + 1")[0] == "omega"
    found = tactics("⊢ 2 + 2 = 4")
    assert found[:2] == ["omega", "decide"]
    assert "rfl" in found
    # a non-arithmetic goal does not rank omega first
    assert tactics("xs : List Nat\n⊢ xs.reverse.reverse = xs")[0] != "omega"


def test_induction_on_nat_and_list():
    found = tactics("n : Nat\n⊢ 2 * n = n + n", 12)
    assert any(t.startswith("induction n with\n| zero =>") and "| succ k ih =>" in t for t in found)
    assert "cases n" in found
    found = tactics("xs : List Nat\n⊢ xs.length = xs.reverse.length", 12)
    assert any(t.startswith("induction xs with\n| nil =>") for t in found) and "induction xs" in found


def test_true_target_and_case_tag():
    assert tactics("⊢ True")[0] == "trivial"
    state = "case succ\nk : Nat\nih : k + 0 = k\n⊢ k + 1 + 0 = k + 1"
    found = tactics(state, 12)
    assert "omega" in found and any(t.startswith("induction k") for t in found)


def test_scores_table_is_fixed():
    scores = prior_scores(parse_goal("p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"))
    assert scores["exact ⟨hp, hq⟩"] == 10 and scores["constructor"] == 6 and scores["simp"] == 3


def test_multiline_hypothesis_and_several_goals():
    state = ("case left\np q : Prop\nh :\n  p ∧\n    q\n⊢ p\n\ncase right\np q : Prop\nh : p ∧ q\n⊢ q")
    goal = parse_goal(state)
    assert goal.case == "left" and ("h", "p ∧ q") in goal.hypotheses and goal.target == "p"
    assert tactics(state)[0] == "exact h.1"


def test_shape_critic_in_unit_interval():
    critic = load_critic({"backend": "rules"})
    one = "p : Prop\nhp : p\n⊢ p"
    two = one + "\n\n" + one
    long = "\n".join(f"h{i} : {i} < {i + 1}" for i in range(200)) + "\n⊢ False"
    values = critic.score([one, two, long, ""])
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values[0] > values[1] > 0 and values[0] > values[2]


def test_parse_statement_and_goal_text():
    statement = parse_statement("theorem t {α : Type} [DecidableEq α] (p q : Prop) (hp : p) (xs : List α) : "
                                "p ∨ q := by sorry")
    assert statement.name == "t" and statement.target == "p ∨ q"
    assert statement.hypotheses()[:3] == [("α", "Type"), ("inst✝", "DecidableEq α"), ("p", "Prop")]
    assert goal_text(statement) == "α : Type\ninst✝ : DecidableEq α\np q : Prop\nhp : p\nxs : List α\n⊢ p ∨ q"
    assert parse_statement("example : 1 + 1 = 2").name == ""
    assert parse_statement("lemma l (h : (a : Nat) → a = a) : True").binders[0].type == "(a : Nat) → a = a"
    with pytest.raises(StatementError):
        parse_statement("def f : Nat := 1")
    with pytest.raises(StatementError):
        parse_statement("theorem t (p : Prop")


def test_precedence_aware_split_and_substitution():
    assert split_top("p ∧ q ↔ q ∧ p", "∧") is None
    assert split_top("p ∧ q ↔ q ∧ p", "↔") == ("p ∧ q", "q ∧ p")
    assert split_top("∀ x, p x ∧ q", "∧") is None
    assert split_top("a ∧ ∀ x, b ∨ c", "∨") is None
    assert replace_identifier("n + n' + xn + f.n + (n)", "n", "0") == "0 + n' + xn + f.n + (0)"
