"""The premise index (enumerated by real Lean) and BM25 retrieval over it."""

from __future__ import annotations

import copy

from lean_prover.lean_env.library_index import Premise, PremiseIndex, parse_enumeration
from lean_prover.prover.premise_match import conclusion
from lean_prover.prover.premises import (TOKENIZER_VERSION, PremiseRetriever, augmented_state, goal_query,
                                         is_rewrite_rule, lean_tokens, premise_tactics, premises_named)

DVD_GOAL = "a b c : Nat\nh : a ∣ b\nh2 : a ∣ c\n⊢ a ∣ b + c"


def test_tokens_split_names_and_name_operators():
    assert lean_tokens("Nat.dvd_add {a b c : Nat} (h₁ : a ∣ b) : a ∣ b + c") == [
        "nat", "dvd", "add", "nat", "dvd", "dvd", "add"]
    assert lean_tokens("(xs ++ ys).length % 2 = 0") == ["xs", "append", "ys", "length", "mod", "two", "eq", "zero"]
    # The goal's own names (hypotheses, variables) are not query words; the target counts twice.
    assert goal_query("xs ys : List Nat\nhlen : xs.length = 2\n⊢ (xs ++ ys).length ≠ 0") == [
        "list", "nat", "length", "eq", "two", "append", "length", "ne", "zero", "append", "length", "ne", "zero"]


def test_statement_shapes_and_candidate_tactics():
    assert conclusion("Nat.le_of_dvd {m n : Nat} (h : 0 < n) : m ∣ n → m ≤ n") == "m ≤ n"
    assert conclusion("Nat.add_comm (n m : Nat) : n + m = m + n") == "n + m = m + n"
    assert is_rewrite_rule("Nat.add_comm (n m : Nat) : n + m = m + n")
    assert is_rewrite_rule("Nat.dvd_add_right {a b c : Nat} (h : a ∣ b) : a ∣ b + c ↔ a ∣ c")
    assert not is_rewrite_rule("Nat.le_of_dvd {m n : Nat} (h : 0 < n) : m ∣ n → m ≤ n")
    assert not is_rewrite_rule("Nat.ne_of_lt {a b : Nat} (h : a < b) : a ≠ b")
    index = PremiseIndex([Premise("Nat.le_of_dvd", "Init.Data.Nat.Dvd", "Nat.le_of_dvd {m n : Nat} (h : 0 < n) : m ∣ n → m ≤ n"),
                          Premise("Nat.add_comm", "Init.Data.Nat.Basic", "Nat.add_comm (n m : Nat) : n + m = m + n")],
                         {"Init.Data.Nat.Dvd": [], "Init.Data.Nat.Basic": []})
    retrieved = PremiseRetriever(index).retrieve("n m : Nat\nh : m ∣ n\n⊢ m ≤ n", 2)
    assert retrieved[0].premise.name == "Nat.le_of_dvd"
    tactics = [t for t, _score, _names in premise_tactics(retrieved)]
    assert tactics[0] == "apply Nat.le_of_dvd"
    assert premises_named("exact Nat.le_of_dvd hn (Nat.add_comm a b ▸ h)", index) == ["Nat.le_of_dvd", "Nat.add_comm"]
    augmented = augmented_state("⊢ m ≤ n", [p.premise for p in retrieved])
    assert augmented.endswith("<a>Nat.le_of_dvd</a> {m n : Nat} (h : 0 < n) : m ∣ n → m ≤ n\n\n⊢ m ≤ n")
    assert augmented_state("⊢ m ≤ n", [p.premise for p in retrieved], max_bytes=20) == "⊢ m ≤ n"


def test_enumeration_text_is_parsed():
    text = ("[DEBUG] noise\n@@premise-index-begin@@M\x1fInit.A\x1f Init.Prelude\x1eT\x1fA.t\x1fInit.A\x1f"
            "A.t (n : Nat) :\n  n = n\x1eM\x1fStd.B\x1f Init.A\x1e@@premise-index-end@@\n")
    index = parse_enumeration(text)
    assert [(p.name, p.statement) for p in index.premises] == [("A.t", "A.t (n : Nat) : n = n")]
    assert index.visible(["Std.B"]) >= {"Std.B", "Init.A", "Init.Prelude"}
    assert "Std.B" not in index.visible([])


