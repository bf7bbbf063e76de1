"""A pool of long-lived Lean sessions keyed by header, reused across requests and searches.

Kimina Lean Server's idea with our engines: a :class:`LeanPool` keeps up to `size`
:class:`~lean_env.session.LeanSession` workers (`lean --worker`), each with a header (the file's
`import` lines) loaded. A request goes to an idle session that already has its header (the
import is paid once, e.g. Mathlib's), else to an idle session that is restarted with it (the
one used longest ago), else it waits. Within a session the worker re-elaborates only from the
first changed command, so requests sharing a theorem context are cheap too.

    pool = LeanPool(toolchain)                        # policy: default_policy(toolchain)
    engine = SessionEngine(toolchain, theorem, session=pool, chunk=pool.policy.chunk)
    service = BatchingService(toolchain, processes=pool.policy.size, max_probes=pool.policy.chunk,
                              runner=pool.run_file)   # lockstep batching through the pool

It is a :data:`~lean_env.file_engine.Runner` (:meth:`LeanPool.run_file`), so every engine
(:class:`~lean_env.session.SessionEngine`, the batching service) judges its runs exactly as the
file engine does: same results (a test compares them).

**Restart policy** (:class:`PoolPolicy`). A worker is replaced after `max_uses` requests and
when its measured resident memory (the process tree's RSS after a request) exceeds
`max_rss_gb`. Defaults per toolchain (:func:`default_policy`): tight for the embedded Lean, whose
WebAssembly heap grows with every request and is never returned (capped at 2 GB; 10 requests
of at most 10 probes, 9 GB resident, one session: it is 7.6 GB resident by itself); loose for
a native Lean (200 requests, 12 GB, 256 probes a request, sessions as the machine's memory
allows). A worker that crashes, times out or is killed from outside is restarted by the next
request (and a killed run's probes are re-run by the engine, see :mod:`lean_env.file_engine`).
A worker that already answered requests and runs out of memory on the next one (the embedded
heap fills sooner with requests about many theorems) has that request re-run once on a fresh
worker: only a fresh worker's out-of-memory is the request's own fault.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from lean_prover.lean_env.process import LeanRun
from lean_prover.lean_env.session import DEFAULT_STARTUP_TIMEOUT_S, LeanSession, header_of
from lean_prover.lean_env.toolchain import Toolchain

GB = 1_000_000_000


@dataclass(frozen=True)
class PoolPolicy:
    """How many sessions, how many probes a request, and when a session's worker is replaced."""

    size: int = 1  # sessions (Lean workers) at once
    max_uses: int = 10  # requests a worker answers before it is replaced
    max_rss_gb: float = 9.0  # a worker whose resident memory exceeds this after a request is replaced
    chunk: int = 10  # probes per request (engines split larger batches)

    def __post_init__(self) -> None:
        if self.size < 1 or self.max_uses < 1 or self.chunk < 1 or self.max_rss_gb <= 0:
            raise ValueError("pool size, max uses and chunk must be at least 1, max RSS positive")


EMBEDDED_POLICY = PoolPolicy(size=1, max_uses=10, max_rss_gb=9.0, chunk=10)
NATIVE_POLICY = PoolPolicy(size=2, max_uses=200, max_rss_gb=12.0, chunk=256)


