"""`build_prover`: one place that turns a command's options into a prover.

The model config is read once (when :class:`SearchOptions` are validated); from it one
:class:`search.spec.ProverSpec` wires the policy, the critic (for critic-guided searches), the
planner (structural sketches, plus LM `have` chains when the config has a `planner:`
section), the engine (`--engine`: with `session` a Lean pool per process, `--pool-*`), the
proof cache, decomposition, the whole-proof engine (`--mode whole|hybrid`, `--samples`,
`--repair-rounds`), the first pass and Lean's suggestions and premises as candidates
(:mod:`app.library_cli`); `build_prover` then picks what runs it: one prover in this process, a
lockstep pool (`--concurrency`), worker processes (`--workers`) or Ray actors (`--ray-address`).
Whole-proof checks share Lean runs of this process, so `--mode whole|hybrid` runs without worker
processes, Ray and the session engine; `--mode whole` samples and checks every theorem together
and needs no pool.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from lean_prover.app.library_cli import LeanKnowledgeOptions
from lean_prover.app.options import LeanOptions, OutputOptions, at_least, option, positive
from lean_prover.lean_env.library_index import project_roots
from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S, THEOREM_TIME_LIMIT_S
from lean_prover.lean_env.pool import PoolPolicy, default_policy
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.search.attempt import Prover
from lean_prover.search.config import Algorithm, SearchConfig
from lean_prover.search.engines import EngineKind
from lean_prover.search.lockstep import LockedPolicy, LockstepPool
from lean_prover.search.ray_backend import RayPool
from lean_prover.search.spec import ProverSpec
from lean_prover.search.types import Budget, BudgetMeter
from lean_prover.search.whole_proof import HybridProver, ProofMode, WholeProofConfig
from lean_prover.search.workers import WorkerPool


@dataclasses.dataclass(frozen=True, kw_only=True)
class SearchOptions(LeanKnowledgeOptions, OutputOptions, LeanOptions):
    """The search, model, engine and pool options of `prover prove` and `prover bench`, and what
    Lean knows (the first pass, Lean's suggestions, premises: :class:`app.library_cli.LeanKnowledgeOptions`)."""

    mode: ProofMode = option("step", help="step: tactic-by-tactic search; whole: sample complete proofs with the "
                             "policy's whole-proof prompt format, check them, repair the failed ones; hybrid: "
                             "whole-proof samples, then step search, for the theorem and each piece of a planner "
                             "sketch")
    samples: int = option(4, metavar="N", help="whole/hybrid: proofs sampled per theorem")
    repair_rounds: int = option(0, metavar="K", help="whole/hybrid: rounds sending failed proofs back with Lean's "
                                "errors")
    search: Algorithm = option("bfs", help="search algorithm")
    budget: int = option(64, metavar="N", help="node expansions per theorem")
    max_lean_calls: int = option(12, metavar="N", help="Lean round trips per theorem")
    time_limit: float = option(THEOREM_TIME_LIMIT_S, metavar="S", help="seconds of search per theorem")
    width: int = option(8, metavar="K", help="tactics tried per state")
    seed: int = option(0, metavar="N", help="random seed of the search and of sampling policies "
                       "(a fixed seed gives the same results)")
    timeout: float = option(LEAN_PROCESS_TIMEOUT_S, metavar="S", help="wall-clock limit of one Lean process")
    cache: str | None = option(None, metavar="DB", help="SQLite proof cache shared across runs")
    model: str | None = option(None, metavar="CONFIG.yaml", help="model config (policy/critic/planner sections); "
                               "default: rule-based prior and heuristic critic")
    decompose: bool = option(True, negatable=True,
                             help="when direct search fails, split the theorem with planner sketches")
    max_depth: int = option(1, metavar="N", help="levels of decomposition below the theorem")
    workers: int = option(1, metavar="N", help="prover processes, each with its own Lean runs")
    concurrency: int = option(1, metavar="N", help="searches at once in this process, sharing Lean runs: far "
                              "fewer Lean start-ups, same results unless --time-limit binds")
    retries: int = option(1, metavar="N", help="re-runs of a task whose worker died")
    engine: EngineKind = option("file", help="how probes reach Lean: one process per batch (file), or a pool of "
                                "persistent `lean --worker` sessions keyed by header (session; one pool per "
                                "process with --workers/--ray-address; see the README for its memory on the "
                                "embedded Lean)")
    pool_size: int | None = option(None, metavar="N", help="Lean sessions at once, per process (--engine session; "
                                   "default 1 embedded, by memory native)")
    pool_max_uses: int | None = option(None, metavar="N", help="requests before a session's worker is replaced "
                                       "(--engine session; default 10 embedded, 200 native)")
    pool_max_rss_gb: float | None = option(None, metavar="GB", help="replace a session's worker whose resident "
                                           "memory exceeds this (--engine session; default 9 embedded, 12 native)")
    ray_address: str | None = option(None, metavar="ADDR", help="prove on a Ray cluster (`auto`, "
                                     "`ray://HOST:10001`; one actor per --workers, default one per cluster CPU)")
    models: ModelsConfig = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        for flag, value in (("--budget", self.budget), ("--max-lean-calls", self.max_lean_calls),
                            ("--workers", self.workers), ("--concurrency", self.concurrency),
                            ("--pool-size", self.pool_size), ("--pool-max-uses", self.pool_max_uses)):
            at_least(value, 1, flag)
        positive(self.pool_max_rss_gb, "--pool-max-rss-gb")
        for flag, value in (("--retries", self.retries), ("--max-depth", self.max_depth),
                            ("--repair-rounds", self.repair_rounds)):
            at_least(value, 0, flag)
        at_least(self.samples, 1, "--samples")
        if self.mode != "step" and (self.workers > 1 or self.ray_address or self.engine == "session"):
            raise ValueError(f"--mode {self.mode} checks proofs in shared Lean runs of this process: use it "
                             "without --workers, --ray-address and --engine session")
        positive(self.time_limit, "--time-limit")
        positive(self.timeout, "--timeout")
        if self.concurrency > 1 and (self.workers > 1 or self.ray_address):
            raise ValueError("--concurrency batches one process's Lean runs: use it without "
                             "--workers and --ray-address")
        pool_flags = [flag for flag, value in (("--pool-size", self.pool_size), ("--pool-max-uses", self.pool_max_uses),
                                               ("--pool-max-rss-gb", self.pool_max_rss_gb)) if value is not None]
        if pool_flags and self.engine != "session":
            raise ValueError(f"{pool_flags[0]} sets the Lean pool of --engine session: add --engine session")
        self.search_config()
        object.__setattr__(self, "models", ModelsConfig.from_yaml(self.model) if self.model else ModelsConfig())
        if self.mode != "step" and self.models.policy.format.kind != "whole":
            raise ValueError(f"--mode {self.mode} needs a policy whose `prompt` is a whole-proof format "
                             "(deepseek-prover-v1.5, deepseek-prover-v2, goedel-prover-v2, kimina-prover, or a custom "
                             f"one with {{code}}); the policy's is {self.models.policy.format.name!r}")

    def search_config(self) -> SearchConfig:
        """The search settings."""
        return SearchConfig(algorithm=self.search, width=self.width, seed=self.seed,
                            budget=Budget(self.budget, self.max_lean_calls, self.time_limit))

    def pool_policy(self, toolchain: Toolchain) -> PoolPolicy | None:
        """The Lean pool's policy of `--engine session` (the toolchain's defaults with the
        `--pool-*` values), None for the file engine."""
        if self.engine != "session":
            return None
        return default_policy(toolchain, size=self.pool_size, max_uses=self.pool_max_uses,
                              max_rss_gb=self.pool_max_rss_gb)

    def fingerprint_settings(self) -> dict:
        """The settings a resumed benchmark must share (parallelism and engine excluded: they do
        not change results)."""
        return {"algorithm": self.search, "width": self.width, "budget": self.budget,
                "max_lean_calls": self.max_lean_calls, "time_limit": self.time_limit,
                **({"decompose": True, "max_depth": self.max_depth} if self.decompose else {}),
                **({"mode": self.mode, "samples": self.samples, "repair_rounds": self.repair_rounds}
                   if self.mode != "step" else {}),
                **self.knowledge_fingerprint()}

    def model_label(self) -> str:
        """`rules`, or the policy's backend and where it comes from, its prompt format unless it
        is the default, and its tactic memory if any (for run fingerprints and reports)."""
        policy = self.models.policy
        where = policy.path or policy.url
        label = f"{policy.backend}:{where}" if where else policy.backend
        label = label if policy.format.name == "default" else f"{label} ({policy.format.name})"
        return f"{label} + memory:{policy.tactic_memory}" if policy.tactic_memory else label

    def whole_config(self) -> WholeProofConfig:
        """The whole-proof settings (`--samples`, `--repair-rounds`)."""
        return WholeProofConfig(samples=self.samples, repair_rounds=self.repair_rounds)


def build_prover(options: SearchOptions, toolchain: Toolchain,
                 on_status: Callable[[BudgetMeter], None] | None = None,
                 on_note: Callable[[str], None] | None = None) -> Prover:
    """The prover the options describe (module docstring); `on_status` sees each search step of
    the searches that run in this process, `on_note` the whole-proof engine's progress lines and
    what takes long outside the searches (the first pass, building the premise index)."""
    spec = ProverSpec(toolchain, options.search_config(), options.models, options.cache, options.timeout,
                      options.decompose, options.max_depth, options.engine, options.pool_policy(toolchain),
                      options.mode, options.whole_config(), first_pass=options.first_pass_settings(),
                      candidates=options.candidate_settings(), premise_roots=project_roots(options.project))
    if options.concurrency > 1 and options.mode != "whole":
        planner_model = spec.planner_model()
        shared_planner = LockedPolicy(planner_model) if planner_model is not None else None
        wrap = (lambda replica: spec.decomposer(replica, shared_planner)) if options.decompose else None
        if options.mode == "hybrid":  # each thread's whole-proof checks join the pool's shared rounds
            whole = spec.whole_engine(note=on_note)
            wrap = lambda replica: spec.decomposer(  # noqa: E731
                HybridProver(replica, whole.replace(batching=replica.engines.service)), shared_planner)
        return LockstepPool(spec.search_prover(on_status, on_note), options.concurrency, wrap=wrap)
    if options.ray_address:
        return RayPool(spec, options.ray_address, workers=options.workers if options.workers > 1 else None,
                       retries=options.retries)
    if options.workers > 1:
        return WorkerPool(spec, options.workers, options.retries)
    return spec.build(on_status, on_note)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProveOptions(SearchOptions):
    """`prover prove FILE` / `prover prove --statement TEXT`."""

    file: str | None = option(None, positional=True, metavar="FILE.lean", help="the Lean file whose `sorry`s to fill")
    statement: str | None = option(None, metavar="TEXT",
                                   help='prove one statement, e.g. "theorem t (p : Prop) (h : p) : p"')
    out: str | None = option(None, metavar="FILE", help="where to write the proved file (default: FILE.proved.lean)")
    trace: str | None = option(None, metavar="FILE", help="write each search tree as JSON here")
    untrusted: bool = option(False, help="refuse a file that runs code while it is elaborated (#eval, run_cmd, "
                             "macros, …) before Lean sees it, as `prover check --untrusted` does")

    def __post_init__(self) -> None:
        if not self.file and not self.statement:
            raise ValueError("give a FILE.lean or --statement")
        if self.file and self.statement:
            raise ValueError("give a FILE.lean or --statement, not both")
        super().__post_init__()

    def output(self) -> Path:
        """Where the proved file goes."""
        path = Path(self.file or "")
        return Path(self.out) if self.out else path.with_name(path.stem + ".proved.lean")


@dataclasses.dataclass(frozen=True, kw_only=True)
class BenchOptions(SearchOptions):
    """`prover bench SUITE`."""

    suite: str = option(positional=True, help="`core`, a suite .jsonl (core or DeepSeek/Goedel layout), a folder of "
                        ".lean files (miniF2F-lean4, ProofNet-lean4, PutnamBench) or a LeanDojo Benchmark 4 "
                        "folder/.json")
    split: str | None = option(None, metavar="S", help="only this split, as the suite names it (dev, test, valid, "
                               "val, …; all: every problem; default: every problem)")
    repo: Path | None = option(None, metavar="DIR", help="LeanDojo Benchmark 4: a checkout of the traced repository "
                               "at its commit")
    list_problems: bool = option(False, flags=("--list",), help="list the problems found (name, split, context "
                                 "size) without running Lean")
    limit: int | None = option(None, metavar="K", help="first K problems only")
    out: str = option("bench-out", metavar="DIR", help="results folder (resumed if present)")
    baseline: bool = option(True, flags=("--no-baseline",), help="skip Lean's one-shot automation baseline")
    decompose: bool = option(False, negatable=True,
                             help="when direct search fails, split the theorem with planner sketches")

    def __post_init__(self) -> None:
        at_least(self.limit, 1, "--limit")
        super().__post_init__()
