"""The tactic memory: remembered steps of similar states become candidates, lemma names and all."""

from __future__ import annotations

from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prior import PriorPolicy
from lean_prover.prover.tactic_memory import MemoryPolicy, Remembered, TacticMemory, adapted_tactics
from lean_prover.search.config import SearchConfig
from lean_prover.search.portfolio import FirstPassSettings
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget

DVD_ADD = Remembered("a b c : Nat\nh : a ∣ b\nh2 : a ∣ c\n⊢ a ∣ b + c", "exact Nat.dvd_add h h2")
LE_OF_DVD = Remembered("a b : Nat\nhb : 0 < b\nh : a ∣ b\n⊢ a ≤ b", "exact Nat.le_of_dvd hb h")
OMEGA = Remembered("n : Nat\n⊢ n + 0 = n", "omega")
DVD_TRANS = Remembered("a b c : Nat\nh1 : a ∣ b\nh2 : b ∣ c\n⊢ a ∣ c", "exact Nat.dvd_trans h1 h2")


def test_a_remembered_tactic_is_adapted_to_the_new_states_names():
    """No Lean: as it is when its names exist; proofs become `(by assumption)`, values `_`."""
    state = "x y z : Nat\nhx : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z"
    assert adapted_tactics(DVD_ADD.tactic, DVD_ADD.state, state) == [
        "exact Nat.dvd_add (by assumption) (by assumption)"]
    same_names = "a b c : Nat\nh : a ∣ b\nh2 : a ∣ c\n⊢ a ∣ c + b"
    assert adapted_tactics(DVD_ADD.tactic, DVD_ADD.state, same_names)[0] == DVD_ADD.tactic
    mod_lt = Remembered("a b : Nat\nh : b > 0\n⊢ a % b < b", "exact Nat.mod_lt a h")
    assert adapted_tactics(mod_lt.tactic, mod_lt.state, "n k : Nat\nhk : k > 0\n⊢ n % k < k") == [
        "exact Nat.mod_lt _ (by assumption)"]
    assert adapted_tactics("intro x", "⊢ ∀ x : Nat, x = x", "⊢ ∀ y : Nat, y = y") == ["intro x"]
    assert adapted_tactics("cases h", "h : p ∧ q\n⊢ q", "hpq : p ∧ q\n⊢ q") == []  # no lemma: not generalised
    # a value local of another type is not the same thing: only the generalised tactic is proposed
    assert adapted_tactics("exact @Int.mul_sub a b c", "a b c : Int\n⊢ a * (b - c) = a * b - a * c",
                           "a b c : Nat\n⊢ a * (b - c) = a * b - a * c") == ["exact @Int.mul_sub _ _ _"]


def test_the_memory_proposes_what_worked_in_the_most_similar_states():
    """No Lean: the nearest state's tactic first, nothing for an unlike goal, scores in (0, 1)."""
    memory = TacticMemory([DVD_ADD, LE_OF_DVD, OMEGA])
    [first, *_] = memory.propose("x y z : Nat\nhx : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z", 3)
    assert first.tactic.startswith("exact Nat.dvd_add") and first.source == "memory"
    assert first.premises == ("Nat.dvd_add",) and -1.0 < first.logprob < 0.0
    assert memory.propose("p q : Prop\n⊢ p ∧ q → q", 3) == []

    class Fixed:
        def suggest(self, states, k):
            return [[TacticSuggestion("omega", -0.1), TacticSuggestion("simp", -0.9),
                     TacticSuggestion("exact Nat.dvd_add h h2", -3.0)][:k] for _ in states]

    policy = MemoryPolicy(Fixed(), memory, extra=1)
    [merged] = policy.suggest([DVD_ADD.state], 3)
    tactics = [s.tactic for s in merged]
    assert tactics[:2] == ["omega", "exact Nat.dvd_add h h2"]  # the remembered tactic moved up
    assert len(merged) == 4 and tactics[2] == "exact Nat.dvd_add (by assumption) (by assumption)"