def default_policy(toolchain: Toolchain, **overrides) -> PoolPolicy:
    """The restart policy for this toolchain (module doc), with `overrides` (None values ignored)."""
    base = EMBEDDED_POLICY if toolchain.is_embedded else NATIVE_POLICY
    if not toolchain.is_embedded:
        base = replace(base, size=max(1, min(os.cpu_count() or 1, _available_gb() // 4)))
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def _available_gb() -> int:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1_000_000
    except OSError:
        pass
    return 8


@dataclass
class _Slot:
    session: LeanSession
    busy: bool = False
    last_used: float = 0.0


@dataclass
class PoolStats:
    """What the pool did: requests, worker starts and why workers were replaced."""

    requests: int = 0
    starts: int = 0
    restarts_by_uses: int = 0
    restarts_by_memory: int = 0
    header_switches: int = 0
    waits: int = 0  # requests that waited for a session
    oom_retries: int = 0  # requests re-run on a fresh worker after a used one ran out of memory
    peak_rss_bytes: int = 0
    faults: dict = field(default_factory=dict)  # fault kind -> count


class LeanPool:
    """Lean sessions keyed by header (module doc); thread-safe, a Runner for the engines."""

    def __init__(self, toolchain: Toolchain, policy: PoolPolicy | None = None,
                 startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S):
        self.toolchain = toolchain
        self.policy = policy or default_policy(toolchain)
        self.startup_timeout_s = startup_timeout_s
        self.stats = PoolStats()
        self._slots: list[_Slot] = []
        self._cond = threading.Condition()

    # -- the runner ---------------------------------------------------------------------------

    def run_file(self, toolchain: Toolchain, path: Path, timeout_s: float) -> LeanRun:
        """A :data:`~lean_env.file_engine.Runner`: check the file's text in a pooled session."""
        if toolchain != self.toolchain:
            raise ValueError("a LeanPool runs only the toolchain it was created with")
        return self.check(Path(path).read_text(encoding="utf-8"), timeout_s)

    def check(self, text: str, timeout_s: float) -> LeanRun:
        """Elaborate `text` in a session whose header is `text`'s (see :meth:`LeanSession.check`)."""
        header = header_of(text)
        slot = self._acquire(header)
        try:
            session = slot.session
            if session.loaded_header not in (None, header):
                self.stats.header_switches += 1
            if session.served >= self.policy.max_uses:
                self.stats.restarts_by_uses += 1
            starts, served = session.starts, session.served
            run = session.check(text, timeout_s)
            if run.fault == "oom" and served > 0:  # the heap a worker accumulated, not this request's fault:
                with self._cond:                    # once more on a fresh worker
                    self.stats.oom_retries += 1
                    self.stats.faults["oom"] = self.stats.faults.get("oom", 0) + 1
                run = session.check(text, timeout_s)
            with self._cond:
                self.stats.requests += 1
                self.stats.starts += session.starts - starts
                self.stats.peak_rss_bytes = max(self.stats.peak_rss_bytes, run.peak_rss_bytes)
                if run.fault is not None:
                    self.stats.faults[run.fault] = self.stats.faults.get(run.fault, 0) + 1
            if run.fault is None and run.peak_rss_bytes > self.policy.max_rss_gb * GB:
                with self._cond:
                    self.stats.restarts_by_memory += 1
                session.close()  # the next request starts a fresh worker
            return run
        finally:
            self._release(slot)

    # -- sessions -----------------------------------------------------------------------------

    def _acquire(self, header: tuple[str, ...]) -> _Slot:
        """An idle slot for `header`: one with it loaded, else a new one (below `size`), else
        the idle one used longest ago (restarted with the header by its next request)."""
        with self._cond:
            waited = False
            while True:
                idle = [s for s in self._slots if not s.busy]
                chosen = next((s for s in idle if s.session.loaded_header == header), None)
                if chosen is None and len(self._slots) < self.policy.size:
                    chosen = _Slot(LeanSession(self.toolchain, self.startup_timeout_s, self.policy.max_uses))
                    self._slots.append(chosen)
                if chosen is None and idle:
                    chosen = min(idle, key=lambda s: s.last_used)
                if chosen is not None:
                    chosen.busy = True
                    if waited:
                        self.stats.waits += 1
                    return chosen
                waited = True
                self._cond.wait()

    def _release(self, slot: _Slot) -> None:
        with self._cond:
            slot.busy, slot.last_used = False, time.monotonic()
            self._cond.notify_all()

    @property
    def chunk(self) -> int:
        """Probes per request (engines using the pool split their batches by it)."""
        return self.policy.chunk

    @property
    def sessions(self) -> list[LeanSession]:
        """The pool's sessions (running or not)."""
        return [slot.session for slot in self._slots]

    def close(self) -> None:
        """Stop every worker (a later request starts new ones)."""
        with self._cond:
            slots = list(self._slots)
        for slot in slots:
            slot.session.close()

    def __enter__(self) -> "LeanPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
