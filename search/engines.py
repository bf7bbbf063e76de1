"""How a prover's Lean work reaches Lean: an engine factory, passed into the prover.

    SearchProver(toolchain, policy, config, engines=engine_factory("session", toolchain))
    SearchProver(toolchain, policy, config, engines=engine_factory("session", toolchain, PoolPolicy(size=2)))

A factory gives the engine of each theorem's :class:`lean_env.dojo.Dojo`, the final re-check
of a found proof, and a gate for other Lean work of the prover's own (sketch checks):

| factory | probes | re-check | gate |
| --- | --- | --- | --- |
| :class:`ProcessEngines` (`file`, the default) | one Lean process per batch | its own process | none |
| :class:`SessionEngines` (`session`) | a pool of persistent `lean --worker` sessions keyed by header (:mod:`lean_env.pool`) | its own process | none |
| :class:`BatchedEngines` (lockstep pools) | shared runs of concurrent searches | shared file | a process slot |

A factory's `lean_pool` is the :class:`lean_env.pool.LeanPool` its probes go to (None for the
others): a lockstep pool over a prover with one sends its rounds' probe files to the pool's
sessions instead of starting a Lean process per file.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Callable, Literal, Protocol

from lean_prover.lean_env.file_engine import Engine
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain

if TYPE_CHECKING:
    from lean_prover.lean_env.batching import BatchingService
    from lean_prover.lean_env.pool import LeanPool, PoolPolicy
    from lean_prover.lean_env.session import LeanSession

EngineKind = Literal["file", "session"]
"""The engines a user chooses (`--engine`); lockstep pools bring their own (`batched`)."""

ENGINE_KINDS: tuple[EngineKind, ...] = ("file", "session")


class EngineFactory(Protocol):
    """Where a prover's probes, re-checks and other Lean work run (module docstring)."""

    kind: str
    lean_pool: "LeanPool | None"

    def engine(self, theorem: Theorem, timeout_s: float) -> Engine | None:
        """The engine of `theorem`'s Dojo (None: the Dojo's own one-process-per-batch engine)."""

    def recheck(self, theorem: Theorem, proof: str, alone: Callable[[], bool]) -> bool:
        """Whether Lean accepts `theorem` with `proof`; `alone()` checks it in a process of its own."""

    def outside(self) -> AbstractContextManager:
        """A context for Lean work outside the probes."""


class ProcessEngines:
    """One Lean process per batch of probes and per re-check (the default)."""

    kind = "file"
    lean_pool: "LeanPool | None" = None

    def engine(self, theorem: Theorem, timeout_s: float) -> Engine | None:
        """None: the Dojo builds its file engine."""
        return None

    def recheck(self, theorem: Theorem, proof: str, alone: Callable[[], bool]) -> bool:
        """The re-check in a process of its own."""
        return alone()

    def outside(self) -> AbstractContextManager:
        """Nothing to hold."""
        return nullcontext()


class SessionEngines(ProcessEngines):
    """Probes through persistent Lean workers: a :class:`lean_env.pool.LeanPool` (what `--engine
    session` builds) or one :class:`lean_env.session.LeanSession`."""

    kind = "session"

    def __init__(self, session: "LeanSession | LeanPool"):
        from lean_prover.lean_env.pool import LeanPool

        self.session = session
        self.lean_pool = session if isinstance(session, LeanPool) else None

    def engine(self, theorem: Theorem, timeout_s: float) -> Engine | None:
        """A session engine for `theorem` on the shared workers (requests of the pool's `chunk` probes)."""
        from lean_prover.lean_env.session import DEFAULT_CHUNK, SessionEngine

        chunk = self.lean_pool.chunk if self.lean_pool is not None else DEFAULT_CHUNK
        return SessionEngine(self.session.toolchain, theorem, timeout_s=timeout_s, session=self.session, chunk=chunk)


class BatchedEngines:
    """Probes and re-checks shared with concurrent searches (:class:`lean_env.batching.BatchingService`)."""

    kind = "batched"
    lean_pool: "LeanPool | None" = None

    def __init__(self, service: "BatchingService"):
        self.service = service

    def engine(self, theorem: Theorem, timeout_s: float) -> Engine | None:
        """An engine whose batches go through the service."""
        return self.service.engine(theorem)

    def recheck(self, theorem: Theorem, proof: str, alone: Callable[[], bool]) -> bool:
        """The re-check in the next shared round (`alone()` when the shared file cannot tell)."""
        return self.service.recheck(theorem, proof, alone)

    def outside(self) -> AbstractContextManager:
        """Holds a Lean process slot; rounds go on without this thread."""
        return self.service.outside()


def engine_factory(kind: EngineKind, toolchain: Toolchain, pool_policy: "PoolPolicy | None" = None) -> EngineFactory:
    """The factory of an `--engine` choice; `session` is a Lean pool with `pool_policy` (None: the
    toolchain's default, :func:`lean_env.pool.default_policy`), its workers started lazily, on first use."""
    if kind == "session":
        from lean_prover.lean_env.pool import LeanPool

        return SessionEngines(LeanPool(toolchain, pool_policy))
    if kind == "file":
        return ProcessEngines()
    raise ValueError(f"unknown engine {kind!r}: use one of {', '.join(ENGINE_KINDS)}")