def test_a_lemma_applied_to_a_proof_of_another_statement_is_proposed_only_generalised():
    """No Lean: `exact Nat.lt_of_mul_lt_mul_right h` learned with `h : a * c < b * c` is not
    proposed as it is where `h : a < b` (Lean would refuse it); its generalised form is, and a
    tactic with no generalised form keeps its names whatever their statements."""
    state = "a b : Nat\nh : a < b\n⊢ a * a < b * b"
    learned = Remembered("a b c : Nat\nh : a * c < b * c\n⊢ a < b", "exact Nat.lt_of_mul_lt_mul_right h")
    assert adapted_tactics(learned.tactic, learned.state, state) == [
        "exact Nat.lt_of_mul_lt_mul_right (by assumption)"]
    same = "a b c : Nat\nh : a * c < b * c\n⊢ a < b"
    assert adapted_tactics(learned.tactic, learned.state, same)[0] == learned.tactic
    assert adapted_tactics("simp [h]", "a : Nat\nh : a = 1\n⊢ a + a = 2", "a : Nat\nh : a = 2\n⊢ a + a = 4") == [
        "simp [h]"]


def test_steps_that_teach_the_same_lemma_take_one_neighbour_place():
    """No Lean: two spellings of one lemma's use (`L h`, `@L a b c h`) in the nearest states do
    not push out the next lemma; each neighbour place goes to another lemma or tactic."""
    left = "a b c : Nat\nh : a * b < a * c\n⊢ b < c"
    spellings = [Remembered(left, "exact Nat.lt_of_mul_lt_mul_left h"),
                 Remembered(left, "exact @Nat.lt_of_mul_lt_mul_left a b c h")]
    other = Remembered("a b c d : Nat\nh1 : a ≤ b\nh2 : c ≤ d\n⊢ a * c ≤ b * d", "exact Nat.mul_le_mul h1 h2")
    memory = TacticMemory([*spellings, other], neighbours=2)
    proposed = memory.propose("x y z : Nat\nh : x * y < x * z\n⊢ y < z", 4)
    assert any(s.premises == ("Nat.mul_le_mul",) for s in proposed), proposed
    assert any(s.premises == ("Nat.lt_of_mul_lt_mul_left",) for s in proposed)


def test_a_step_that_cannot_be_adapted_takes_no_neighbour_place():
    """No Lean: a step on the same goal up to names (listed first, so nearest) whose `rcases ha`
    names a hypothesis the new state lacks proposes nothing, and the one neighbour place goes
    to the next step's lemma."""
    near = Remembered("a b c : Nat\nha : a ∣ b\nhc : a ∣ c\n⊢ a ∣ b + c", "rcases ha with ⟨k, hk⟩")
    memory = TacticMemory([near, DVD_ADD], neighbours=1)
    proposed = memory.propose("x y z : Nat\nhx : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z", 3)
    assert [s.premises for s in proposed] == [("Nat.dvd_add",)], proposed


def test_a_goal_needing_a_lemma_no_step_names_is_proved_with_a_remembered_shape(toolchain, nat_premise_index):
    """Real Lean and a real premise index: the prior alone does not prove `x ∣ y + z` at this
    budget; a memory that knows only `exact Nat.dvd_trans h1 h2` (on `a ∣ c`) gives the shape,
    retrieval the lemma, and the written proof names `Nat.dvd_add` (not a suggestion tactic)."""
    from lean_prover.prover.premises import PremiseRetriever

    index = nat_premise_index
    theorem = Theorem.from_statement("theorem dvd_sum_of_dvd (x y z : Nat) (hy : x ∣ y) (hz : x ∣ z) : x ∣ y + z")
    config = SearchConfig(width=1, budget=Budget(3, 2, 900.0))
    bare = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=900, first_pass=FirstPassSettings())
    [alone] = bare.prove_all([theorem])
    assert alone.status != "proved", alone.proof
    memory = TacticMemory([DVD_TRANS, LE_OF_DVD, OMEGA], retriever=PremiseRetriever(index))
    prover = SearchProver(toolchain, MemoryPolicy(PriorPolicy(), memory), config, tactic_timeout_s=900,
                          first_pass=FirstPassSettings())
    [attempt] = prover.prove_all([theorem])
    assert attempt.status == "proved", attempt
    assert "Nat.dvd_add" in attempt.proof and "?" not in attempt.proof


