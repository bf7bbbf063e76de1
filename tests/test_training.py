"""Training: step data, filters, the mixture policy, SFT, and one expert-iteration round end to
end on real Lean (killed twice and resumed)."""

from __future__ import annotations

import argparse
import hashlib
import json
import math

import pytest

from lean_prover.prover.mixture import MixturePolicy, mix
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prior import PriorPolicy
from lean_prover.prover.prompt import format_prompt
from lean_prover.prover.suite import Problem, load_suite
from lean_prover.training.data import Step, load_steps, reference_steps, save_steps, sft_dataset, steps_from_trace, to_dataset
from lean_prover.training.filters import drop_confident, drop_duplicates, drop_no_progress, drop_unusable, prune_redundant

STATE = "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"


def _step(state: str, tactic: str, after: str = "", theorem: str = "t", source: str = "search") -> Step:
    return Step(state, tactic, theorem, 1, "prior", "bfs", 0, after, source)


# -- data ---------------------------------------------------------------------------------------
def test_steps_from_trace_follows_the_proved_branch_only():
    trace = [
        {"parent": 0, "tactic": "intro h", "verdict": "new", "child": 1, "goals": "h : p\n⊢ q"},
        {"parent": 0, "tactic": "simp", "verdict": "error", "child": None, "goals": ""},
        {"parent": 0, "tactic": "constructor", "verdict": "new", "child": 2, "goals": "⊢ r"},
        {"parent": 1, "tactic": "cases h", "verdict": "duplicate", "child": 2, "goals": ""},
        {"parent": 1, "tactic": "exact foo h", "verdict": "proved", "child": 3, "goals": ""},
    ]
    steps = steps_from_trace(trace, "⊢ p → q", "thm", 2, "round_1", "bfs")
    assert [(s.state, s.tactic, s.state_after, s.depth) for s in steps] == [
        ("⊢ p → q", "intro h", "h : p\n⊢ q", 0), ("h : p\n⊢ q", "exact foo h", "", 1)]
    assert {(s.theorem, s.round, s.model, s.algorithm) for s in steps} == {("thm", 2, "round_1", "bfs")}
    assert steps_from_trace(trace[:4], "⊢ p → q", "thm") == []  # no proof in the trace


def test_steps_round_trip_through_jsonl_and_datasets(tmp_path):
    steps = [_step(STATE, "constructor", "⊢ p\n\n⊢ q"), _step(STATE, "exact ⟨hp, hq⟩")]
    path = tmp_path / "steps.jsonl"
    assert save_steps(steps, path) == 2
    assert load_steps(path) == steps
    dataset = to_dataset(steps)
    assert dataset.num_rows == 2 and dataset[1]["tactic"] == "exact ⟨hp, hq⟩" and dataset[0]["round"] == 1
    sft = sft_dataset(steps)
    assert sft[0]["prompt"] == format_prompt(STATE) and sft[0]["completion"] == "constructor\n"
    path.write_text(path.read_text() + '{"state": "x"}\n')
    with pytest.raises(ValueError, match="steps.jsonl:3"):
        load_steps(path)


def test_reference_steps_take_the_first_tactic_of_by_proofs_a_line_or_a_with_block():
    problems = [Problem("a", "theorem a (n : Nat) : n + 0 = n", "dev", reference_proof="by omega"),
                Problem("b", "theorem b (p : Prop) (hp : p) : p", "dev", reference_proof="hp"),
                Problem("c", "theorem c (n : Nat) : n = n", "dev", reference_proof="by\n  induction n with\n  | zero => rfl"),
                Problem("d", "theorem d (n : Nat) : n = n", "dev", reference_proof="by\n  cases n with\n  rfl")]
    steps = reference_steps(problems)
    assert [(s.theorem, s.tactic, s.source) for s in steps] == [("a", "omega", "reference"),
                                                                 ("c", "induction n with\n| zero => rfl", "reference")]
    assert steps[0].state == "n : Nat\n⊢ n + 0 = n"


# -- filters ------------------------------------------------------------------------------------
def test_drop_duplicates_keeps_first_and_drops_pairs_seen_earlier():
    steps = [_step(STATE, "constructor"), _step(STATE.replace(" ", "  "), "constructor "), _step(STATE, "simp"),
             _step("⊢ True", "trivial")]
    kept, report = drop_duplicates(steps, {("⊢ True", "trivial")})
    assert [s.tactic for s in kept] == ["constructor", "simp"]
    assert (report.kept, report.dropped) == (2, 2)


