"""Proving on a Ray cluster (several machines): one actor per worker, each with its own prover.

    pool = RayPool(ProverSpec(toolchain, SearchConfig()), address="auto", workers=8)   # search.spec
    attempts = pool.prove_all(theorems)

`address` is what `ray.init` takes (`auto`: the cluster this machine belongs to, `ray://host:10001`
for a remote one); when Ray is already initialised in this process (a test's
`ray.init(num_cpus=2)`) that session is used. Every node needs this package and a Lean (the
spec's toolchain paths must be valid there: install it the same way on each node), and the
SQLite cache path only makes sense on a file system all nodes share. A task whose actor dies
is retried on a restarted actor (`retries` times, Ray's `max_task_retries`); after that its
result is an `error` attempt. Results come back in the input's order.
"""

from __future__ import annotations

from typing import Sequence

from lean_prover.lean_env.theorem import Theorem
from lean_prover.search.attempt import OnAttempt, ProofAttempt, error_attempt
from lean_prover.search.pool import ProverFactory, ProverPool


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
    """`prove_all` over Ray actors (see the module doc); `workers` None: one per cluster CPU."""

    def __init__(self, factory: ProverFactory, address: str | None = "auto", workers: int | None = None,
                 retries: int = 1) -> None:
        super().__init__(factory, workers, retries)
        self.address = address

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
        count = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor_class = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=self.retries)(_ProverActor)
        actors = [actor_class.remote(self.factory) for _ in range(min(count, len(theorems)))]
        done: dict[int, ProofAttempt] = {}
        pending = list(range(len(theorems)))
        running: dict[object, tuple[int, object]] = {}
        try:
            idle = list(actors)
            while len(done) < len(theorems):
                while idle and pending:
                    actor, index = idle.pop(), pending.pop(0)
                    running[actor.prove.remote(theorems[index])] = (index, actor)
                ready, _ = ray.wait(list(running), num_returns=1)
                index, actor = running.pop(ready[0])
                try:
                    attempt = ray.get(ready[0])
                except ray.exceptions.RayError as exc:
                    attempt = ProofAttempt(theorems[index].name, "error",
                                           detail=f"worker died on each of {self.retries + 1} tries: "
                                                  f"{type(exc).__name__}")
                done[index] = attempt
                on_attempt(attempt)
                idle.append(actor)
        finally:
            for actor in actors:
                ray.kill(actor)
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
