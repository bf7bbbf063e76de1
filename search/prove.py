"""Prove one theorem: cache look-up, search, and a clean re-check before anything is called proved."""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from lean_prover.lean_env.dojo import Dojo, TacticState, Theorem, render_script
from lean_prover.lean_env.limits import DEFAULT_KILL_RETRIES, LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file, vouches_for
from lean_prover.search.attempt import OnAttempt, ProofAttempt, prove_in_turn
from lean_prover.search.best_first import best_first_search
from lean_prover.search.config import SearchConfig
from lean_prover.search.dojo_env import DojoProbeEnv
from lean_prover.search.engines import EngineFactory, ProcessEngines
from lean_prover.search.mcts import mcts_search
from lean_prover.search.types import Progress

if TYPE_CHECKING:
    from lean_prover.prover.critic import Critic
    from lean_prover.search.cache import ProofCache
    from lean_prover.prover.policy import Policy


class SearchProver:
    """Searches for proofs of theorems with one policy, critic, search configuration and cache;
    its Lean work goes through `engines` (:mod:`search.engines`: one process per batch by default)."""

    independent = False

    def __init__(self, toolchain: Toolchain, policy: "Policy", config: SearchConfig,
                 critic: "Critic | None" = None, cache: "ProofCache | None" = None,
                 progress: Progress | None = None, tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S,
                 engines: EngineFactory | None = None):
        self.toolchain, self.policy, self.config = toolchain, policy, config
        self.critic, self.cache, self.progress = critic, cache, progress
        self.tactic_timeout_s = tactic_timeout_s
        self.engines: EngineFactory = engines or ProcessEngines()

    def replace(self, **changes) -> "SearchProver":
        """A copy with some attributes changed (e.g. `policy`, `engines`, `cache`)."""
        unknown = set(changes) - set(vars(self))
        if unknown:
            raise TypeError(f"SearchProver has no attribute {', '.join(sorted(unknown))}")
        twin = copy.copy(self)
        vars(twin).update(changes)
        return twin

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Search for a proof of `theorem`; a found proof is returned only after a clean re-check."""
        started = time.monotonic()
        attempt = self._attempt(theorem)
        attempt.time_s = round(time.monotonic() - started, 3)
        return attempt

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Every theorem in turn; `on_attempt` as each ends (an exception is that theorem's `error`)."""
        return prove_in_turn(self, theorems, on_attempt)

    def _attempt(self, theorem: Theorem) -> ProofAttempt:
        engine = self.engines.engine(theorem, self.tactic_timeout_s)
        with Dojo(theorem, toolchain=self.toolchain, timeout_s=self.tactic_timeout_s, engine=engine) as (dojo, initial):
            if not isinstance(initial, TacticState):
                return ProofAttempt(theorem.name, "error", detail=f"cannot start the proof: {initial}")
            if self.cache is not None:
                cached = self.cache.get_proof(initial.pp)
                if cached is not None:
                    proof = render_script(cached)
                    if self.verify(theorem, proof):
                        return ProofAttempt(theorem.name, "proved", proof, cached, from_cache=True,
                                            stop_reason="cache")
                if self.cache.should_skip(initial.pp, self.config.budget.max_expansions,
                                          self.config.budget.max_lean_calls):
                    return ProofAttempt(theorem.name, "skipped", stop_reason="cached failure",
                                        detail="a search with at least this budget failed before")
            search = mcts_search if self.config.algorithm == "mcts" else best_first_search
            result = search(DojoProbeEnv(dojo, initial), self.policy, self.config, self.critic, self.progress)
        attempt = ProofAttempt(theorem.name, "not_proved", tactics=result.tactics, expansions=result.expansions,
                               lean_calls=result.lean_calls, probes=result.probes,
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

    def lean_gate(self):
        """A context for Lean work of this prover's own outside its probes (sketch checks): with
        batched engines it holds a process slot and lets rounds go on without it."""
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
                result = check_file(self.toolchain, path, CheckOptions(timeout_s=self.tactic_timeout_s))
                if result.status != "killed":
                    break
        return vouches_for(result, theorem.name)