def test_index_of_real_library_lists_known_lemmas(nat_premise_index, tmp_path):
    # Init's Nat modules only keep the test short; the default (every module of Init, Std, Lean)
    # runs the same code.
    index = copy.copy(nat_premise_index)  # `save` records its folder on the index
    assert index.get("Nat.dvd_add").statement == "Nat.dvd_add {a b c : Nat} (h₁ : a ∣ b) (h₂ : a ∣ c) : a ∣ b + c"
    assert index.get("Nat.dvd_add").module == "Init.Data.Nat.Dvd"
    assert index.get("Nat.add_comm").statement == "Nat.add_comm (n m : Nat) : n + m = m + n"
    assert index.get("Nat.le_of_dvd") is not None and len(index) > 300
    assert index.get("List.length_append") is None  # a module left out by `only`
    assert not any(p.name.startswith("_private") or ".match_" in p.name for p in index.premises)
    assert {"Init.Prelude", "Init.Data.List.Basic"} <= index.visible([])  # every module's imports are listed
    index.save(tmp_path / "index")
    loaded = PremiseIndex.load(tmp_path / "index")
    assert len(loaded) == len(index) and loaded.folder == tmp_path / "index"
    retriever = PremiseRetriever(loaded)
    assert retriever.retrieve(DVD_GOAL, 3)[0].premise.name == "Nat.dvd_add"
    assert (tmp_path / "index" / f"bm25-v{TOKENIZER_VERSION}").is_dir()  # BM25 kept beside the index
    assert PremiseRetriever(loaded).retrieve(DVD_GOAL, 1)[0].premise.name == "Nat.dvd_add"


def test_workers_building_the_same_caches_at_once_all_succeed(tmp_path):
    """`--workers N` and Ray actors on one machine build the index and its BM25 matrices into the
    same cache folders at the same moment: every writer must succeed and every reader see a whole
    folder (the scratch folders were once one shared `.partial` that writers deleted under each other)."""
    from concurrent.futures import ThreadPoolExecutor

    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    index = PremiseIndex([Premise(f"List.{w}_{v}", "Init.A", f"List.{w}_{v} (xs : List Nat) : xs.{w} = xs.{v}")
                          for w in words for v in words], {"Init.A": []})
    folder = tmp_path / "index"

    def build(_worker: int) -> str:
        PremiseIndex(index.premises, index.imports).save(folder)
        loaded = PremiseIndex.load(folder)
        retriever = PremiseRetriever(loaded, cache_folder=tmp_path / f"bm25-v{TOKENIZER_VERSION}")
        return retriever.retrieve("xs : List Nat\n⊢ xs.kappa = xs.theta", 1)[0].premise.name

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(build, range(16)))
    assert answers == ["List.kappa_theta"] * 16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25-v" + str(TOKENIZER_VERSION), "index"]  # no scratch left
    assert len(PremiseIndex.load(folder)) == 64


def test_an_index_that_cannot_load_is_reported_once_and_searches_go_on_without_premises():
    """No Lean: a failed load with `on_failure` is one note and no premises after; without it,
    every query raises the load's error."""
    import pytest

    from lean_prover.lean_env.library_index import PremiseIndexError
    from lean_prover.prover.premises import LazyRetriever

    loads, notes = [], []

    def failing_load():
        loads.append(1)
        raise PremiseIndexError("Lean ran out of memory while enumerating the library")

    reported = LazyRetriever(failing_load, on_failure=notes.append)
    assert reported.retrieve(DVD_GOAL, 3) == [] and reported.retrieve(DVD_GOAL, 3) == []
    assert len(loads) == 1 and len(notes) == 1 and "out of memory" in notes[0] and "without premises" in notes[0]
    strict = LazyRetriever(failing_load)
    for _ in range(2):
        with pytest.raises(PremiseIndexError):
            strict.retrieve(DVD_GOAL, 3)
    assert len(loads) == 2  # not tried again
