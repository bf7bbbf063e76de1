"""Expert iteration: search → collect → filter → fine-tune → evaluate → keep only if better.

Each round r = 1 … R:

1. **search** the training problems not solved in an earlier round with the incumbent policy
   (:class:`prover.mixture.MixturePolicy`: the rule-based prior mixed with the incumbent
   model, or the prior alone while no model has been accepted), with the collection settings
   (`collect_search`, default `search`; a wider search finds more proofs to learn from). With
   `problems_per_round` = N, round r searches the first r·N training problems (N new ones and
   the earlier rounds' unsolved ones), so every round brings new problems; with
   `pool_per_round` = M, each round also adds M new statements of its own (`round_R/pool.jsonl`,
   :func:`training.curriculum.build_pool`: half library lemmas from the premise index restated
   under hidden names — a fresh slice each round, of the lemmas retrieval finds nearest the
   training statements (`pool_lemmas="related"`, :func:`training.curriculum.related_lemma_names`)
   or of all of them in a pseudo-random order (`"sampled"`) — and a quarter each of synthetic arithmetic and
   logic with the round as seed; with `pool_families` = K, also K instances of synthetic
   families of the training split (:data:`training.curriculum.FAMILIES`: inductions and
   rewrites naming their lemmas), other families each round; all checked by Lean, none
   overlapping `core`; with `pool_references` each restated lemma's Lean-checked proof, `exact
   @LEMMA args`, and each family instance's induction or rewrite is also a training step of its
   round (source `reference`), so a round learns the lemmas and proof shapes it adds even when
   one-shot automation proves the statement another way); with
   `first_pass` and `candidates` every search (collection and evaluation alike) starts with
   one-shot automation and gets Lean's suggestions and retrieved premises as candidates, so the
   collected steps include lemma-naming tactics (:mod:`training.data` keeps their source); a
   round's policy is the prior mixed with its fine-tuned model and, with `tactic_memory` = N,
   up to N more candidates a state from the training steps of states like it
   (:mod:`prover.tactic_memory`: what the round learned, lemma names included, without waiting
   for a small model to learn to spell them);
   `eval_first_pass` and `eval_candidates` let the evaluation use other Lean knowledge than the
   collection (Lean's suggestions teach during collection, the evaluation measures what the policy
   names by itself); `concurrency`
   searches run at once sharing Lean runs (:mod:`search.lockstep`; results do not change);
2. **collect** the steps of the proof paths found (:mod:`training.data`);
3. **filter** them (:mod:`training.filters`): unusable tactics, steps that change nothing,
   Lean-checked redundant steps, steps the incumbent already ranks first with probability ≥
   `confidence_threshold`, and (state, tactic) pairs already in the data;
4. **fine-tune** with TRL's `SFTTrainer` on all data so far (reference seed steps, if asked,
   and every round's kept steps), starting from the base model in rounds 1, N+1, 2N+1, …
   (`retrain_every` = N; BFS-Prover-V2 re-trains from the base periodically) and from the
   incumbent checkpoint otherwise;
5. **evaluate** the candidate on the held-out split with the same search settings (`search`)
   as the incumbent (equal budget) and accept it only if it solves strictly more (ties keep the
   incumbent). Without an evaluation split every candidate is accepted. A round after the
   first that kept no new steps trains and evaluates nothing (`sft_skipped`): its candidate
   would be the same data fine-tuned again.

Files in the run folder (all resumable: a killed run continues where it stopped)::

    run.json                 settings and their fingerprint (a resume must match)
    base/                    the untrained base model (when no --base-model is given)
    round_R/search.jsonl     one row per searched problem, written as each finishes
    round_R/steps.jsonl      the round's kept steps; round_R/filters.json what each filter did
    round_R/model/           the candidate checkpoint (save_pretrained; sft.json when finished) and
                             its tactic memory (tactic_memory.jsonl, the round's training steps)
    round_R/model.partial/   an unfinished SFT: its checkpoints (every `sft.save_steps`), resumed from
    eval/ID.jsonl            evaluation rows of a policy (ID: prior, base or round_R)
    rounds.jsonl             one line per finished round; summary.json the whole run
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Literal

from lean_prover.lean_env.library_index import DEFAULT_ROOTS, load_or_build_index
from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S, TRAINING_TIME_LIMIT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.critic import ShapeCritic
from lean_prover.prover.mixture import MixturePolicy
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.models import describe, load_policy
from lean_prover.prover.premises import LazyRetriever, PremiseRetriever
from lean_prover.prover.prior import PriorPolicy
from lean_prover.prover.suite import Problem, load_suite
from lean_prover.prover.tactic_memory import MemoryPolicy, Remembered, TacticMemory
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.config import SearchConfig
from lean_prover.search.portfolio import FirstPassSettings
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget
from lean_prover.training.base_model import build_base_model
from lean_prover.training.curriculum import (build_pool, excluded_keys, index_lemma_names, related_lemma_names,
                                             teaches_by_reference)
from lean_prover.training.data import Step, load_steps, reference_steps, save_steps
from lean_prover.training.filters import (drop_confident, drop_duplicates, drop_no_progress, drop_unusable, prune_redundant,
                              report_dict)
from lean_prover.search.runs import RunStateError, read_resumable_rows
from lean_prover.training.search_runs import row_steps, search_problems
from lean_prover.training.sft import SFTResult, SFTSettings, train_sft, train_sft_launched

Event = Callable[[str, dict], None]


PoolLemmas = Literal["related", "sampled"]
"""Which library lemmas a round's pool restates: those nearest the training statements, or a
pseudo-random sample of all eligible ones."""


@dataclass(frozen=True)
class ExpertIterationConfig:
    """Settings of an expert-iteration run (see the module docstring)."""

    suite: str = "core"
    split: str = "dev"
    eval_split: str | None = "test"
    limit: int | None = 5
    eval_limit: int | None = 3
    rounds: int = 1
    search: SearchConfig = field(default_factory=lambda: SearchConfig(budget=Budget(16, 3, TRAINING_TIME_LIMIT_S)))
    base_model: str = ""  # a save_pretrained causal LM; "" builds an untrained tiny GPT-2
    generation: ModelConfig = field(default_factory=lambda: ModelConfig(backend="hf", num_samples=16))
    model_weight: float = 0.5
    retrain_every: int = 2
    confidence_threshold: float = 0.5
    prune: bool = True
    seed_references: bool = False
    sft: SFTSettings = field(default_factory=SFTSettings)
    tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S
    accelerate_config: str = ""  # run each SFT under `accelerate launch --config_file` (multi-GPU)
    collect_search: SearchConfig | None = None  # settings of the training-split search (None: `search`)
    problems_per_round: int | None = None  # new training problems searched per round (None: all in round 1)
    concurrency: int = 1  # searches at once, sharing Lean runs (lean_env.batching); results are unchanged
    lean_processes: int = 2  # Lean processes at once when concurrency > 1
    pool_per_round: int = 0  # new pool statements a round: library lemmas restated and synthetic families
    pool_lemmas: PoolLemmas = "related"  # which library lemmas the pool restates (module docstring)
    pool_references: bool = True  # restated lemmas' proofs are training steps too (module docstring)
    pool_families: int = 0  # synthetic family instances a round, besides pool_per_round (module docstring)
    first_pass: bool = False  # one-shot automation before each search (search.portfolio)
    candidates: CandidateSettings = field(default_factory=CandidateSettings)  # Lean's suggestions, premises
    eval_first_pass: bool | None = None  # the held-out evaluation's first pass (None: as `first_pass`)
    eval_candidates: CandidateSettings | None = None  # the evaluation's candidates (None: as `candidates`)
    premise_roots: tuple[str, ...] = DEFAULT_ROOTS  # modules of the premise index (retrieval and the pool)
    tactic_memory: int = 3  # a round's policy adds up to N tactics of similar training steps (0: none)

    def fingerprint(self) -> str:
        """A hash of everything but `rounds`, `concurrency` and `lean_processes` (a run may be
        resumed with more rounds or other parallelism: neither changes a search's result), nor the
        SFT checkpoint cadence (a resumed SFT ends where an uninterrupted one ends). Settings added
        later count only when set, so older run folders still resume."""
        added_later = {"pool_per_round": 0, "first_pass": False,
                       "candidates": json.loads(json.dumps(asdict(CandidateSettings()))),
                       "eval_first_pass": None, "eval_candidates": None, "premise_roots": list(DEFAULT_ROOTS),
                       "tactic_memory": 0, "pool_families": 0}
        data = {k: v for k, v in self.to_dict().items() if k not in ("rounds", "concurrency", "lean_processes")
                and not (k in added_later and v == added_later[k])}
        if self.pool_per_round <= 0 or self.pool_lemmas == "sampled":  # no pool, or the pool before the choice
            data.pop("pool_lemmas")
        if self.pool_per_round + self.pool_families <= 0 or not self.pool_references:  # no pool, or before
            data.pop("pool_references")
        data["sft"] = {k: v for k, v in data["sft"].items() if k not in ("save_steps", "resume")}
        if not data["generation"].get("tactic_memory"):  # a model config field added later
            data["generation"].pop("tactic_memory", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return json.loads(json.dumps(asdict(self), default=str))


EvalKnowledge = Literal["same", "first-pass", "none"]
"""Lean's knowledge at the held-out evaluation: as the collection's, one-shot automation only, or none."""


def eval_knowledge(choice: EvalKnowledge) -> tuple[bool | None, CandidateSettings | None]:
    """`ExpertIterationConfig.eval_first_pass` and `eval_candidates` for `choice` (None, None:
    as the collection's)."""
    if choice == "same":
        return None, None
    return choice == "first-pass", CandidateSettings()


def select_problems(problems: list[Problem], limit: int | None) -> list[Problem]:
    """The first `limit` problems taken round-robin over topics (suite order within a topic),
    so that a small limit still covers several topics; all problems when `limit` is None."""
    by_topic: dict[str, list[Problem]] = {}
    for problem in problems:
        by_topic.setdefault(problem.topic, []).append(problem)
    ordered: list[Problem] = []
    queues = list(by_topic.values())
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered[:limit] if limit is not None else ordered


class ExpertIteration:
    """One run folder of expert iteration; :meth:`run` does (or resumes) the configured rounds."""

    def __init__(self, config: ExpertIterationConfig, out: Path, toolchain: Toolchain,
                 on_event: Event = lambda _e, _i: None):
        self.config, self.out, self.toolchain, self.on_event = config, Path(out), toolchain, on_event
        self._lazy_retriever: LazyRetriever | None = None
        self.fingerprint = config.fingerprint()
        self.train = select_problems(load_suite(config.suite, split=config.split), config.limit)
        self.held_out = (select_problems(load_suite(config.suite, split=config.eval_split), config.eval_limit)
                         if config.eval_split else [])
        if not self.train:
            raise RunStateError(f"no training problems in suite {config.suite!r} split {config.split!r}")

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> dict:
        """Do every configured round not finished yet; returns the summary (also summary.json)."""
        self._check_run_folder()
        base = self._base()
        initial = "base" if self.config.base_model else "prior"
        rounds = self._finished_rounds()
        incumbent = rounds[-1]["incumbent"] if rounds else initial
        for index in range(len(rounds) + 1, self.config.rounds + 1):
            record = self._round(index, base, incumbent)
            incumbent = record["incumbent"]
            with (self.out / "rounds.jsonl").open("a", encoding="utf-8") as sink:
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            rounds.append(record)
            self.on_event("round", record)
            self._write_summary(rounds, initial)
        return self._write_summary(rounds, initial)

    def _round(self, index: int, base: Path, incumbent: str) -> dict:
        folder = self.out / f"round_{index}"
        started = time.monotonic()
        policy = self._policy(incumbent)
        solved_before = self._solved_train(index)
        todo = [p for p in self._train_through(index) if p.name not in solved_before]
        rows = self._search(folder, todo, policy, index, incumbent)
        new_steps, filters = self._filter(folder, rows, policy)
        del policy  # release the generation model (a vLLM engine holds GPU memory) before fine-tuning
        gc.collect()
        data = self._data(index)
        from_base = (index - 1) % self.config.retrain_every == 0 or incumbent == "prior"
        source = base if from_base else self._checkpoint(incumbent)
        # A round that found no new steps would fine-tune the same data again: skip it (and its
        # evaluation) rather than spend the time on a candidate no better informed.
        skipped = "no data" if not data else "no new steps" if index > 1 and not new_steps else None
        if skipped:
            sft: SFTResult | None = None
            candidate = None
        else:
            settings = replace(self.config.sft, resume=True)  # a killed round continues its SFT from a checkpoint
            if self.config.accelerate_config:
                sft = train_sft_launched(source, data, folder / "model", settings, self.config.accelerate_config)
            else:
                sft = train_sft(source, data, folder / "model", settings)
            self.on_event("sft", sft.to_dict())
            candidate = f"round_{index}"
            if self.config.tactic_memory > 0:  # the checkpoint's memory, for a model config's `tactic_memory`
                self._memory(index).save(folder / "model" / "tactic_memory.jsonl")
        evaluation = self._evaluate(incumbent, candidate)
        accepted = candidate is not None and (not self.held_out or evaluation["candidate"] > evaluation["incumbent"])
        return {
            "round": index, "fingerprint": self.fingerprint, "incumbent_before": incumbent,
            "trained_from": "base" if from_base else incumbent,
            "searched": len(todo), "solved_train_new": sum(r["status"] == "proved" for r in rows),
            "solved_train_total": len(solved_before) + sum(r["status"] == "proved" for r in rows),
            "train_problems": len(self._train_through(index)),
            "steps_collected": sum(len(r.get("steps", [])) for r in rows),
            "steps_kept": len(new_steps), "pool_reference_steps": len(self._pool_reference_steps(index)),
            "filters": filters, "train_examples": len(data),
            "sft": sft.to_dict() if sft else None, "sft_skipped": skipped, "eval": evaluation, "accepted": accepted,
            "incumbent": candidate if accepted else incumbent,
            "search_time_s": round(sum(r.get("time_s", 0.0) for r in rows), 1),
            "time_s": round(time.monotonic() - started, 1),
        }

    # -- phases -------------------------------------------------------------------------------
    def _search(self, folder: Path, problems: list[Problem], policy, index: int, incumbent: str) -> list[dict]:
        provenance = {"round": index, "model": incumbent, "algorithm": self._collect.algorithm}

        def row_done(row: dict, position: int, total: int) -> None:
            self.on_event("search", {"round": index, "name": row["name"], "status": row["status"],
                                     "lean_calls": row["lean_calls"],
                                     "time_s": row["time_s"], "position": position, "total": total})

        prover = self._prover(policy, self._collect, self.config.first_pass, self.config.candidates)
        return search_problems(prover, problems, folder / "search.jsonl", self.fingerprint,
                               provenance, row_done, self.config.concurrency, self.config.lean_processes)

    def _filter(self, folder: Path, rows: list[dict], policy) -> tuple[list[Step], list[dict]]:
        steps_path, report_path = folder / "steps.jsonl", folder / "filters.json"
        if report_path.is_file() and steps_path.is_file():
            return load_steps(steps_path), json.loads(report_path.read_text(encoding="utf-8"))
        steps = row_steps(rows)
        reports = []
        steps, report = drop_unusable(steps)
        reports.append(report)
        steps, report = drop_no_progress(steps)
        reports.append(report)
        if self.config.prune:
            statements = {p.name: p.statement for p in self._train_through(int(folder.name[6:]))}
            steps, report = prune_redundant(steps, statements, self.toolchain, timeout_s=self.config.tactic_timeout_s)
            reports.append(report)
        steps, report = drop_confident(steps, policy, self.config.confidence_threshold, self._collect.width)
        reports.append(report)
        steps, report = drop_duplicates(steps, {s.key() for s in self._steps_through(int(folder.name[6:]) - 1)})
        reports.append(report)
        save_steps(steps, steps_path)
        report_path.write_text(json.dumps(report_dict(reports), indent=1), encoding="utf-8")
        self.on_event("filter", {"round": folder.name, "kept": len(steps), "filters": report_dict(reports)})
        return steps, report_dict(reports)

    def _evaluate(self, incumbent: str, candidate: str | None) -> dict:
        if not self.held_out:
            return {"problems": 0, "incumbent": None, "candidate": None}
        result = {"problems": len(self.held_out), "incumbent_id": incumbent,
                  "incumbent": self._solved_eval(incumbent)}
        result["candidate"] = self._solved_eval(candidate) if candidate else None
        return result

    def _solved_eval(self, policy_id: str) -> int:
        first_pass = self.config.first_pass if self.config.eval_first_pass is None else self.config.eval_first_pass
        candidates = self.config.candidates if self.config.eval_candidates is None else self.config.eval_candidates
        rows = self.evaluate(policy_id, policy_id, first_pass, candidates)
        return sum(r["status"] == "proved" for r in rows)

    def evaluate(self, policy_id: str, label: str, first_pass: bool, candidates: CandidateSettings) -> list[dict]:
        """The held-out rows of policy `policy_id` (`prior`, `base` or `round_R`) searched with the
        evaluation's search settings (equal budget) and the given Lean knowledge, written to (and
        resumed from) `eval/LABEL.jsonl`. The rounds' own evaluations are labelled by policy; other
        labels measure a policy with other knowledge (e.g. `bench/learning.py`'s comparison rows)."""
        def row_done(row: dict, position: int, total: int) -> None:
            self.on_event("eval", {"policy": label, "name": row["name"], "status": row["status"],
                                   "lean_calls": row["lean_calls"],
                                   "time_s": row["time_s"], "position": position, "total": total})

        prover = self._prover(self._policy(policy_id), self.config.search, first_pass, candidates)
        return search_problems(prover, self.held_out, self.out / "eval" / f"{label}.jsonl", self.fingerprint,
                               {"model": policy_id}, row_done, self.config.concurrency, self.config.lean_processes)

    # -- state --------------------------------------------------------------------------------
    def _check_run_folder(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / "run.json"
        if path.is_file():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("fingerprint") != self.fingerprint:
                raise RunStateError(f"{self.out} holds a run with other settings; use another --out folder")
        else:
            path.write_text(json.dumps({"fingerprint": self.fingerprint, "config": self.config.to_dict()},
                                       indent=1), encoding="utf-8")

    def _finished_rounds(self) -> list[dict]:
        path = self.out / "rounds.jsonl"
        if not path.exists():
            return []
        rounds = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if any(r.get("fingerprint") != self.fingerprint for r in rounds):
            raise RunStateError(f"{path} holds rounds of another configuration; use another --out folder")
        return rounds

    def _base(self) -> Path:
        if self.config.base_model:
            return Path(self.config.base_model)
        return build_base_model(self.out / "base", self.train, seed=self.config.search.seed)

    def _checkpoint(self, policy_id: str) -> Path:
        return Path(self.config.base_model) if policy_id == "base" else self.out / policy_id / "model"

    def _policy(self, policy_id: str):
        if policy_id == "prior":
            return MixturePolicy(PriorPolicy())
        model = load_policy(dataclasses.replace(self.config.generation, path=str(self._checkpoint(policy_id))))
        policy = MixturePolicy(PriorPolicy(), model, self.config.model_weight)
        if policy_id == "base" or self.config.tactic_memory <= 0:
            return policy
        return MemoryPolicy(policy, self._memory(int(policy_id.removeprefix("round_"))), self.config.tactic_memory)

    def _memory(self, index: int) -> TacticMemory:
        """Round `index`'s tactic memory: its training data (seed steps and the kept steps of
        rounds 1 … `index`), with the run's premise retriever to put the lemmas a new goal needs
        (among those its file imports) into remembered tactics' shapes."""
        return TacticMemory((Remembered(s.state, s.tactic) for s in self._data(index)), retriever=self._retriever)

    @property
    def _collect(self) -> SearchConfig:
        """The search settings of the training split."""
        return self.config.collect_search or self.config.search

    def _train_through(self, index: int) -> list[Problem]:
        """The training problems of rounds 1 … `index` (`problems_per_round` new ones a round),
        and the pool statements of those rounds (`pool_per_round`)."""
        problems = self.train if self.config.problems_per_round is None \
            else self.train[: index * self.config.problems_per_round]
        pool = {p.name: p for r in range(1, index + 1) for p in self._round_pool(r)}
        return problems + [p for name, p in pool.items() if name not in {q.name for q in problems}]

    def _round_pool(self, index: int) -> list[Problem]:
        """Round `index`'s own new statements (built once, then read from `round_R/pool.jsonl`)."""
        count = self.config.pool_per_round
        if count + self.config.pool_families <= 0:
            return []
        path = self.out / f"round_{index}" / "pool.jsonl"
        if not path.is_file():
            lemmas = count - 2 * (count // 4)
            if lemmas <= 0:
                names: tuple[str, ...] = ()
            elif self.config.pool_lemmas == "related":
                names = related_lemma_names(self._retriever, [p.statement for p in self.train], index, lemmas,
                                            skip=excluded_keys([])[1])
            else:
                names = index_lemma_names(load_or_build_index(self.toolchain, self.config.premise_roots).premises,
                                          index, lemmas)
            report = build_pool(self.toolchain, path, arithmetic=count // 4, logic=count // 4, seed=index,
                                names=names, families=self.config.pool_families)
            self.on_event("pool", {"round": index, **report.to_dict()})
        return load_suite(str(path))

    def _prover(self, policy, config: SearchConfig, first_pass: bool, candidates: CandidateSettings) -> SearchProver:
        critic = ShapeCritic() if config.uses_critic else None
        return SearchProver(self.toolchain, policy, config, critic, None, tactic_timeout_s=self.config.tactic_timeout_s,
                            first_pass=FirstPassSettings() if first_pass else None, candidates=candidates,
                            retriever=self._retriever if candidates.premises > 0 else None)

    @property
    def _retriever(self) -> LazyRetriever:
        """The premise retriever of the run (loaded on first use)."""
        if self._lazy_retriever is None:
            self._lazy_retriever = LazyRetriever(
                lambda: PremiseRetriever(load_or_build_index(self.toolchain, self.config.premise_roots)))
        return self._lazy_retriever

    def _solved_train(self, index: int) -> set[str]:
        solved: set[str] = set()
        for earlier in range(1, index):
            rows = read_resumable_rows(self.out / f"round_{earlier}" / "search.jsonl", self.fingerprint)
            solved |= {name for name, row in rows.items() if row["status"] == "proved"}
        return solved

    def _steps_through(self, index: int) -> list[Step]:
        """Seed steps (if configured) and, for each round 1 … `index`, its restated lemmas'
        reference steps (with `pool_references`) and its kept steps."""
        steps = reference_steps(self.train) if self.config.seed_references else []
        for earlier in range(1, index + 1):
            steps += self._pool_reference_steps(earlier)
            path = self.out / f"round_{earlier}" / "steps.jsonl"
            if path.is_file():
                steps += load_steps(path)
        return steps

    def _pool_reference_steps(self, index: int) -> list[Step]:
        """The first steps of the Lean-checked proofs of round `index`'s restated library lemmas
        (`exact @LEMMA args` on the statement's goal) and family instances (an induction block,
        a rewrite), when `pool_references` is set."""
        if not self.config.pool_references:
            return []
        return reference_steps([p for p in self._round_pool(index) if teaches_by_reference(p.origin)], index)

    def _data(self, index: int) -> list[Step]:
        """The training set of round `index`: seed steps and every round's kept steps so far."""
        steps, _ = drop_duplicates(self._steps_through(index))
        return steps

    def _write_summary(self, rounds: list[dict], initial: str) -> dict:
        initial_eval = None
        if self.held_out and (self.out / "eval" / f"{initial}.jsonl").exists():
            rows = read_resumable_rows(self.out / "eval" / f"{initial}.jsonl", self.fingerprint)
            initial_eval = sum(r["status"] == "proved" for r in rows.values())
        final = rounds[-1]["incumbent"] if rounds else initial
        summary = {
            "out": str(self.out), "fingerprint": self.fingerprint, "rounds_done": len(rounds),
            "train_problems": len(self.train), "eval_problems": len(self.held_out),
            "initial_policy": initial, "initial_eval_solved": initial_eval, "final_policy": final,
            "final_checkpoint": str(self._checkpoint(final)) if final != "prior" else None,
            "per_round": [{"round": r["round"], "solved_train_total": r["solved_train_total"],
                           "train_problems": r["train_problems"],
                           "steps_kept": r["steps_kept"], "train_examples": r["train_examples"],
                           "incumbent_eval": r["eval"].get("incumbent"), "candidate_eval": r["eval"].get("candidate"),
                           "accepted": r["accepted"], "sft_loss": (r["sft"] or {}).get("train_loss"),
                           "checkpoint": (r["sft"] or {}).get("path"),
                           "time_s": r["time_s"]} for r in rounds],
            "generation": describe(self.config.generation), "time_s": round(sum(r["time_s"] for r in rounds), 1),
        }
        (self.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        return summary
