"""Training data that teaches lemmas: steps keep where their tactic came from and the premises
it names; the theorem pool takes a fresh slice of library lemmas each round."""

from __future__ import annotations

from lean_prover.lean_env.library_index import Premise
from lean_prover.training.curriculum import index_lemma_names
from lean_prover.lean_env.suggestions import library_names
from lean_prover.training.data import Step, steps_from_trace


def test_steps_keep_tactic_source_and_premises():
    trace = [
        {"parent": 0, "tactic": "intro n", "verdict": "new", "child": 1, "goals": "n : Nat\n⊢ n.gcd n = n",
         "source": "policy", "premises": []},
        {"parent": 1, "tactic": "exact Nat.gcd_self n", "verdict": "proved", "child": 2, "goals": "",
         "source": "lean", "premises": []},
    ]
    steps = steps_from_trace(trace, "⊢ ∀ n : Nat, n.gcd n = n", "t")
    assert [(s.tactic_source, s.premises) for s in steps] == [("policy", ()), ("lean", ("Nat.gcd_self",))]
    assert Step.from_dict(steps[1].to_dict()) == steps[1]
    old = {"state": "s", "tactic": "omega", "theorem": "t"}  # a step file written before these fields
    assert Step.from_dict(old).tactic_source == "policy" and Step.from_dict(old).premises == ()
    assert library_names("rw [List.length_append, h.1]; exact (Nat.lt_iff_le_and_ne.mpr ⟨a, b⟩)") == [
        "List.length_append", "Nat.lt_iff_le_and_ne"]


def test_pool_takes_new_library_lemmas_each_round():
    premises = [Premise(f"Nat.lemma_{i}", "Init.Data.Nat.Basic", f"Nat.lemma_{i} (n : Nat) : n + {i} = {i} + n")
                for i in range(30)]
    premises += [Premise("Std.HashMap.long", "Std.Data.HashMap.Lemmas", "Std.HashMap.long : True"),
                 Premise("Nat.unreadable", "Init.Data.Nat.Basic", "Nat.unreadable (x✝ : Nat) : x✝ = x✝"),
                 Premise("and_comm'", "Init.Core", "and_comm' {a b : Prop} : a ∧ b ↔ b ∧ a")]
    rounds = [index_lemma_names(premises, r, 10) for r in (1, 2, 3)]
    assert all(len(names) == 10 for names in rounds)
    assert len(set(rounds[0]) | set(rounds[1]) | set(rounds[2])) == 30  # disjoint slices
    every = {n for names in rounds for n in names} | set(index_lemma_names(premises, 4, 10))
    assert "Std.HashMap.long" not in every and "Nat.unreadable" not in every and "and_comm'" in every
    assert index_lemma_names(premises, 1, 10) == rounds[0]  # deterministic


def test_related_pool_lemmas_are_those_retrieval_finds_for_the_training_statements(nat_premise_index):
    """A real premise index: for training statements about gcd and divisibility the pool's first
    lemmas are the ones that close such goals, each round's slice is new, and only lemmas the
    pool may restate are taken."""
    from lean_prover.prover.premises import PremiseRetriever
    from lean_prover.training.curriculum import related_lemma_names

    retriever = PremiseRetriever(nat_premise_index)
    statements = ["theorem a (x y : Nat) (h : x ∣ y) : Nat.gcd x y = x",
                  "theorem b (x y : Nat) (h1 : x ∣ y) (h2 : y ∣ x) : x = y",
                  "theorem broken (x : Nat) : ("]  # does not parse: skipped
    first, second = (related_lemma_names(retriever, statements, r, 3) for r in (1, 2))
    assert {"Nat.gcd_eq_left", "Nat.dvd_antisymm"} <= set(first)  # they close a training goal: first
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    assert all(nat_premise_index.get(name).module.startswith("Init.") for name in first + second)
    assert related_lemma_names(retriever, statements, 1, 3) == first  # deterministic
    skipping = related_lemma_names(retriever, statements, 1, 3, skip={"Nat.gcd_eq_left"})  # a benchmark restates it
    assert "Nat.gcd_eq_left" not in skipping and len(skipping) == 3 and "Nat.dvd_antisymm" in skipping
