"""`build_prover`: one place that turns a command's options into a prover.

The model config is read once; from it come the policy, the critic (for critic-guided
searches), the planner (structural sketches, plus LM `have` chains when the config has a
`planner:` section), the engine (one Lean process per batch, or a persistent session), the
proof cache, decomposition, and the pool that runs several searches (lockstep threads,
worker processes or Ray actors).
"""

from __future__ import annotations

import argparse
from typing import Callable

from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.prover.models import load_critic, load_policy
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import SearchConfig
from lean_prover.search.decompose import Decomposer
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.prove import Prover
from lean_prover.search.ray_backend import RayPool
from lean_prover.search.types import Budget, BudgetMeter
from lean_prover.search.workers import ProverSpec, WorkerPool


def read_models(path: str | None) -> ModelsConfig:
    """The models of a `--model CONFIG.yaml` (the rule-based prior and critic without one)."""
    return ModelsConfig.from_yaml(path) if path else ModelsConfig()


def model_label(models: ModelsConfig) -> str:
    """`rules`, or the policy's backend and where it comes from (for run fingerprints and reports)."""
    policy = models.policy
    where = policy.path or policy.url
    return f"{policy.backend}:{where}" if where else policy.backend


def search_config(args: argparse.Namespace) -> SearchConfig:
    """The search settings of the options."""
    try:
        return SearchConfig(algorithm=args.search, width=args.width, seed=args.seed,
                            budget=Budget(args.budget, args.max_lean_calls, args.time_limit))
    except ValueError as exc:
        raise LeanEnvError(str(exc)) from exc


def build_prover(args: argparse.Namespace, toolchain: Toolchain, models: ModelsConfig,
                 on_status: Callable[[BudgetMeter], None] | None = None):
    """The prover the options describe: a lockstep pool (`--concurrency` > 1), a worker pool
    (`--workers` > 1), a Ray pool (`--ray-address`), or one prover in this process; each wrapped
    in decomposition with `--decompose`."""
    if args.workers < 1 or args.retries < 0 or args.max_depth < 0:
        raise LeanEnvError("--workers must be at least 1, --retries and --max-depth at least 0")
    if args.concurrency < 1:
        raise LeanEnvError("--concurrency must be at least 1")
    if args.concurrency > 1:
        if args.workers > 1 or args.ray_address or args.engine == "session":
            raise LeanEnvError("--concurrency batches one process's file-engine runs: use it without "
                               "--workers, --ray-address and --engine session")
        decompose = (lambda replica: Decomposer(replica, max_depth=args.max_depth)) if args.decompose else None
        return LockstepPool(_one_prover(args, toolchain, models, on_status), args.concurrency, wrap=decompose)
    if args.workers > 1 or args.ray_address:
        if args.engine == "session":
            raise LeanEnvError("--engine session runs in one process: use it without --workers/--ray-address")
        spec = ProverSpec(toolchain, search_config(args), models, args.cache, args.timeout, args.decompose,
                          args.max_depth)
        if args.ray_address:
            return RayPool(spec, args.ray_address, workers=args.workers if args.workers > 1 else None,
                           retries=args.retries)
        return WorkerPool(spec, args.workers, args.retries)
    prover = _one_prover(args, toolchain, models, on_status)
    return Decomposer(prover, max_depth=args.max_depth) if args.decompose else prover


def _one_prover(args: argparse.Namespace, toolchain: Toolchain, models: ModelsConfig,
                on_status: Callable[[BudgetMeter], None] | None) -> Prover:
    cache = ProofCache(args.cache) if args.cache else None
    policy = load_policy(models.policy)
    critic = load_critic(models.critic) if args.search in ("critic-bfs", "mcts") else None
    session = None
    if args.engine == "session":
        from lean_prover.lean_env.session import LeanSession

        session = LeanSession(toolchain)
    return Prover(toolchain, policy, search_config(args), critic, cache, progress=on_status,
                  tactic_timeout_s=args.timeout, session=session)