def test_drop_unusable_and_no_progress():
    steps = [_step(STATE, "induction n with\n| zero => rfl"), _step(STATE, "exact sorry"), _step(STATE, "simp")]
    kept, report = drop_unusable(steps)  # a multi-line tactic is kept (a memory reuses it; SFT skips it)
    assert [s.tactic for s in kept] == ["induction n with\n| zero => rfl", "simp"] and report.dropped == 1
    steps = [_step(STATE, "skip", STATE + "\n"), _step(STATE, "constructor", "⊢ p\n\n⊢ q"), _step(STATE, "exact ⟨hp, hq⟩")]
    kept, report = drop_no_progress(steps)
    assert [s.tactic for s in kept] == ["constructor", "exact ⟨hp, hq⟩"] and (report.kept, report.dropped) == (2, 1)


def test_drop_confident_drops_what_the_policy_ranks_first_with_high_probability():
    state = "p : Prop\nhp : p\n⊢ p"
    top = PriorPolicy().suggest([state], 8)[0][0]
    assert top.tactic == "exact hp"
    steps = [_step(state, "exact hp"), _step(state, "simp"), _step(STATE, "exact ⟨hp, hq⟩")]
    kept, report = drop_confident(steps, PriorPolicy(), threshold=math.exp(top.logprob) - 1e-6)
    assert "exact hp" not in [s.tactic for s in kept] and "simp" in [s.tactic for s in kept]
    assert report.dropped == 1 + (PriorPolicy().suggest([STATE], 8)[0][0].logprob >= top.logprob)
    kept, report = drop_confident(steps, PriorPolicy(), threshold=1.0)
    assert report.dropped == 0 and len(kept) == 3


# -- mixture ------------------------------------------------------------------------------------
def test_mixture_merge_rule():
    prior = [TacticSuggestion("omega", math.log(0.6)), TacticSuggestion("simp", math.log(0.4))]
    model = [TacticSuggestion("exact h", math.log(0.7)), TacticSuggestion("simp", math.log(0.1))]
    merged = mix(prior, model, 0.5, 3)
    assert [s.tactic for s in merged] == ["exact h", "omega", "simp"]
    assert [round(math.exp(s.logprob), 6) for s in merged] == [0.35, 0.3, 0.25]
    assert MixturePolicy(PriorPolicy()).suggest([STATE], 4) == PriorPolicy().suggest([STATE], 4)


class ConfidentPolicy:
    """A stand-in model that puts probability 0.9 on one tactic (tests the merge rule only)."""

    def suggest(self, states, k):
        return [[TacticSuggestion("grind", math.log(0.9))][:k] for _ in states]


def test_mixture_lets_a_confident_model_outrank_the_prior_at_every_width():
    prior_top = PriorPolicy().suggest([STATE], 1)[0][0].tactic
    assert prior_top != "grind"
    mixed = MixturePolicy(PriorPolicy(), ConfidentPolicy(), 0.5)
    for k in (1, 2, 8):  # the prior's weight is its distribution over all its candidates, whatever k is
        top = mixed.suggest([STATE], k)[0]
        assert len(top) == k and top[0].tactic == "grind"
    assert prior_top in [s.tactic for s in mixed.suggest([STATE], 2)[0]]


class InductionPolicy:
    """A stand-in model sure of `induction n` on every goal (tests the merge rule only)."""

    def suggest(self, states, k):
        return [[TacticSuggestion("induction n", math.log(0.9)), TacticSuggestion("omega", math.log(0.05))][:k]
                for _ in states]


def test_mixture_drops_model_tactics_that_name_a_missing_local():
    mixed = MixturePolicy(PriorPolicy(), InductionPolicy(), 0.5)
    with_n, without_n = "n : Nat\n⊢ n + 0 = n", "x y : Nat\n⊢ 6 * x + 15 * y ≠ 40"
    assert mixed.suggest([with_n], 1)[0][0].tactic == "induction n"
    top = mixed.suggest([without_n], 2)[0]
    assert "induction n" not in [s.tactic for s in top] and len(top) == 2
    assert top[0].tactic == "omega"  # the model's in-scope suggestion still counts


