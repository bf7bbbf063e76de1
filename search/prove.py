"""Prove one theorem: cache look-up, search, and a clean re-check before anything is called proved."""

from __future__ import annotations

import copy
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lean_prover.lean_env.dojo import Dojo, TacticState, Theorem, render_script
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file
from lean_prover.search.best_first import best_first_search
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import SearchConfig
from lean_prover.search.dojo_env import DojoProbeEnv
from lean_prover.search.mcts import mcts_search
from lean_prover.search.types import Progress

if TYPE_CHECKING:
    from lean_prover.lean_env.batching import BatchingService
    from lean_prover.lean_env.session import LeanSession
    from lean_prover.prover.critic import Critic
    from lean_prover.prover.policy import Policy


@dataclass
class ProofAttempt:
    """The end of one theorem's attempt.

    status: proved | not_proved | skipped (a cached failure with at least this budget) | error.
    `proof` (the text after `:=`) is set only when Lean re-checked the whole theorem with it.
    """

    name: str
    status: str
    proof: str = ""
    tactics: list[str] = field(default_factory=list)
    from_cache: bool = False
    time_s: float = 0.0
    expansions: int = 0
    lean_calls: int = 0
    probes: int = 0
    stop_reason: str = ""
    detail: str = ""
    trace: list[dict] = field(default_factory=list)
    decomposition: dict = field(default_factory=dict)  # set by search.decompose: sketches and pieces tried
    whole_proof: dict = field(default_factory=dict)  # set by search.whole_proof: samples, rounds, verdicts

    def to_dict(self, with_trace: bool = False) -> dict:
        """A JSON-ready dict (the search trace only on request)."""
        data = asdict(self)
        if not with_trace:
            data.pop("trace")
        return data


class ProverFacade:
    """What wrappers of a prover (decomposition, pools) pass through: its toolchain and timeout."""

    prover: "Prover"

    @property
    def toolchain(self) -> Toolchain:
        """The prover's Lean toolchain."""
        return self.prover.toolchain

    @property
    def tactic_timeout_s(self) -> float:
        """The prover's per-process Lean timeout."""
        return self.prover.tactic_timeout_s


class Prover:
    """Searches for proofs of theorems with one policy, critic, search configuration and cache."""

    def __init__(self, toolchain: Toolchain, policy: "Policy", config: SearchConfig,
                 critic: "Critic | None" = None, cache: ProofCache | None = None,
                 progress: Progress | None = None, tactic_timeout_s: float = 300.0,
                 session: "LeanSession | None" = None, batching: "BatchingService | None" = None):
        self.toolchain, self.policy, self.config = toolchain, policy, config
        self.critic, self.cache, self.progress = critic, cache, progress
        self.tactic_timeout_s = tactic_timeout_s
        self.session = session  # a persistent Lean worker for the probes (else one process per batch)
        self.batching = batching  # shared Lean runs with concurrent searches (lean_env.batching)
        if session is not None and batching is not None:
            raise ValueError("a prover uses a session or a batching service, not both")

    def replace(self, **changes) -> "Prover":
        """A copy with some attributes changed (e.g. `policy`, `batching`, `cache`)."""
        unknown = set(changes) - set(vars(self))
        if unknown:
            raise TypeError(f"Prover has no attribute {', '.join(sorted(unknown))}")
        twin = copy.copy(self)
        vars(twin).update(changes)
        return twin

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Search for a proof of `theorem`; a found proof is returned only after a clean re-check."""
        started = time.monotonic()
        attempt = self._attempt(theorem)
        attempt.time_s = round(time.monotonic() - started, 3)
        return attempt

    def _attempt(self, theorem: Theorem) -> ProofAttempt:
        engine = None
        if self.session is not None:
            from lean_prover.lean_env.session import SessionEngine

            engine = SessionEngine(self.toolchain, theorem, timeout_s=self.tactic_timeout_s, session=self.session)
        elif self.batching is not None:
            engine = self.batching.engine(theorem)
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
                               stop_reason=result.stop_reason, trace=result.trace)
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
        a batching service it holds a process slot and lets rounds go on without it."""
        return self.batching.outside() if self.batching is not None else nullcontext()

    def verify(self, theorem: Theorem, proof: str) -> bool:
        """True when Lean accepts the whole theorem with `proof`: no error, no sorry, standard axioms.
        With a batching service the re-check shares a file with other searches' re-checks."""
        if self.batching is not None:
            return self.batching.recheck(theorem, proof, alone=lambda: self._verify_alone(theorem, proof))
        return self._verify_alone(theorem, proof)

    def _verify_alone(self, theorem: Theorem, proof: str) -> bool:
        with tempfile.TemporaryDirectory(prefix="prover-verify-") as tmp:
            path = Path(tmp) / "Verify.lean"
            path.write_text(theorem.lean_text(proof), encoding="utf-8")
            result = check_file(self.toolchain, path, CheckOptions(timeout_s=self.tactic_timeout_s))
        return result.theorem_proved(theorem.name) and not any(m["severity"] == "error" for m in result.messages)
