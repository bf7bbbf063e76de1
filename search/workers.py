"""Parallel proving on one machine: N worker processes, each with its own prover and Lean runs.

    spec = ProverSpec(toolchain, SearchConfig(), cache_path="proofs.db")
    pool = WorkerPool(spec, workers=2, retries=1)
    attempts = pool.prove_all([theorem_a, theorem_b, theorem_c])   # in the input's order

Workers are `spawn`ed processes (no state forked from the parent: safe with torch and threads).
Each builds its prover once from the picklable :class:`ProverSpec` and takes tasks (theorems or
decomposition pieces alike: a task is a :class:`~lean_env.theorem.Theorem`) from one shared
queue. Every worker consults and fills the same SQLite proof cache (`search.cache`: WAL mode,
busy timeout, one transaction per write), so a goal one worker proved is served to the others.

**Faults.** The parent hands each task to an idle worker over that worker's own pipe, so it
always knows who holds what. When a worker process dies (killed, out of memory, crashed), the
parent sees its sentinel, puts the dead worker's task back at the head of the queue while the
task has retries left (`retries`, default 1; after that the task's result is an `error`
attempt saying so) and starts a replacement. A worker that dies before its prover is built
is a configuration error (:class:`WorkerError`), not retried. Other tasks are not touched:
a killed worker loses only its own task. An exception inside a prover is that task's `error`
attempt, not a dead worker.

**Determinism.** Search results depend only on the theorem, the spec and the seed, never on
which worker ran the task or in which order, so N workers give the same attempts as one
(except `time_s`; and cache hits, when a shared cache already holds a goal).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import signal
import sys
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable, Protocol

from lean_prover.lean_env.library_index import DEFAULT_ROOTS
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.config import SearchConfig
from lean_prover.search.portfolio import FirstPassSettings
from lean_prover.search.prove import ProofAttempt, Prover

_PR_SET_PDEATHSIG = 1


class TheoremProver(Protocol):
    """What a worker runs: `prove(theorem) -> ProofAttempt` (a Prover or a Decomposer)."""

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Prove one theorem."""


@dataclass(frozen=True)
class ProverSpec:
    """Everything a worker needs to build its own prover (picklable: it crosses processes).

    `models` is a `prover.model_config.ModelsConfig` (None: the rule-based policy and critic);
    `decompose` wraps the prover in `search.decompose.Decomposer` with `max_depth`.
    """

    toolchain: Toolchain
    config: SearchConfig
    models: object = None
    cache_path: str | None = None
    tactic_timeout_s: float = 300.0
    decompose: bool = False
    max_depth: int = 1
    first_pass: FirstPassSettings | None = None  # one-shot automation first (per theorem in a worker)
    candidates: CandidateSettings = CandidateSettings()  # Lean's suggestions and premises as candidates
    premise_roots: tuple[str, ...] = DEFAULT_ROOTS  # the premise index the worker loads (when premises > 0)

    def __call__(self) -> TheoremProver:
        """A fresh prover (policy, critic, cache connection) for this process."""
        from lean_prover.prover.model_config import ModelsConfig
        from lean_prover.prover.models import load_critic, load_policy
        from lean_prover.search.cache import ProofCache

        models = self.models if self.models is not None else ModelsConfig()
        policy = load_policy(models.policy)
        critic = load_critic(models.critic) if self.config.algorithm in ("critic-bfs", "mcts") else None
        cache = ProofCache(self.cache_path) if self.cache_path else None
        retriever = None
        if self.candidates.premises > 0:
            from lean_prover.lean_env.library_index import load_or_build_index
            from lean_prover.prover.premises import LazyRetriever, PremiseRetriever

            retriever = LazyRetriever(lambda: PremiseRetriever(load_or_build_index(self.toolchain, self.premise_roots)))
        prover = Prover(self.toolchain, policy, self.config, critic, cache, tactic_timeout_s=self.tactic_timeout_s,
                        first_pass=self.first_pass, candidates=self.candidates, retriever=retriever)
        if not self.decompose:
            return prover
        from lean_prover.search.decompose import Decomposer
        return Decomposer(prover, max_depth=self.max_depth)


ProverFactory = Callable[[], TheoremProver]


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when the pool's process dies (no orphans)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass


