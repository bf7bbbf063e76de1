"""Library lemmas read as patterns: their signatures, their application, and how they fit a goal."""

from __future__ import annotations

from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.premise_match import (CONCLUSION, EXACT, NONE, REWRITE, conclusion, fit, goal_words,
                                              is_value_type, lemma_application, lemma_shape,
                                              premises_and_conclusion)

GCD_EQ_LEFT = "Nat.gcd_eq_left {m n : Nat} (H : m ∣ n) : m.gcd n = m"
DVD_ANTISYMM = "Nat.dvd_antisymm {m n : Nat} : m ∣ n → n ∣ m → m = n"
ADD_MUL_DIV_LEFT = "Nat.add_mul_div_left (x z : Nat) {y : Nat} (H : 0 < y) : (x + y * z) / y = x / y + z"


def fits(statement: str, state: str) -> int:
    return fit(lemma_shape(statement), goal_words(state))


def test_signatures_are_read_as_premises_conclusion_and_application():
    assert conclusion("Nat.le_of_dvd {m n : Nat} (h : 0 < n) : m ∣ n → m ≤ n") == "m ≤ n"
    assert premises_and_conclusion("∀ {a b : Nat}, a ∣ b → b ∣ a → a = b") == (["a", "b"], ["a ∣ b", "b ∣ a"], "a = b")
    assert lemma_application(ADD_MUL_DIV_LEFT) == "Nat.add_mul_div_left _ _ (by assumption)"
    assert lemma_application(DVD_ANTISYMM) == "Nat.dvd_antisymm (by assumption) (by assumption)"  # `→` premises too
    assert lemma_application("Function.injective_id.{u_1} {α : Sort u_1} : Function.Injective id") == \
        "Function.injective_id"  # universe parameters are not part of the name
    assert lemma_application("not a signature") is None
    assert is_value_type("Nat → Nat") and is_value_type("List α") and is_value_type("α")
    assert not is_value_type("a ∣ b") and not is_value_type("Function.Injective f")


def test_a_lemma_fits_a_goal_it_closes_concludes_or_rewrites():
    assert fits(GCD_EQ_LEFT, "a b : Nat\nh : a ∣ b\n⊢ a.gcd b = a") == EXACT  # field notation on both sides
    assert fits(GCD_EQ_LEFT, "a b : Nat\nh : a ∣ b\n⊢ Nat.gcd a b = a") == EXACT  # as a statement writes it
    assert fits(GCD_EQ_LEFT, "a b : Nat\n⊢ a.gcd b = a") == CONCLUSION  # its hypothesis is not a local
    assert fits(GCD_EQ_LEFT, "a b : Nat\nh : a ∣ b\n⊢ a.gcd b = b") == NONE  # `m` must match the same text twice
    assert fits(DVD_ANTISYMM, "a b : Nat\nh1 : a ∣ b\nh2 : b ∣ a\n⊢ a = b") == EXACT
    assert fits(ADD_MUL_DIV_LEFT, "a b : Nat\nhb : 0 < b\n⊢ (a + b * 5) / b = a / b + 5") == EXACT
    add_comm = "Nat.add_comm (n m : Nat) : n + m = m + n"
    assert fits(add_comm, "a b : Nat\n⊢ a * b + 1 = 1 + a * b") == EXACT  # `n` stands for `a * b`
    mul_comm = "Nat.mul_comm (n m : Nat) : n * m = m * n"
    assert fits(mul_comm, "a b : Nat\n⊢ a + b * 1 = 1 * b + a") == NONE  # `n * m` is not `a + b * 1`
    length_append = "List.length_append.{u} {α : Type u} {as bs : List α} : (as ++ bs).length = as.length + bs.length"
    assert fits(length_append, "xs ys : List Nat\n⊢ (xs ++ ys).length + 0 = ys.length + xs.length") == REWRITE
    assert fits(add_comm, "a b : Nat\n⊢ (a + b) * 2 = 0") == NONE  # `n + m` is too general to count as a rewrite
    assert goal_words("no goal here") is None


def test_fitting_lemmas_come_first_and_close_the_goal_in_real_lean(toolchain, nat_premise_index):
    """Real Lean, a real premise index: among the gcd lemmas BM25 does not rank `Nat.gcd_eq_left`
    first for `Nat.gcd a b = a`; ordered by fit it is first, the premise candidates hold `exact
    Nat.gcd_eq_left (by assumption)`, and a search with one retrieved premise and the prior
    proves the theorem with a proof that names the lemma."""
    from lean_prover.prover.premises import PremiseRetriever, premise_tactics
    from lean_prover.prover.prior import PriorPolicy
    from lean_prover.search.candidates import CandidateSettings
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.types import Budget

    retriever = PremiseRetriever(nat_premise_index)
    state = "a b : Nat\nh : a ∣ b\n⊢ a.gcd b = a"
    assert retriever.retrieve(state, 1, reranked=0)[0].premise.name != "Nat.gcd_eq_left"
    [best] = retriever.retrieve(state, 1)
    assert best.premise.name == "Nat.gcd_eq_left" and best.fit == EXACT
    assert premise_tactics([best])[0][0] == "exact Nat.gcd_eq_left (by assumption)"
    theorem = Theorem.from_statement("theorem gcd_of_dvd (a b : Nat) (h : a ∣ b) : Nat.gcd a b = a")
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(width=1, budget=Budget(3, 2, 900.0)),
                          tactic_timeout_s=900, candidates=CandidateSettings(premises=1), retriever=retriever)
    [attempt] = prover.prove_all([theorem])
    assert attempt.status == "proved", attempt
    assert "Nat.gcd_eq_left" in attempt.proof and "?" not in attempt.proof