def test_names_missing_local_reads_the_first_goal():
    from lean_prover.prover.statement import names_missing_local

    state = "case succ\nn✝ : Nat\nih : P n✝\n⊢ P (n✝ + 1)\n\ncase zero\nm : Nat\n⊢ P 0"
    assert names_missing_local(state, "induction m")  # m is a hypothesis of the second goal only
    assert names_missing_local(state, "induction n")
    assert not names_missing_local(state, "cases ih")
    assert not names_missing_local(state, "induction ih with\n| zero => rfl")
    assert names_missing_local("f : Nat → Nat\n⊢ ∀ (n : Nat), f n = n", "induction n")  # bound, not intro'd
    assert names_missing_local(state, "induction n using Nat.strong_induction_on")
    assert not names_missing_local(state, "induction ih using Nat.strong_induction_on")
    for tactic in ("cases h : f 0", "cases Nat.lt_or_ge a b", "rcases ih.1 with ⟨a, b⟩", "grind"):
        assert not names_missing_local(state, tactic), tactic  # not a bare name of a local: not judged


def test_select_problems_round_robin_over_topics():
    from lean_prover.training.expert_iteration import select_problems

    chosen = select_problems(load_suite("core", split="dev"), 6)
    assert len(chosen) == 6 and len({p.topic for p in chosen}) == 6


def test_problems_per_round_and_what_the_run_fingerprint_covers(tmp_path):
    import dataclasses

    from lean_prover.search.config import SearchConfig
    from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig

    config = ExpertIterationConfig(limit=9, problems_per_round=4, eval_split=None)
    run = ExpertIteration(config, tmp_path, toolchain=None)
    assert [len(run._train_through(r)) for r in (1, 2, 3, 4)] == [4, 8, 9, 9]
    assert run._train_through(2)[:4] == run._train_through(1)  # earlier rounds' problems stay in
    same = dataclasses.replace(config, rounds=5, concurrency=16, lean_processes=1)
    assert same.fingerprint() == config.fingerprint()  # parallelism does not change results
    wider = dataclasses.replace(config, collect_search=SearchConfig(width=16))
    assert wider.fingerprint() != config.fingerprint()
    # Issue 17's settings count when set; at their defaults a run folder of before them still resumes.
    from lean_prover.prover.model_config import ModelConfig
    from lean_prover.search.candidates import CandidateSettings

    data = {k: v for k, v in config.to_dict().items()
            if k not in ("rounds", "concurrency", "lean_processes", "pool_per_round", "first_pass", "candidates",
                         "eval_first_pass", "eval_candidates", "premise_roots", "pool_lemmas",
                         "pool_references", "pool_families")}
    data["sft"] = {k: v for k, v in data["sft"].items() if k not in ("save_steps", "resume")}
    data["generation"].pop("tactic_memory")  # a model config field added later, counted when set
    assert config.fingerprint() == hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
    for changed in (dict(pool_per_round=4), dict(first_pass=True), dict(candidates=CandidateSettings(("exact?",))),
                    dict(eval_first_pass=True), dict(eval_candidates=CandidateSettings()),
                    dict(premise_roots=("Init", "Std", "Lean", "Mathlib")), dict(tactic_memory=0), dict(pool_families=2),
                    dict(generation=ModelConfig(backend="hf", num_samples=16, tactic_memory="m.jsonl"))):
        assert dataclasses.replace(config, **changed).fingerprint() != config.fingerprint(), changed
    # the pool's lemma choice counts only with a pool; "sampled" is what pools were before the choice
    pooled = dataclasses.replace(config, pool_per_round=4)
    assert dataclasses.replace(config, pool_lemmas="sampled").fingerprint() == config.fingerprint()
    assert dataclasses.replace(pooled, pool_lemmas="sampled").fingerprint() != pooled.fingerprint()
    before_the_choice = {**data, "pool_per_round": 4}
    assert dataclasses.replace(pooled, pool_lemmas="sampled", pool_references=False).fingerprint() == hashlib.sha256(
        json.dumps(before_the_choice, sort_keys=True, default=str).encode()).hexdigest()[:16]
    # so do the pool's reference steps: a pooled run of before them resumes with pool_references=False
    assert dataclasses.replace(config, pool_references=False).fingerprint() == config.fingerprint()
    assert dataclasses.replace(pooled, pool_references=False).fingerprint() != pooled.fingerprint()