def _worker_main(factory: ProverFactory, conn) -> None:
    """A worker's loop: build the prover, then prove each task sent until the `None` sentinel."""
    _die_with_parent()
    prover = factory()
    conn.send(("ready", None))
    while True:
        task = conn.recv()
        if task is None:
            return
        index, theorem = task
        try:
            attempt = prover.prove(theorem)
        except Exception as exc:  # a prover bug is this task's error, not a dead worker
            attempt = ProofAttempt(theorem.name, "error", detail=f"{type(exc).__name__}: {exc}")
        conn.send((index, attempt))


class WorkerError(RuntimeError):
    """The pool cannot work: a worker could not even build its prover."""


@dataclass
class _Worker:
    process: object
    conn: object
    ready: bool = False
    task: int | None = None


class WorkerPool:
    """A pool of `workers` processes proving theorems handed out from one queue (module doc).

    `factory` builds a worker's prover (a :class:`ProverSpec`, or any picklable callable);
    `on_start(index, pid)` is called when task `index` is handed to the worker `pid`.
    Each worker has its own pipe, so a worker dying mid-message harms no other worker.
    """

    def __init__(self, factory: ProverFactory, workers: int = 2, retries: int = 1,
                 on_start: Callable[[int, int], None] | None = None) -> None:
        if workers < 1 or retries < 0:
            raise ValueError("workers must be at least 1 and retries at least 0")
        self.factory, self.workers, self.retries = factory, workers, retries
        self.on_start = on_start
        self.toolchain = getattr(factory, "toolchain", None)
        self.tactic_timeout_s = getattr(factory, "tactic_timeout_s", 300.0)

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Prove one theorem in a worker."""
        return self.prove_all([theorem])[0]

    def prove_all(self, theorems: list[Theorem],
                  on_attempt: Callable[[ProofAttempt], None] = lambda _a: None) -> list[ProofAttempt]:
        """Prove every theorem; attempts in the input's order (`on_attempt` as each finishes)."""
        ctx = mp.get_context("spawn")
        pending = deque(range(len(theorems)))
        tries = [0] * len(theorems)
        done: dict[int, ProofAttempt] = {}
        pool = [self._start(ctx) for _ in range(min(self.workers, len(theorems)))]
        try:
            while len(done) < len(theorems):
                for worker in pool:
                    if worker.ready and worker.task is None and pending:
                        worker.task = pending.popleft()
                        tries[worker.task] += 1
                        worker.conn.send((worker.task, theorems[worker.task]))
                        if self.on_start is not None:
                            self.on_start(worker.task, worker.process.pid)
                ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool])
                for worker in list(pool):
                    message = None
                    if worker.conn in ready:
                        try:
                            message = worker.conn.recv()
                        except (EOFError, OSError):
                            message = None
                    if message is not None:
                        if message[0] == "ready":
                            worker.ready = True
                        else:
                            index, attempt = message
                            worker.task = None
                            done[index] = attempt
                            on_attempt(attempt)
                    elif worker.process.sentinel in ready or worker.conn in ready:
                        pool.remove(worker)
                        self._bury(worker, pending, tries, done, theorems, on_attempt)
                        if pending:
                            pool.append(self._start(ctx))
        finally:
            for worker in pool:
                self._stop(worker)
        return [done[i] for i in range(len(theorems))]

    def _start(self, ctx) -> _Worker:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_worker_main, args=(self.factory, child), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _bury(self, worker: _Worker, pending, tries, done, theorems, on_attempt) -> None:
        """A dead worker: its task goes back to the queue, or fails once out of retries."""
        worker.process.join(timeout=10)
        worker.conn.close()
        if not worker.ready:
            raise WorkerError(f"a worker died while building its prover (exit code {worker.process.exitcode})")
        index = worker.task
        if index is None or index in done:
            return
        if tries[index] <= self.retries:
            pending.appendleft(index)
        else:
            detail = f"worker died (exit code {worker.process.exitcode}) on each of {tries[index]} tries"
            done[index] = ProofAttempt(theorems[index].name, "error", detail=detail)
            on_attempt(done[index])

    @staticmethod
    def _stop(worker: _Worker) -> None:
        try:
            worker.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
