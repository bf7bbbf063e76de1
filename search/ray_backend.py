"""Proving on a Ray cluster (several machines): one actor per worker, each with its own prover.

    pool = RayPool(ProverSpec(toolchain, SearchConfig()), address="auto", workers=8)   # search.spec
    attempts = pool.prove_all(theorems)

`address` is what `ray.init` takes (`auto`: the cluster this machine belongs to, `ray://host:10001`
for a remote one); when Ray is already initialised in this process (a test's
`ray.init(num_cpus=2)`) that session is used. Every node needs this package and a Lean (the
spec's toolchain paths must be valid there: install it the same way on each node).

- **Resources**: each actor asks for what its models need (:mod:`search.ray_resources`: a GPU
  for a local hf/vllm model on GPU, else one CPU); actors are spread over the nodes.
- **Lean**: an actor builds its prover once and keeps it, so with `engine="session"` its Lean
  pool (:mod:`lean_env.pool`) lives across all the tasks the actor runs.
- **Cache**: a `ProverSpec.cache_path` is served by one cache actor on the driver's node
  (:mod:`search.cache_backends`: SQLite on that node's local disk, never on a shared file
  system); every actor reads and writes it through Ray.
- **Faults**: a task whose actor dies (its node killed, out of memory) is handed out again
  `retries` times, after which its result is an `error` attempt; the dead actor is replaced by
  a new one (placed on a live node); other tasks are not touched (`lost_tasks` counts the
  re-runs). Results come back in the input's order.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Sequence

from lean_prover.lean_env.theorem import Theorem
from lean_prover.search.attempt import OnAttempt, ProofAttempt, error_attempt
from lean_prover.search.cache_backends import ACTOR_PREFIX, start_cache_actor
from lean_prover.search.pool import ProverFactory, ProverPool
from lean_prover.search.ray_resources import ActorResources, actor_resources
from lean_prover.search.spec import ProverSpec


class RayUnavailable(RuntimeError):
    """Ray cannot be imported (a broken installation) or cannot connect; the message is one line."""


def _ray():
    try:
        import ray
    except ImportError as exc:  # ray is a dependency of the package: only a broken environment gets here
        raise RayUnavailable(f"Ray cannot be imported ({exc}); it is a dependency of lean-prover: reinstall "
                             "the package (pip install -e .)") from exc
    return ray


class RayPool(ProverPool):
    """`prove_all` over Ray actors (see the module doc); `workers` None: as many as the cluster's
    CPUs allow for the actors' resources."""

    def __init__(self, factory: ProverFactory, address: str | None = "auto", workers: int | None = None,
                 retries: int = 1, gpus_per_actor: float | None = None) -> None:
        super().__init__(factory, workers, retries)
        self.address, self.gpus_per_actor = address, gpus_per_actor
        self.lost_tasks = 0  # tasks handed out again because their actor died
        self.resources: ActorResources | None = None

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Prove every theorem on the cluster's actors; attempts in the input's order."""
        ray = _ray()
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailable(f"cannot connect to Ray at {self.address!r}: {exc}") from exc
        if not theorems:
            return []
        models = getattr(self.factory, "models", None)
        self.resources = actor_resources(models, ray.cluster_resources().get("GPU", 0.0), self.gpus_per_actor)
        per_actor = max(self.resources.num_cpus, 1.0)
        count = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1) // per_actor))
        factory, cache_actor = self.factory, None
        if isinstance(factory, ProverSpec) and factory.cache_path and not factory.cache_path.startswith(ACTOR_PREFIX):
            name = f"prover-cache-{uuid.uuid4().hex[:8]}"
            cache_actor = start_cache_actor(factory.cache_path, name)
            factory = dataclasses.replace(factory, cache_path=f"{ACTOR_PREFIX}{name}")
        actor_class = ray.remote(max_restarts=0, max_task_retries=0, **self.resources.options())(_ProverActor)

        def new_actor():
            actors.append(actor_class.options(scheduling_strategy="SPREAD").remote(factory))
            return actors[-1]

        actors: list = []
        for _ in range(min(count, len(theorems))):
            new_actor()
        done: dict[int, ProofAttempt] = {}
        pending = list(range(len(theorems)))
        tries = [0] * len(theorems)
        running: dict[object, tuple[int, object]] = {}
        try:
            idle = list(actors)
            while len(done) < len(theorems):
                while idle and pending:
                    actor, index = idle.pop(), pending.pop(0)
                    tries[index] += 1
                    running[actor.prove.remote(theorems[index])] = (index, actor)
                ready, _ = ray.wait(list(running), num_returns=1)
                index, actor = running.pop(ready[0])
                try:
                    attempt = ray.get(ready[0])
                    idle.append(actor)
                except ray.exceptions.RayError as exc:  # the actor died (its node, memory): a fresh one replaces it
                    ray.kill(actor)
                    idle.append(new_actor())
                    if tries[index] <= self.retries:
                        self.lost_tasks += 1
                        pending.insert(0, index)
                        continue
                    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                    attempt = ProofAttempt(theorems[index].name, "error",
                                           detail=f"worker died on each of {tries[index]} tries: "
                                                  f"{type(exc).__name__}: {first}")
                done[index] = attempt
                on_attempt(attempt)
        finally:
            for actor in actors:
                ray.kill(actor)
            if cache_actor is not None:
                ray.kill(cache_actor)
        return [done[i] for i in range(len(theorems))]


class _ProverActor:
    """One Ray worker: a prover built once, proving the theorems it is sent."""

    def __init__(self, factory: ProverFactory) -> None:
        self.prover = factory()

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Prove one theorem (an exception is the task's `error` attempt)."""
        try:
            return self.prover.prove(theorem)
        except Exception as exc:
            return error_attempt(theorem.name, exc)