def test_a_rounds_restated_lemmas_teach_their_proofs_as_steps(tmp_path):
    """No Lean (the pool file as `build_pool` writes it after Lean's check): each restated
    library lemma of round r gives the step (its goal, `exact @LEMMA args`) to rounds r, r+1, …,
    a family instance its whole induction block; synthetic arithmetic does not;
    `pool_references=False` gives none."""
    import dataclasses

    from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig

    pools = {1: [dict(name="pool_nat_1", statement="theorem pool_nat_1 (m n : Nat) : m.gcd n ∣ m ∧ m.gcd n ∣ n",
                      proof="by exact @Nat.gcd_dvd m n", origin="restates Init lemma Nat.gcd_dvd"),
                 dict(name="pool_arith_1", statement="theorem pool_arith_1 (x : Nat) (h : x + 1 = 3) : x = 2",
                      proof="by omega", origin="synthetic arithmetic")],
             2: [dict(name="pool_nat_2", statement="theorem pool_nat_2 {k m n : Nat} (kpos : 0 < k) "
                      "(H : k * m ∣ k * n) : m ∣ n", proof="by exact @Nat.dvd_of_mul_dvd_mul_left k m n kpos H",
                      origin="restates Init lemma Nat.dvd_of_mul_dvd_mul_left"),
                 dict(name="pool_ind_2", statement="theorem pool_ind_2 (n : Nat) : (List.replicate n 7).sum = 7 * n",
                      proof="by\n  induction n with\n  | zero => simp_all\n  | succ k ih => simp_all <;> omega",
                      origin="synthetic family replicate_sum (like ind_replicate_sum)")]}
    for index, rows in pools.items():
        (tmp_path / f"round_{index}").mkdir()
        (tmp_path / f"round_{index}" / "pool.jsonl").write_text(
            "".join(json.dumps({**r, "split": "dev"}) + "\n" for r in rows), encoding="utf-8")
    config = ExpertIterationConfig(limit=4, eval_split=None, pool_per_round=4)
    run = ExpertIteration(config, tmp_path, toolchain=None)
    assert [(s.state, s.tactic, s.source, s.round) for s in run._data(1)] == [
        ("m n : Nat\n⊢ m.gcd n ∣ m ∧ m.gcd n ∣ n", "exact @Nat.gcd_dvd m n", "reference", 1)]
    assert [s.tactic for s in run._data(2)] == ["exact @Nat.gcd_dvd m n",
                                                 "exact @Nat.dvd_of_mul_dvd_mul_left k m n kpos H",
                                                 "induction n with\n| zero => simp_all\n| succ k ih => simp_all <;> omega"]
    assert len(run._memory(2)) == 3  # the round's policy remembers them
    assert ExpertIteration(dataclasses.replace(config, pool_references=False), tmp_path, None)._data(2) == []


# -- SFT ----------------------------------------------------------------------------------------
def test_sft_learns_the_steps_saves_a_loadable_model_and_is_not_redone(tmp_path):
    from lean_prover.prover.models import load_policy
    from lean_prover.training.base_model import build_base_model
    from lean_prover.training.sft import SFTSettings, train_sft

    dev = load_suite("core", split="dev")
    base = build_base_model(tmp_path / "base", dev)
    steps = [_step(STATE, "exact ⟨hp, hq⟩"), _step("n : Nat\n⊢ n + 0 = n", "omega")]
    block = _step("n : Nat\n⊢ 0 + n = n", "induction n with\n| zero => rfl\n| succ k ih => omega")
    result = train_sft(base, steps + [block], tmp_path / "model", SFTSettings(min_steps=80, max_steps=80, threads=1))
    assert result.examples == 2 and result.skipped_multiline == 1 and result.last_loss < result.first_loss
    policy = load_policy({"backend": "hf", "path": str(tmp_path / "model"), "num_samples": 8})
    for step in steps:
        top = policy.suggest([step.state], 4)[0]
        assert top and top[0].tactic == step.tactic and math.isfinite(top[0].logprob)
    stamp = (tmp_path / "model" / "model.safetensors").stat().st_mtime_ns
    assert train_sft(base, steps + [block], tmp_path / "model") == result
    assert (tmp_path / "model" / "model.safetensors").stat().st_mtime_ns == stamp


# -- CLI ----------------------------------------------------------------------------------------
def _parse(argv: list[str]) -> argparse.Namespace:
    from lean_prover.app.cli import build_parser

    return build_parser().parse_args(argv)


