"""Many searches at once in one process, sharing Lean runs (lean_env.batching).

    pool = LockstepPool(prover, concurrency=16, processes=2)
    pool.prove_all(theorems, on_attempt)          # attempts in the order they finish

`concurrency` threads each take the next theorem and search it with a replica of `prover`
whose probes go through one :class:`lean_env.batching.BatchingService`: while every thread
waits for Lean, their probes are run together, in at most `processes` Lean processes. Each
search is exactly what it would be alone (same policy calls, same probes, same results); only
the number of Lean start-ups falls. The policy is shared behind a lock (model backends are not
thread-safe); a proof cache is re-opened per thread (one SQLite connection each). A prover
whose engines have a :class:`lean_env.pool.LeanPool` (`--engine session`) sends the rounds' probe files to the
pool's sessions (`pool.chunk` probes a request, `pool.policy.size` at once) instead of
starting a Lean process per file; re-checks still run as Lean processes (the checker's), one at
a time beside the sessions.
"""

from __future__ import annotations

import threading
from typing import Callable, Sequence, TypeVar

from lean_prover.lean_env.batching import BatchingService
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.policy import Policy, StepContext, TacticSuggestion, ask, uses_context
from lean_prover.search.attempt import OnAttempt, ProofAttempt, Prover, ProverFacade, error_attempt
from lean_prover.search.engines import BatchedEngines
from lean_prover.search.prove import SearchProver

Item = TypeVar("Item")


class LockedPolicy:
    """A policy (or planner model) shared by threads: one call at a time."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.uses_context = uses_context(policy)
        self._lock = threading.Lock()

    def suggest(self, states: list[str], k: int,
                contexts: Sequence[StepContext] | None = None) -> list[list[TacticSuggestion]]:
        """The wrapped policy's suggestions."""
        with self._lock:
            return ask(self.policy, states, k, contexts)

    def complete(self, prompts: list[str], n: int, stop: str = "\n", max_new_tokens: int | None = None) -> list:
        """The wrapped model's completions (planner models)."""
        with self._lock:
            return self.policy.complete(prompts, n, stop, max_new_tokens)


class LockstepPool(ProverFacade):
    """Runs searches `concurrency` at a time over one batching service (module docstring)."""

    independent = True

    def __init__(self, prover: SearchProver, concurrency: int = 8, processes: int = 2,
                 wrap: Callable[[SearchProver], Prover] | None = None):
        """`wrap` turns a thread's prover replica into what proves each theorem (e.g.
        `lambda replica: Decomposer(replica)`); by default the replica itself."""
        if concurrency < 1 or processes < 1:
            raise ValueError("concurrency and processes must be at least 1")
        if prover.engines.kind != "file" and prover.engines.lean_pool is None:
            raise ValueError("a lockstep pool batches runs through a LeanPool or Lean processes, not one LeanSession")
        self.prover, self.concurrency, self.processes = prover, concurrency, processes
        self.wrap: Callable[[SearchProver], Prover] = wrap or (lambda replica: replica)

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """One theorem (nothing to share: no batching)."""
        return self.wrap(self.prover).prove(theorem)

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Every theorem's attempt, `on_attempt` called as each finishes; returned in input order.
        The prover's first pass (one-shot automation, root suggestions) runs for all theorems
        together first (:meth:`search.prove.SearchProver.prepare`)."""
        self.prepare(theorems)
        attempts: list[ProofAttempt | None] = [None] * len(theorems)
        lock = threading.Lock()

        def one(index_theorem: tuple[int, Theorem], prover: SearchProver) -> None:
            index, theorem = index_theorem
            try:
                attempt = self.wrap(prover).prove(theorem)
            except Exception as exc:  # one theorem's failure must not end the others
                attempt = error_attempt(theorem.name, exc)
            with lock:
                attempts[index] = attempt
                on_attempt(attempt)

        self.run(list(enumerate(theorems)), one)
        return [a for a in attempts if a is not None]

    def run(self, items: Sequence[Item], work: Callable[[Item, SearchProver], None]) -> None:
        """`work(item, prover)` for every item, in `concurrency` threads with prover replicas on
        one batching service; an exception escaping `work` stops the threads and is re-raised."""
        if not items:
            return
        lean_pool = self.prover.engines.lean_pool
        if lean_pool is not None:  # probe files go to the pool's sessions; one slot more for a re-check process
            service = BatchingService(self.prover.toolchain, processes=lean_pool.policy.size + 1,
                                      max_probes=lean_pool.chunk, timeout_s=self.prover.tactic_timeout_s,
                                      runner=lean_pool.run_file)
        else:
            service = BatchingService(self.prover.toolchain, processes=self.processes,
                                      timeout_s=self.prover.tactic_timeout_s)
        policy = LockedPolicy(self.prover.policy)
        queue = list(reversed(items))
        taken = threading.Lock()
        errors: list[BaseException] = []

        def worker() -> None:
            cache = None
            with service.participant():
                try:
                    cache = self.prover.cache.reopen() if self.prover.cache is not None else None
                    replica = self.prover.replace(policy=policy, engines=BatchedEngines(service), cache=cache)
                    while True:
                        with taken:
                            if not queue or errors:
                                return
                            item = queue.pop()
                        work(item, replica)
                except BaseException as exc:  # e.g. a full disk: stop every worker, re-raise below
                    errors.append(exc)
                finally:
                    if cache is not None:
                        cache.close()

        threads = [threading.Thread(target=worker, name=f"search-{i}", daemon=True)
                   for i in range(min(self.concurrency, len(items)))]
        service.expect(len(threads))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
