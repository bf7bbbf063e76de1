"""Prove one theorem: the first pass (one-shot automation), cache look-up, search with the
policy's candidates and Lean's own (suggestions, premises), and a clean re-check before
anything is called proved."""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from lean_prover.lean_env.dojo import Dojo, TacticState, Theorem, render_script
from lean_prover.lean_env.limits import DEFAULT_HEARTBEATS, DEFAULT_KILL_RETRIES, LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file, vouches_for
from lean_prover.search.attempt import OnAttempt, ProofAttempt, prove_in_turn
from lean_prover.search.best_first import best_first_search
from lean_prover.search.candidates import CandidateSettings, CandidateSource, SuggestionMemory
from lean_prover.search.config import SearchConfig
from lean_prover.search.dojo_env import DojoProbeEnv
from lean_prover.search.engines import EngineFactory, ProcessEngines
from lean_prover.search.mcts import mcts_search
from lean_prover.search.portfolio import (FirstPass, FirstPassResult, FirstPassSettings, RootSkippingPolicy,
                                          known_root_failures, run_first_pass, theorem_key)
from lean_prover.search.types import Budget, Progress

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy
    from lean_prover.prover.premises import LazyRetriever, PremiseRetriever
    from lean_prover.search.cache import ProofCache


class FirstPassStore:
    """First-pass results (:mod:`search.portfolio`) shared by a prover and its replicas: per
    theorem, and Lean's root-state suggestions in a :class:`search.candidates.SuggestionMemory`."""

    def __init__(self) -> None:
        self.results: dict[str, FirstPassResult] = {}
        self.memory = SuggestionMemory()
        self._lock = threading.Lock()

    def add(self, first: FirstPass) -> None:
        """Keep a first pass's results and suggestions."""
        with self._lock:
            self.results.update(first.results)
        for goals, suggestions in first.suggestions.items():
            self.memory.put(goals, suggestions)

    def get(self, theorem: Theorem) -> FirstPassResult | None:
        """The first pass of `theorem` (by its statement), if one was run."""
        with self._lock:
            return self.results.get(theorem_key(theorem))