def test_cli_bad_input_is_one_line_error(tmp_path):
    from lean_prover.app.cli import dispatch
    from lean_prover.app.console import CommandError

    args = _parse(["train", "expert-iteration", "--out", str(tmp_path), "--base-model", str(tmp_path / "nope")])
    with pytest.raises(CommandError, match="not a save_pretrained model folder"):
        dispatch(args)
    args = _parse(["train", "expert-iteration", "--out", str(tmp_path), "--rounds", "0"])
    with pytest.raises(CommandError, match="at least 1"):
        dispatch(args)
    args = _parse(["train", "expert-iteration", "--out", str(tmp_path), "--suite", "no-such-suite"])
    with pytest.raises(CommandError, match="no suite named"):
        dispatch(args)
    for option in ("--concurrency", "--problems-per-round"):
        args = _parse(["train", "expert-iteration", "--out", str(tmp_path), option, "0"])
        with pytest.raises(CommandError, match="at least 1"):
            dispatch(args)
    args = _parse(["train", "expert-iteration", "--out", str(tmp_path), "--collect-nodes-per-call", "0"])
    with pytest.raises(CommandError, match="at least 1"):
        dispatch(args)


# -- real Lean ----------------------------------------------------------------------------------
def test_prune_redundant_drops_steps_lean_does_not_need(toolchain):
    statements = {
        "le_succ_example": "theorem le_succ_example (a b : Nat) (h : a ≤ b) : a ≤ b + 1",
        "contra_example": "theorem contra_example (p q : Prop) (h : p → q) (hnq : ¬q) : ¬p",
    }
    steps = [
        _step("a b : Nat\nh : a ≤ b\n⊢ a ≤ b + 1", "have h2 : b ≤ b + 1 := Nat.le_succ b",
              "a b : Nat\nh : a ≤ b\nh2 : b ≤ b + 1\n⊢ a ≤ b + 1", "le_succ_example"),
        _step("a b : Nat\nh : a ≤ b\nh2 : b ≤ b + 1\n⊢ a ≤ b + 1", "omega", "", "le_succ_example"),
        _step("p q : Prop\nh : p → q\nhnq : ¬q\n⊢ ¬p", "intro hp", "hp : p\n⊢ False", "contra_example"),
        _step("p q : Prop\nh : p → q\nhnq : ¬q\nhp : p\n⊢ False", "exact hnq (h hp)", "", "contra_example"),
    ]
    kept, report = prune_redundant(steps, statements, toolchain)
    assert [s.tactic for s in kept] == ["omega", "intro hp", "exact hnq (h hp)"]
    assert (report.kept, report.dropped) == (3, 1)


class _Killed(Exception):
    pass


def test_expert_iteration_round_end_to_end_killed_and_resumed(toolchain, tmp_path):
    """2 training theorems, 1 held-out: search → data → SFT → eval, killed after the first search
    and again after SFT; each resume redoes nothing that had finished. The evaluation has a first
    pass the collection has not (`eval_first_pass`)."""
    from lean_prover.prover.models import load_policy
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.types import Budget
    from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig
    from lean_prover.training.sft import SFTSettings

    core = {p.name: p for p in load_suite("core")}
    rows = [dict(name=n, statement=core[n].statement, proof=core[n].reference_proof, split=split)
            for n, split in (("nat_min_add_max", "dev"), ("logic_contrapositive", "dev"), ("nat_div_seven_range", "test"))]
    suite = tmp_path / "tiny.jsonl"
    suite.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config = ExpertIterationConfig(suite=str(suite), split="dev", eval_split="test", limit=None, eval_limit=None,
                                   rounds=1, search=SearchConfig(budget=Budget(8, 2, 300.0)), eval_first_pass=True,
                                   sft=SFTSettings(min_steps=40, max_steps=40, threads=1))
    out = tmp_path / "run"
    events: list[tuple[str, dict]] = []

    def kill_at(event: str):
        def hook(name: str, info: dict) -> None:
            events.append((name, info))
            if name == event:
                raise _Killed(event)
        return hook

    with pytest.raises(_Killed):
        ExpertIteration(config, out, toolchain, kill_at("search")).run()
    assert len((out / "round_1" / "search.jsonl").read_text().splitlines()) == 1
    events.clear()
    with pytest.raises(_Killed):
        ExpertIteration(config, out, toolchain, kill_at("sft")).run()
    assert [i["name"] for e, i in events if e == "search"] == ["logic_contrapositive"]  # the first was not redone
    sft_record = (out / "round_1" / "model" / "sft.json").read_text()
    events.clear()
    summary = ExpertIteration(config, out, toolchain, kill_at("never")).run()
    assert not [e for e, _ in events if e == "search"]
    assert (out / "round_1" / "model" / "sft.json").read_text() == sft_record  # SFT not redone
    assert [i["policy"] for e, i in events if e == "eval"] == ["prior", "round_1"]

    record = json.loads((out / "rounds.jsonl").read_text().splitlines()[0])
    assert record["solved_train_total"] == 2 and record["steps_collected"] >= 2
    assert record["train_examples"] == record["steps_kept"] > 0 and record["sft"]["examples"] > 0
    assert record["eval"]["incumbent"] == 1 and record["eval"]["candidate"] in (0, 1)
    assert record["accepted"] is False and record["incumbent"] == "prior"  # a tie keeps the incumbent
    searched = [json.loads(line) for line in (out / "round_1" / "search.jsonl").read_text().splitlines()]
    assert {r["stop_reason"] for r in searched} != {"first pass"}  # the collection searched without one
    for policy in ("prior", "round_1"):
        evaluated = [json.loads(line) for line in (out / "eval" / f"{policy}.jsonl").read_text().splitlines()]
        assert [r["stop_reason"] for r in evaluated] == ["first pass"]  # omega proves nat_div_seven_range
    steps = load_steps(out / "round_1" / "steps.jsonl")
    assert all("⊢" in s.state and s.round == 1 and s.model == "prior" for s in steps)
    assert summary["rounds_done"] == 1 and json.loads((out / "summary.json").read_text()) == summary
    policy = load_policy({"backend": "hf", "path": str(out / "round_1" / "model")})
    assert all(math.isfinite(s.logprob) for s in policy.suggest([steps[0].state], 4)[0])
    # the round's policy remembers its own steps: on a kept step's state it proposes that tactic
    remembering = ExpertIteration(config, out, toolchain)._policy("round_1")
    assert steps[0].tactic in [s.tactic for s in remembering.memory.propose(steps[0].state, 4)]
    assert len(remembering.memory) == len(steps)
    saved = load_policy({"backend": "rules", "tactic_memory": str(out / "round_1" / "model" / "tactic_memory.jsonl")})
    assert len(saved.memory) == len(steps)  # the checkpoint's memory, for a model config
    again = ExpertIteration(config, out, toolchain, kill_at("search")).run()  # finished: nothing to redo
    assert again == summary


