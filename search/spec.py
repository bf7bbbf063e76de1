"""How one prover is built: the single wiring of policy, critic, planner, engine, cache,
decomposition and what Lean knows (the first pass, Lean's suggestions, the premise index), from
a picklable description (it crosses into worker processes and Ray actors).

    spec = ProverSpec(toolchain, SearchConfig(), models, cache_path="proofs.db", decompose=True)
    prover = spec.build()           # a Decomposer over a SearchProver (spec() does the same)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from lean_prover.lean_env.library_index import DEFAULT_ROOTS
from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.search.attempt import Prover
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.config import SearchConfig
from lean_prover.search.engines import EngineKind, engine_factory
from lean_prover.search.portfolio import FirstPassSettings
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Progress

if TYPE_CHECKING:
    from lean_prover.prover.planner import Completer
    from lean_prover.prover.premises import LazyRetriever
    from lean_prover.search.decompose import Decomposer


@dataclass(frozen=True)
class ProverSpec:
    """Everything needed to build a prover in any process.

    `models`: the policy, critic and optional planner model (None: the rule-based prior and
    the heuristic critic); the critic is loaded only for `critic-bfs` and `mcts`. `engine`:
    how probes reach Lean (:mod:`search.engines`). `decompose` wraps the search in
    :class:`search.decompose.Decomposer` with `max_depth`, its planner using the config's
    `planner:` model when there is one. `first_pass` (None: off) tries Lean's one-shot
    automation before any search (:mod:`search.portfolio`; in a worker process, per theorem);
    `candidates` adds Lean's suggestions and retrieved premises to the policy's candidates
    (:mod:`search.candidates`), premises from the index of `premise_roots`, loaded (or built)
    on the first query.
    """

    toolchain: Toolchain
    config: SearchConfig
    models: ModelsConfig | None = None
    cache_path: str | None = None
    tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S
    decompose: bool = False
    max_depth: int = 1
    engine: EngineKind = "file"
    first_pass: FirstPassSettings | None = None
    candidates: CandidateSettings = CandidateSettings()
    premise_roots: tuple[str, ...] = DEFAULT_ROOTS

    def __call__(self) -> Prover:
        """A fresh prover for this process (what a worker builds)."""
        return self.build()

    def build(self, progress: Progress | None = None, on_note: Callable[[str], None] | None = None) -> Prover:
        """The search prover, wrapped in decomposition when the spec says so."""
        search = self.search_prover(progress, on_note)
        return self.decomposer(search, self.planner_model()) if self.decompose else search

    def search_prover(self, progress: Progress | None = None,
                      on_note: Callable[[str], None] | None = None) -> SearchProver:
        """The search alone: policy, critic, cache connection, engines, first pass and extra
        candidates; `on_note` hears the first pass and the premise index being built."""
        from lean_prover.prover.models import load_critic, load_policy
        from lean_prover.search.cache import ProofCache

        models = self.models or ModelsConfig()
        critic = load_critic(models.critic) if self.config.uses_critic else None
        return SearchProver(self.toolchain, load_policy(models.policy), self.config, critic,
                            ProofCache(self.cache_path) if self.cache_path else None, progress=progress,
                            tactic_timeout_s=self.tactic_timeout_s,
                            engines=engine_factory(self.engine, self.toolchain), first_pass=self.first_pass,
                            candidates=self.candidates, retriever=self.retriever(on_note), on_note=on_note)

    def retriever(self, on_note: Callable[[str], None] | None = None) -> "LazyRetriever | None":
        """The premise retriever (None when no premises are asked): the index of `premise_roots`,
        loaded, or built and cached, on its first query."""
        if self.candidates.premises <= 0:
            return None
        from lean_prover.lean_env.library_index import load_or_build_index
        from lean_prover.prover.premises import LazyRetriever, PremiseRetriever

        return LazyRetriever(lambda: PremiseRetriever(load_or_build_index(
            self.toolchain, self.premise_roots, progress=on_note or (lambda _message: None))))

    def planner_model(self) -> "Completer | None":
        """The model of the config's `planner:` section (None without one)."""
        from lean_prover.prover.models import load_planner_model

        return load_planner_model(self.models.planner if self.models else None)

    def decomposer(self, search: SearchProver, planner_model: "Completer | None") -> "Decomposer":
        """Decomposition over `search` (its Lean gate guards the sketch checks)."""
        from lean_prover.prover.planner import Planner
        from lean_prover.search.decompose import Decomposer

        planner = Planner(search.toolchain, model=planner_model, lean_gate=search.lean_gate)
        return Decomposer(search, planner, max_depth=self.max_depth)
