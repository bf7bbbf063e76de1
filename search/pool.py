"""The base of the pools that prove theorems in other processes (:class:`search.workers.WorkerPool`
on this machine, :class:`search.ray_backend.RayPool` on a cluster): each worker builds its own
prover from a picklable factory and takes theorems one at a time."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.theorem import Theorem
from lean_prover.search.attempt import OnAttempt, ProofAttempt, Prover

if TYPE_CHECKING:
    from lean_prover.search.portfolio import FirstPassResult

ProverFactory = Callable[[], Prover]
"""Builds a worker's prover in the worker's process (picklable: it crosses processes)."""


class ProverPool(ABC):
    """What the process pools share: the factory, the retry count, the factory's toolchain and
    timeout (for the final re-check of a proved file), and `prove` as a pool of one task.
    Theorems are proved independently, each in its own context (:attr:`independent`)."""

    independent = True

    def __init__(self, factory: ProverFactory, workers: int | None, retries: int) -> None:
        if retries < 0 or (workers is not None and workers < 1):
            raise ValueError("workers must be at least 1 and retries at least 0")
        self.factory, self.workers, self.retries = factory, workers, retries
        self.toolchain = getattr(factory, "toolchain", None)
        self.tactic_timeout_s = getattr(factory, "tactic_timeout_s", LEAN_PROCESS_TIMEOUT_S)

    def prepare(self, theorems: Sequence[Theorem], automation: "Mapping[str, FirstPassResult] | None" = None) -> None:
        """Nothing here: each worker's prover runs its own first pass, per theorem."""

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Prove one theorem in a worker."""
        return self.prove_all([theorem])[0]

    @abstractmethod
    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Prove every theorem in the workers; attempts in the input's order."""
