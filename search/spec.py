"""How one prover is built: the single wiring of policy, critic, planner, engine, cache and
decomposition, from a picklable description (it crosses into worker processes and Ray actors).

    spec = ProverSpec(toolchain, SearchConfig(), models, cache_path="proofs.db", decompose=True)
    prover = spec.build()           # a Decomposer over a SearchProver (spec() does the same)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.search.attempt import Prover
from lean_prover.search.config import SearchConfig
from lean_prover.search.engines import EngineKind, engine_factory
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Progress

if TYPE_CHECKING:
    from lean_prover.lean_env.pool import PoolPolicy
    from lean_prover.prover.planner import Completer
    from lean_prover.search.decompose import Decomposer


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
    `planner:` model when there is one.
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

    def __call__(self) -> Prover:
        """A fresh prover for this process (what a worker builds)."""
        return self.build()

    def build(self, progress: Progress | None = None) -> Prover:
        """The search prover, wrapped in decomposition when the spec says so."""
        search = self.search_prover(progress)
        return self.decomposer(search, self.planner_model()) if self.decompose else search

    def search_prover(self, progress: Progress | None = None) -> SearchProver:
        """The search alone: policy, critic, cache connection and engines."""
        from lean_prover.prover.models import load_critic, load_policy
        from lean_prover.search.cache_backends import open_cache

        models = self.models or ModelsConfig()
        critic = load_critic(models.critic) if self.config.uses_critic else None
        return SearchProver(self.toolchain, load_policy(models.policy), self.config, critic,
                            open_cache(self.cache_path), progress=progress,
                            tactic_timeout_s=self.tactic_timeout_s,
                            engines=engine_factory(self.engine, self.toolchain, self.pool_policy))

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