class SearchProver:
    """Searches for proofs of theorems with one policy, critic, search configuration and cache;
    its Lean work goes through `engines` (:mod:`search.engines`: one process per batch by default).

    With `first_pass` settings, a theorem is first tried with Lean's one-shot automation (and
    its root state asked for Lean's suggestions) — in one shared Lean run for many theorems when
    :meth:`prepare` was called with them, else alone — and a proof found there is re-checked and
    returned before any search; the Lean runs it took count against the search's Lean-call
    budget. `candidates` adds Lean's suggestions and retrieved premises to the policy's
    candidates in the search (`retriever` answers premise queries). `on_note` hears what takes
    long outside the searches (the first pass, building the premise index)."""

    independent = False

    def __init__(self, toolchain: Toolchain, policy: "Policy", config: SearchConfig,
                 critic: "Critic | None" = None, cache: "ProofCache | None" = None,
                 progress: Progress | None = None, tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S,
                 engines: EngineFactory | None = None, first_pass: FirstPassSettings | None = None,
                 candidates: CandidateSettings = CandidateSettings(),
                 retriever: "PremiseRetriever | LazyRetriever | None" = None,
                 on_note: Callable[[str], None] | None = None):
        self.toolchain, self.policy, self.config = toolchain, policy, config
        self.critic, self.cache, self.progress = critic, cache, progress
        self.tactic_timeout_s = tactic_timeout_s
        self.engines: EngineFactory = engines or ProcessEngines()
        self.first_pass_settings, self.candidates, self.retriever = first_pass, candidates, retriever
        self.on_note = on_note or (lambda _message: None)
        self.first_passes = FirstPassStore()  # shared with replicas (`replace` copies the reference)

    def replace(self, **changes) -> "SearchProver":
        """A copy with some attributes changed (e.g. `policy`, `engines`, `cache`)."""
        unknown = set(changes) - set(vars(self))
        if unknown:
            raise TypeError(f"SearchProver has no attribute {', '.join(sorted(unknown))}")
        twin = copy.copy(self)
        vars(twin).update(changes)
        return twin

    def prepare(self, theorems: Sequence[Theorem], automation: Mapping[str, FirstPassResult] | None = None) -> None:
        """Run the first pass for all `theorems` at once (one Lean run per context and step), so
        that each theorem's proof attempt finds it done. `automation`: portfolio results already
        computed (by :func:`search.portfolio.theorem_key`). Nothing to do without first-pass
        settings, or for theorems already done."""
        if self.first_pass_settings is None:
            return
        todo = [t for t in theorems if self.first_passes.get(t) is None]
        if todo:
            self.first_passes.add(run_first_pass(self.toolchain, todo, self._first_pass_settings(),
                                                 dict(automation) if automation else None, self.on_note))

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Search for a proof of `theorem`; a found proof is returned only after a clean re-check."""
        started = time.monotonic()
        attempt = self._attempt(theorem)
        attempt.time_s = round(time.monotonic() - started, 3)
        return attempt

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """The first pass of all theorems together, then every theorem in turn; `on_attempt` as
        each ends (an exception is that theorem's `error`)."""
        self.prepare(theorems)
        return prove_in_turn(self, theorems, on_attempt)

    def _first_pass_settings(self) -> FirstPassSettings:
        settings = self.first_pass_settings or FirstPassSettings()
        if self.candidates.suggestion_tactics and not settings.suggestion_tactics:
            settings = dataclasses.replace(settings, suggestion_tactics=self.candidates.suggestion_tactics,
                                           suggestion_heartbeats=self.candidates.suggestion_heartbeats)
        return settings

    def _first_pass(self, theorem: Theorem) -> FirstPassResult | None:
        if self.first_pass_settings is None:
            return None
        known = self.first_passes.get(theorem)
        if known is None:
            with self.lean_gate():
                self.first_passes.add(run_first_pass(self.toolchain, [theorem], self._first_pass_settings()))
            known = self.first_passes.get(theorem)
        return known

    def _attempt(self, theorem: Theorem) -> ProofAttempt:
        first = self._first_pass(theorem)
        charged = first.lean_calls if first is not None else 0
        if first is not None and first.proof is not None and self.verify(theorem, first.proof):
            return ProofAttempt(theorem.name, "proved", first.proof, tactics=_script_tactics(first.proof),
                                lean_calls=charged, stop_reason="first pass",
                                detail=f"one-shot automation: {', '.join(first.solved_by)}")
        engine = self.engines.engine(theorem, self.tactic_timeout_s)
        with Dojo(theorem, toolchain=self.toolchain, timeout_s=self.tactic_timeout_s, engine=engine) as (dojo, initial):
            if not isinstance(initial, TacticState):
                return ProofAttempt(theorem.name, "error", lean_calls=charged,
                                    detail=f"cannot start the proof: {initial}")
            if self.cache is not None:
                cached = self.cache.get_proof(initial.pp)
                if cached is not None:
                    proof = render_script(cached)
                    if self.verify(theorem, proof):
                        return ProofAttempt(theorem.name, "proved", proof, cached, from_cache=True,
                                            lean_calls=charged, stop_reason="cache")
                if self.cache.should_skip(initial.pp, self.config.budget.max_expansions,
                                          self.config.budget.max_lean_calls):
                    return ProofAttempt(theorem.name, "skipped", lean_calls=charged, stop_reason="cached failure",
                                        detail="a search with at least this budget failed before")
            search = mcts_search if self.config.algorithm == "mcts" else best_first_search
            skipped = known_root_failures(first, initial.pp, DEFAULT_HEARTBEATS) if first is not None else frozenset()
            policy = RootSkippingPolicy(self.policy, initial.pp, skipped) if skipped else self.policy
            result = search(DojoProbeEnv(dojo, initial), policy, self._charged(charged), self.critic,
                            self.progress, self._source(theorem))
        attempt = ProofAttempt(theorem.name, "not_proved", tactics=result.tactics, expansions=result.expansions,
                               lean_calls=result.lean_calls + charged, probes=result.probes,
                               stop_reason=result.stop_reason, trace=result.trace, root_state=initial.pp)
        if result.proved:
            proof = render_script(result.tactics)
            if self.verify(theorem, proof):
                attempt.status, attempt.proof = "proved", proof
                if self.cache is not None:
                    self.cache.put_proof(initial.pp, result.tactics, source=theorem.name)
            else:
                attempt.detail = "the search's proof failed the final re-check"
        elif self.cache is not None and result.stop_reason != "time":
            self.cache.record_failure(initial.pp, result.expansions, result.time_s, result.lean_calls)
        return attempt

    def _charged(self, lean_calls: int) -> SearchConfig:
        """The search settings with `lean_calls` (the first pass's runs) taken off the Lean-call budget."""
        if not lean_calls:
            return self.config
        budget = self.config.budget
        return dataclasses.replace(self.config, budget=Budget(budget.max_expansions,
                                                              max(0, budget.max_lean_calls - lean_calls),
                                                              budget.max_time_s))

    def _source(self, theorem: Theorem) -> CandidateSource | None:
        """The search's extra candidates (Lean's suggestions, premises), or None when none are asked."""
        if not self.candidates.enabled:
            return None
        return CandidateSource(self.candidates, self.toolchain, theorem, self.first_passes.memory, self.cache,
                               self.retriever if self.candidates.premises > 0 else None, self.lean_gate,
                               self.tactic_timeout_s)

    def lean_gate(self):
        """A context for Lean work of this prover's own outside its probes (sketch checks,
        suggestion queries): with batched engines it holds a process slot and lets rounds go on
        without it."""
        return self.engines.outside()

    def verify(self, theorem: Theorem, proof: str) -> bool:
        """True when Lean accepts the whole theorem with `proof`: no error, no sorry, standard axioms.
        With batched engines the re-check shares a file with other searches' re-checks."""
        return self.engines.recheck(theorem, proof, lambda: self._verify_alone(theorem, proof))

    def _verify_alone(self, theorem: Theorem, proof: str) -> bool:
        with tempfile.TemporaryDirectory(prefix="prover-verify-") as tmp:
            path = Path(tmp) / "Verify.lean"
            path.write_text(theorem.lean_text(proof), encoding="utf-8")
            for _ in range(1 + DEFAULT_KILL_RETRIES):  # a Lean killed from outside says nothing: check again
                options = CheckOptions(timeout_s=self.tactic_timeout_s, file_syntax="trusted")
                result = check_file(self.toolchain, path, options)
                if result.status != "killed":
                    break
        return vouches_for(result, theorem.name)


def _script_tactics(proof: str) -> list[str]:
    """The tactics of a `by` block written by :func:`lean_env.results.render_script` (one per line)."""
    return [line.strip() for line in proof.split("\n")[1:] if line.strip()]