def test_a_remembered_shape_is_filled_with_the_lemmas_retrieved_for_the_new_goal():
    """No Lean (a retriever that answers from a list): the shape of `exact Nat.dvd_trans h1 h2`
    with the new goal's premises, best retrieved first, the step's own lemma last."""
    from types import SimpleNamespace

    from lean_prover.prover.statement import replace_identifier
    assert replace_identifier("exact Nat.dvd_trans h (Nat.dvd_trans h h)", "Nat.dvd_trans", "Nat.dvd_add") == \
        "exact Nat.dvd_add h (Nat.dvd_add h h)"

    class Listed:
        def retrieve(self, state, k, imports=()):
            statements = ["Nat.dvd_add {a b c : Nat} (h₁ : a ∣ b) (h₂ : a ∣ c) : a ∣ b + c",
                          "Nat.dvd_add_right {k m : Nat} (h : k ∣ m) : k ∣ m + n ↔ k ∣ n"][:k]
            return [SimpleNamespace(premise=SimpleNamespace(name=t.split()[0], statement=t), score=1.0)
                    for t in statements]

    memory = TacticMemory([DVD_TRANS], retriever=Listed(), lemmas=2)
    proposed = [s.tactic for s in memory.propose("x y z : Nat\nhy : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z", 5)]
    assert proposed == ["exact Nat.dvd_add (by assumption) (by assumption)",  # its own explicit arguments
                        "exact Nat.dvd_add_right (by assumption)",
                        "exact Nat.dvd_trans (by assumption) (by assumption)"]


def test_a_model_config_loads_a_memory_file_and_refuses_a_missing_one(tmp_path):
    """No Lean: `tactic_memory:` wraps any backend's policy; a missing file is one clear error."""
    import pytest

    from lean_prover.prover.model_errors import ModelConfigError
    from lean_prover.prover.models import load_policy

    path = tmp_path / "memory.jsonl"
    TacticMemory([DVD_ADD, OMEGA]).save(path)
    policy = load_policy({"backend": "rules", "tactic_memory": str(path)})
    [suggestions] = policy.suggest(["x y z : Nat\nhx : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z"], 2)
    assert "exact Nat.dvd_add (by assumption) (by assumption)" in [s.tactic for s in suggestions]
    with pytest.raises(ModelConfigError, match="tactic memory .*missing.jsonl"):
        load_policy({"backend": "rules", "tactic_memory": str(tmp_path / "missing.jsonl")})


def test_the_memory_names_only_lemmas_the_theorems_file_imports():
    """No Lean: the step contexts' imports reach the retriever the memory fills shapes with, and
    a wrapped policy that does not use contexts is still asked without them."""
    from lean_prover.prover.policy import StepContext

    asked = []

    class Recording:
        def retrieve(self, state, k, imports=()):
            asked.append(tuple(imports))
            return []

    class ContextFree:
        def suggest(self, states, k):
            return [[TacticSuggestion("omega", -1.0)] for _ in states]

    policy = MemoryPolicy(ContextFree(), TacticMemory([DVD_TRANS], retriever=Recording()))
    state = "x y z : Nat\nhy : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z"
    policy.suggest([state, state], 1, contexts=[StepContext("t", (), ("Std.Data.HashMap",)), StepContext("u")])
    assert asked == [("Std.Data.HashMap",), ()]
    policy.suggest([state], 1)  # no contexts: a file without imports (Init)
    assert asked[-1] == ()


def test_a_restated_lemmas_reference_step_proves_a_goal_of_its_shape(toolchain):
    """Real Lean: the prior alone does not prove `a ∣ b` from `c * a ∣ c * b` at this budget; a
    memory holding only the reference step of a pool statement restating
    `Nat.dvd_of_mul_dvd_mul_left` (its goal printed from the statement, `exact @LEMMA args`:
    what expert iteration's `pool_references` adds) proves it, and the proof names the lemma."""
    from lean_prover.prover.statement import goal_text, parse_statement
    from lean_prover.prover.suite import Problem
    from lean_prover.training.data import reference_steps

    restated = Problem("pool_nat_x", "theorem pool_nat_x {k m n : Nat} (kpos : 0 < k) (H : k * m ∣ k * n) : m ∣ n",
                       "dev", reference_proof="by exact @Nat.dvd_of_mul_dvd_mul_left k m n kpos H")
    [step] = reference_steps([restated])
    assert step.state == goal_text(parse_statement(restated.statement))
    theorem = Theorem.from_statement("theorem cancel_left (a b c : Nat) (hc : 0 < c) (h : c * a ∣ c * b) : a ∣ b")
    config = SearchConfig(width=1, budget=Budget(3, 2, 900.0))
    bare = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=900, first_pass=FirstPassSettings())
    [alone] = bare.prove_all([theorem])
    assert alone.status != "proved", alone.proof
    memory = TacticMemory([Remembered(step.state, step.tactic), OMEGA])
    prover = SearchProver(toolchain, MemoryPolicy(PriorPolicy(), memory), config, tactic_timeout_s=900,
                          first_pass=FirstPassSettings())
    [attempt] = prover.prove_all([theorem])
    assert attempt.status == "proved", attempt
    assert "Nat.dvd_of_mul_dvd_mul_left" in attempt.proof and "?" not in attempt.proof


