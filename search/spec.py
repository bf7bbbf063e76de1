"""How one prover is built: the single wiring of policy, critic, planner, engine, cache,
decomposition, the whole-proof engine and what Lean knows (the first pass, Lean's suggestions,
the premise index), from a picklable description (it crosses into worker processes and Ray
actors).

    spec = ProverSpec(toolchain, SearchConfig(), models, cache_path="proofs.db", decompose=True)
    prover = spec.build()           # a Decomposer over a SearchProver (spec() does the same)

`mode` (`--mode`): `step` builds the search (and decomposition); `whole` the whole-proof engine
of the policy's model in its whole-proof prompt format (:mod:`search.whole_proof`); `hybrid`
decomposition over :class:`search.whole_proof.HybridProver` (whole-proof samples, then step
search with the rule-based prior: the policy's model writes whole proofs, not tactics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from lean_prover.lean_env.library_index import DEFAULT_ROOTS
from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.model_config import ModelConfig, ModelsConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.search.attempt import Prover
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.config import SearchConfig
from lean_prover.search.engines import EngineKind, engine_factory
from lean_prover.search.portfolio import FirstPassSettings
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Progress
from lean_prover.search.whole_proof import HybridProver, ProofMode, WholeProofConfig, WholeProofEngine

if TYPE_CHECKING:
    from lean_prover.lean_env.batching import BatchingService
    from lean_prover.lean_env.pool import PoolPolicy
    from lean_prover.prover.backends import Completer
    from lean_prover.prover.premises import LazyRetriever
    from lean_prover.search.decompose import Decomposer

Note = Callable[[str], None]


@dataclass(frozen=True)
class ProverSpec:
    """Everything needed to build a prover in any process.

    `models`: the policy, critic and optional planner model (None: the rule-based prior and
    the heuristic critic); the critic is loaded only for `critic-bfs` and `mcts`. `engine`:
    how probes reach Lean (:mod:`search.engines`); with `session` each process that builds the
    spec (each worker, each Ray actor) has its own :class:`lean_env.pool.LeanPool` (`pool_policy`,
    None: the toolchain's default), kept for all its tasks. `cache_path`: a SQLite file, or
    `ray-actor:NAME`, the Ray cluster's cache actor (:mod:`search.cache_backends`). `decompose` wraps the search in
    :class:`search.decompose.Decomposer` with `max_depth`, its planner using the config's
    `planner:` model (in that section's prompt format) when there is one. `mode` and `whole`:
    see the module docstring. `first_pass` (None: off) tries Lean's one-shot automation before
    any search (:mod:`search.portfolio`; in a worker process, per theorem); `candidates` adds
    Lean's suggestions and retrieved premises to the policy's candidates (:mod:`search.candidates`),
    premises from the index of `premise_roots`, loaded (or built) on the first query.
    """

    toolchain: Toolchain
    config: SearchConfig
    models: ModelsConfig | None = None
    cache_path: str | None = None
    tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S
    decompose: bool = False
    max_depth: int = 1
    engine: EngineKind = "file"
    pool_policy: "PoolPolicy | None" = None
    mode: ProofMode = "step"
    whole: WholeProofConfig = field(default_factory=WholeProofConfig)
    first_pass: FirstPassSettings | None = None
    candidates: CandidateSettings = CandidateSettings()
    premise_roots: tuple[str, ...] = DEFAULT_ROOTS

    def __call__(self) -> Prover:
        """A fresh prover for this process (what a worker builds)."""
        return self.build()

    def build(self, progress: Progress | None = None, note: Note | None = None) -> Prover:
        """The prover of the spec's mode: the search (wrapped in decomposition when the spec
        says so), the whole-proof engine, or decomposition over the hybrid prover. `note` sees
        the whole-proof engine's progress lines, the first pass and the premise index being built."""
        if self.mode == "whole":
            return self.whole_engine(note=note)
        search = self.search_prover(progress, note)
        if self.mode == "hybrid":
            return self.decomposer(HybridProver(search, self.whole_engine(note=note)), self.planner_model())
        return self.decomposer(search, self.planner_model()) if self.decompose else search

    def search_prover(self, progress: Progress | None = None, on_note: Note | None = None) -> SearchProver:
        """The search alone: policy, critic, cache connection, engines, first pass and extra
        candidates (in hybrid mode the policy is the rule-based prior); `on_note` hears the first
        pass and the premise index being built."""
        from lean_prover.prover.models import load_critic, load_policy
        from lean_prover.prover.tactic_memory import MemoryPolicy
        from lean_prover.search.cache_backends import open_cache

        models = self.models or ModelsConfig()
        critic = load_critic(models.critic) if self.config.uses_critic else None
        policy = load_policy(models.policy if self.mode == "step" else ModelConfig())
        retriever = self.retriever(on_note)
        if isinstance(policy, MemoryPolicy) and retriever is not None:
            policy.memory.retriever = retriever  # remembered tactics' shapes get this goal's lemmas
        return SearchProver(self.toolchain, policy, self.config, critic,
                            open_cache(self.cache_path), progress=progress,
                            tactic_timeout_s=self.tactic_timeout_s,
                            engines=engine_factory(self.engine, self.toolchain, self.pool_policy),
                            first_pass=self.first_pass, candidates=self.candidates,
                            retriever=retriever, on_note=on_note)

    def whole_engine(self, batching: "BatchingService | None" = None, note: Note | None = None) -> WholeProofEngine:
        """The whole-proof engine: the policy's model in its whole-proof prompt format; its checks
        go through `batching` (a lockstep pool's service) or a service of its own."""
        from lean_prover.prover.models import load_generator

        policy = (self.models or ModelsConfig()).policy
        if policy.format.kind != "whole":
            raise ModelConfigError(f"--mode {self.mode} needs a policy whose `prompt` is a whole-proof format "
                                   "(deepseek-prover-v1.5, deepseek-prover-v2, goedel-prover-v2, kimina-prover, or a "
                                   f"custom one with {{code}}); the policy's is {policy.format.name!r}")
        return WholeProofEngine(self.toolchain, load_generator(policy), policy.format, self.whole,
                                tactic_timeout_s=self.tactic_timeout_s, batching=batching, progress=note,
                                max_new_tokens=policy.max_new_tokens)

    def retriever(self, on_note: Note | None = None) -> "LazyRetriever | None":
        """The premise retriever (None when no premises are asked): the index of `premise_roots`,
        loaded, or built and cached, on its first query; with `on_note`, an index that cannot be built
        is reported there once and the searches go on without premises."""
        if self.candidates.premises <= 0:
            return None
        from lean_prover.lean_env.library_index import load_or_build_index
        from lean_prover.prover.premises import LazyRetriever, PremiseRetriever

        return LazyRetriever(lambda: PremiseRetriever(load_or_build_index(
            self.toolchain, self.premise_roots, progress=on_note or (lambda _message: None))), on_failure=on_note)

    def planner_model(self) -> "Completer | None":
        """The model of the config's `planner:` section (None without one)."""
        from lean_prover.prover.models import load_planner_model

        return load_planner_model(self.models.planner if self.models else None)

    def decomposer(self, search: SearchProver | HybridProver, planner_model: "Completer | None") -> "Decomposer":
        """Decomposition over `search` (its Lean gate guards the sketch checks); the planner
        prompts its model in the `planner:` section's format (a whole-proof format: its answers
        are read as sketches, with the section's `max_new_tokens`)."""
        from lean_prover.prover.planner import Planner
        from lean_prover.search.decompose import Decomposer

        section = self.models.planner if self.models else None
        fmt = section.format if section is not None else None
        long_answers = {"max_new_tokens": section.max_new_tokens} if fmt is not None and fmt.kind == "whole" else {}
        planner = Planner(search.toolchain, model=planner_model, lean_gate=search.lean_gate, prompt_format=fmt,
                          retriever=getattr(search, "retriever", None) if planner_model is not None else None,
                          premises=self.candidates.premises, **long_answers)
        return Decomposer(search, planner, max_depth=self.max_depth)