def test_cli_eval_lean_sets_the_evaluations_knowledge_apart_from_the_collections(tmp_path):
    from lean_prover.app.options import parse_options
    from lean_prover.app.train_cli import ExpertIterationOptions
    from lean_prover.search.candidates import CandidateSettings
    from lean_prover.training.expert_iteration import eval_knowledge

    def knowledge(*extra: str):
        args = _parse(["train", "expert-iteration", "--out", str(tmp_path), "--first-pass", "--suggest", "exact?",
                       "--premises", "2", *extra])
        options = parse_options(ExpertIterationOptions, args)
        return options.candidate_settings(), eval_knowledge(options.eval_lean)

    collection, evaluation = knowledge()
    assert collection.suggestion_tactics == ("exact?",) and collection.premises == 2
    assert evaluation == (None, None)  # `same`: the evaluation searches as the collection does
    assert knowledge("--eval-lean", "first-pass")[1] == (True, CandidateSettings())
    assert knowledge("--eval-lean", "none")[1] == (False, CandidateSettings())
    with pytest.raises(SystemExit):
        _parse(["train", "expert-iteration", "--out", str(tmp_path), "--eval-lean", "suggestions"])
    remembered = parse_options(ExpertIterationOptions, _parse(["train", "expert-iteration", "--out", str(tmp_path),
                                                               "--tactic-memory", "5"]))
    assert remembered.tactic_memory == 5


def test_cli_collection_search_settings_apart_from_the_evaluations(tmp_path):
    """`--collect-width`, `--collect-nodes-per-call` and `--collect-max-lean-calls` change only the
    training-split search; without them the collection searches as the evaluation does."""
    from lean_prover.app.console import CommandError
    from lean_prover.app.options import parse_options
    from lean_prover.app.train_cli import ExpertIterationOptions

    def options(*extra: str):
        return parse_options(ExpertIterationOptions, _parse(["train", "expert-iteration", "--out", str(tmp_path),
                                                             "--max-lean-calls", "3", *extra]))

    assert options().collect_config() is None
    deeper = options("--collect-max-lean-calls", "8", "--collect-width", "16")
    collect, search = deeper.collect_config(), deeper.search_config()
    assert (collect.budget.max_lean_calls, collect.width) == (8, 16)
    assert (search.budget.max_lean_calls, collect.budget.max_expansions) == (3, search.budget.max_expansions)
    with pytest.raises(CommandError, match="--collect-max-lean-calls must be at least 1"):
        options("--collect-max-lean-calls", "0")