def test_bench_memory_leaves_each_theorem_out_of_the_memory_that_is_asked_about_it(tmp_path):
    """No Lean (no retriever): bench/memory.py reads a run folder's kept steps and pool
    restatements; a step is a hit when the other theorems' steps name its lemma, silent when no
    remembered state is similar enough."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_memory", Path(__file__).parents[1] / "bench" / "memory.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    round_1 = tmp_path / "run" / "round_1"
    round_1.mkdir(parents=True)
    steps = [("dvd_one", DVD_ADD.state, DVD_ADD.tactic),
             ("dvd_two", "x y z : Nat\nhx : x ∣ y\nhz : x ∣ z\n⊢ x ∣ z + y", "exact Nat.dvd_add hz hx"),
             ("fmod", "a b : Int\nha : 0 ≤ a\nhb : 0 ≤ b\n⊢ 0 ≤ a.fmod b", "exact Int.fmod_nonneg ha hb")]
    (round_1 / "steps.jsonl").write_text("".join(json.dumps(
        {"state": st, "tactic": ta, "theorem": name, "round": 1, "model": "prior", "algorithm": "bfs", "depth": 0,
         "state_after": "", "source": "search"}) + "\n" for name, st, ta in steps), encoding="utf-8")
    (round_1 / "pool.jsonl").write_text(json.dumps(
        {"name": "pool_nat_1", "statement": "theorem pool_nat_1 (m n : Nat) : m.gcd n ∣ m ∧ m.gcd n ∣ n",
         "proof": "by exact @Nat.gcd_dvd m n", "origin": "restates Init lemma Nat.gcd_dvd", "split": "dev"}) + "\n",
        encoding="utf-8")
    searched, restated = bench.training_steps([tmp_path / "run"])
    assert list(searched) == ["dvd_one", "dvd_two", "fmod"] and list(restated) == ["pool_nat_1"]
    assert bench.leave_one_out(searched, restated, None, 0.25) == {"targets": 3, "hits": 2, "silent": 1}


def test_a_remembered_induction_block_proves_a_goal_of_its_family(toolchain):
    """Real Lean: a multi-line step (an `induction … with` block whose `succ` case names the
    lemma it needed) is remembered, proposed as it is for a goal of the same family over the same
    variable, accepted by Lean in the search, and written into a proof that re-checks (its
    alternatives indented under `by`); the prior alone does not prove that goal at this budget."""
    block = "induction n with\n| zero => simp_all\n| succ k ih => simp_all [List.range_succ] <;> omega"
    step = Remembered("n : Nat\n⊢ (List.map (fun x => 3) (List.range n)).sum = 3 * n", block)
    state = "n : Nat\n⊢ (List.map (fun x => 5) (List.range n)).sum = 5 * n"
    assert block in [s.tactic for s in TacticMemory([step, OMEGA]).propose(state, 3)]
    theorem = Theorem.from_statement("theorem range_fives (n : Nat) : ((List.range n).map (fun _ => 5)).sum = 5 * n")
    config = SearchConfig(width=1, budget=Budget(3, 2, 900.0))
    bare = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=900, first_pass=FirstPassSettings())
    [alone] = bare.prove_all([theorem])
    assert alone.status != "proved", alone.proof
    prover = SearchProver(toolchain, MemoryPolicy(PriorPolicy(), TacticMemory([step, OMEGA])), config,
                          tactic_timeout_s=900, first_pass=FirstPassSettings())
    [attempt] = prover.prove_all([theorem])
    assert attempt.status == "proved", attempt
    assert "  | succ k ih => simp_all [List.range_succ] <;> omega" in attempt.proof.split("\n")
