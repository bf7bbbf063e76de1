"""Probes of many theorems in shared Lean runs: concurrent searches advance in lockstep.

The file engine pays a Lean start-up (seconds on the embedded Lean) for every batch, so a
search of one theorem spends most of its time starting Lean. A :class:`BatchingService` lets
many searches, each in its own thread with its own :class:`lean_env.dojo.Dojo`, share runs:

    service = BatchingService(toolchain, processes=2)
    service.expect(len(threads))                   # before starting the worker threads
    with service.participant():                    # in each worker thread, for its whole life
        with Dojo(theorem, engine=service.engine(theorem)) as (dojo, state): ...
        service.recheck(theorem, proof, alone)     # the final re-check, shared too
        with service.outside(): ...                # other Lean work of the thread's own
    verdicts = service.check_all([(theorem, proof), …])   # many whole-proof checks in one round

Rule: when every participant thread is either waiting for an answer or `outside`, the pending
requests of all of them are answered together, at most `processes` Lean processes at a time:

- probes, grouped by theorem context (one file per group, each probe a renamed copy of its
  own theorem: :class:`BatchEngine`), in runs of at most `max_probes` probes. A probe is judged
  by the messages inside its own lines and faults are bisected as in the file engine, so the
  results are exactly those of one-theorem batches;
- re-checks, grouped by context with a short name at most once per file and at most
  `max_checks` theorems per file: the context, then each theorem with its proof; each theorem
  is judged by its own declaration (proved, standard axioms) and gets that declaration's
  messages, with lines as in the theorem's own file (:class:`CheckVerdict`). A file that cannot
  tell (a fault, an error outside the theorems, an option that switches checking off) sends
  every theorem in it back to be re-checked alone.

`outside` work holds one of the `processes` slots too, so at most `processes` Lean processes
run at once.
"""

from __future__ import annotations

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

from lean_prover.lean_env.file_engine import DEFAULT_HEARTBEATS, DEFAULT_TIMEOUT_S, FileEngine, Runner
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.results import LeanCrash, TacticResult
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file, vouches_for


@dataclass
class BatchEngine(FileEngine):
    """A :class:`FileEngine` for probes of many theorems sharing one context, in one Lean file.

    A path is `(theorem key, tactic 1, …)`; `theorems` maps keys to theorems (the inherited
    `theorem` supplies the shared context). Fault handling (re-runs, bisection) is inherited."""

    theorems: dict[str, Theorem] = field(default_factory=dict)

    def probe_target(self, path: tuple[str, ...]) -> tuple[Theorem, tuple[str, ...]]:
        """The keyed theorem of a path and its tactics; the empty path (the context check after a
        fault, see :class:`FileEngine`) probes the shared theorem's initial state."""
        if not path:
            return self.theorem, ()
        return self.theorems[path[0]], path[1:]


@dataclass(frozen=True)
class CheckVerdict:
    """Lean's judgement of one theorem with one proof: proved (no error, no sorry, standard
    axioms), the declaration's status (`lean_env.verify.DeclarationResult.status`, or the file's
    fault), and its messages, with lines and columns as in the theorem's own file
    `theorem.lean_text(proof)`."""

    proved: bool
    status: str
    messages: tuple[LeanMessage, ...] = ()


@dataclass
class _Request:
    theorem: Theorem
    paths: list[tuple[str, ...]]  # probes; empty for a re-check
    proof: str | None = None  # a re-check of the whole theorem with this proof
    results: list | None = None  # TacticResults, or [CheckVerdict | None] for a re-check


class BatchingService:
    """Answers the probe requests of concurrent searches with shared Lean runs (module docstring)."""

    def __init__(self, toolchain: Toolchain, processes: int = 2, max_probes: int = 256,
                 heartbeats: int = DEFAULT_HEARTBEATS, timeout_s: float = DEFAULT_TIMEOUT_S,
                 runner: Runner | None = None, max_checks: int = 64):
        if processes < 1 or max_probes < 1 or max_checks < 1:
            raise ValueError("processes, max_probes and max_checks must be at least 1")
        self.toolchain, self.processes, self.max_probes = toolchain, processes, max_probes
        self.max_checks = max_checks
        self.heartbeats, self.timeout_s, self.runner = heartbeats, timeout_s, runner
        self.runs = 0  # Lean processes started for probes
        self.rounds = 0  # lockstep rounds (flushes)
        self._slots = threading.BoundedSemaphore(processes)
        self._cond = threading.Condition()
        self._participants = 0
        self._arriving = 0  # participants announced by `expect` that have not entered yet
        self._waiting = 0
        self._outside = 0
        self._pending: list[_Request] = []
        self._flushing = False

    def expect(self, count: int) -> None:
        """Announce `count` participants about to enter (call before starting their threads):
        rounds wait for them, so the first thread to ask cannot run a round alone."""
        with self._cond:
            self._arriving += count

    @contextmanager
    def participant(self) -> Iterator[None]:
        """Count the calling thread as a participant while the block runs: a round waits for it."""
        with self._cond:
            self._participants += 1
            self._arriving = max(0, self._arriving - 1)
        try:
            yield
        finally:
            with self._cond:
                self._participants -= 1
            self._flush_if_ready()

    @contextmanager
    def outside(self) -> Iterator[None]:
        """Lean work of the calling participant's own (holds a process slot; rounds do not wait)."""
        with self._cond:
            self._outside += 1
        self._flush_if_ready()
        try:
            with self._slots:
                yield
        finally:
            with self._cond:
                self._outside -= 1

    def engine(self, theorem: Theorem) -> "SharedEngine":
        """An engine for :class:`lean_env.dojo.Dojo` whose batches go through this service."""
        return SharedEngine(self, theorem)

    def evaluate(self, theorem: Theorem, paths: Sequence[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each path of `theorem`; blocks until the round holding them is run."""
        if not paths:
            return []
        return self._submit([_Request(theorem, list(paths))])[0].results

    def recheck(self, theorem: Theorem, proof: str, alone: Callable[[], bool]) -> bool:
        """Whether Lean accepts the whole `theorem` with `proof` (the text after `:=`): checked in
        the next round in one file with the other re-checks of the same context (each theorem
        judged by its own declaration: proved, standard axioms only). When the shared file cannot
        tell (a fault, an error outside the theorems, an unsound option), `alone()` decides,
        holding a process slot."""
        verdict = self._submit([_Request(theorem, [], proof)])[0].results[0]
        if verdict is None:
            with self.outside():
                return alone()
        return verdict.proved

    def check_all(self, items: Sequence[tuple[Theorem, str]]) -> list[CheckVerdict]:
        """Lean's verdict on each (theorem, proof), all in the next round (files of at most
        `max_checks` theorems of one context, distinct short names per file, `processes` at a
        time); a theorem whose shared file cannot tell is checked alone afterwards, in parallel."""
        if not items:
            return []
        requests = self._submit([_Request(theorem, [], proof) for theorem, proof in items])
        verdicts: list[CheckVerdict | None] = [r.results[0] for r in requests]
        unknown = [i for i, v in enumerate(verdicts) if v is None]
        if unknown:
            def alone(index: int) -> CheckVerdict:
                theorem, proof = items[index]
                with self.outside():
                    return check_alone(self.toolchain, theorem, proof, self.timeout_s)

            with ThreadPoolExecutor(max_workers=min(self.processes, len(unknown))) as pool:
                for index, verdict in zip(unknown, pool.map(alone, unknown)):
                    verdicts[index] = verdict
        return [v for v in verdicts if v is not None]

    def _submit(self, requests: list[_Request]) -> list[_Request]:
        with self._cond:
            self._pending.extend(requests)
            self._waiting += 1
        self._flush_if_ready()
        with self._cond:
            while any(r.results is None for r in requests):
                self._cond.wait()
        return requests

    # -- rounds -------------------------------------------------------------------------------
    def _flush_if_ready(self) -> None:
        """Run rounds in the calling thread while every participant waits or is outside."""
        while True:
            with self._cond:
                ready = (not self._flushing and self._pending
                         and self._waiting + self._outside >= self._participants + self._arriving)
                if not ready:
                    return
                batch, self._pending, self._flushing = self._pending, [], True
                waiting_threads = self._waiting
            answers: list[list] | None = None  # TacticResults per probe request, a verdict per re-check
            try:
                answers = self._run_round(batch)
            finally:  # never leave a waiting thread without an answer, even when the round raised
                with self._cond:
                    for index, request in enumerate(batch):
                        if answers is not None:
                            request.results = answers[index]
                        elif request.proof is not None:
                            request.results = [None]
                        else:
                            request.results = [LeanCrash("the batched Lean run failed")] * len(request.paths)
                    self._waiting -= waiting_threads
                    self._flushing = False
                    self.rounds += 1
                    self._cond.notify_all()

    def _run_round(self, batch: list[_Request]) -> list[list]:
        """One round: probe runs grouped by context and re-check files grouped by context (a short
        name at most once per file), at most `processes` Lean processes at once."""
        runs: list[Callable[[], list]] = []
        targets: list[list[tuple[int, int]]] = []
        probe_groups: dict[str, list[int]] = {}
        check_groups: list[tuple[str, dict[str, int]]] = []
        for index, request in enumerate(batch):
            context = request.theorem.context.strip()
            if request.proof is None:
                probe_groups.setdefault(context, []).append(index)
                continue
            group = next((names for key, names in check_groups
                          if key == context and request.theorem.name not in names), None)
            if group is None:
                group = {}
                check_groups.append((context, group))
            group[request.theorem.name] = index
        for members in probe_groups.values():
            where, theorems, keyed = [], {}, []
            for index in members:
                key = f"t{index}"
                theorems[key] = batch[index].theorem
                for position, path in enumerate(batch[index].paths):
                    where.append((index, position))
                    keyed.append((key, *path))
            for start in range(0, len(keyed), self.max_probes):
                part = keyed[start:start + self.max_probes]
                used = {path[0]: theorems[path[0]] for path in part}
                runs.append(lambda used=used, part=part: self._probe_run(used, part))
                targets.append(where[start:start + self.max_probes])
        for _, names in check_groups:
            indices = list(names.values())
            for start in range(0, len(indices), self.max_checks):
                part = indices[start:start + self.max_checks]
                runs.append(lambda members=[batch[i] for i in part]: self._check_run(members))
                targets.append([(i, 0) for i in part])
        answers: list[list] = [[None] * max(1, len(r.paths)) for r in batch]
        with ThreadPoolExecutor(max_workers=min(self.processes, len(runs))) as pool:
            for where, results in zip(targets, pool.map(lambda run: run(), runs)):
                for (index, position), result in zip(where, results):
                    answers[index][position] = result
        return [row if batch[i].proof is not None else [r if r is not None else LeanCrash("no result") for r in row]
                for i, row in enumerate(answers)]

    def _probe_run(self, theorems: dict[str, Theorem], keyed: list[tuple[str, ...]]) -> list[TacticResult]:
        engine = BatchEngine(self.toolchain, next(iter(theorems.values())), self.heartbeats, self.timeout_s,
                             self.runner, theorems=theorems)
        with self._slots:
            results = engine.evaluate(keyed)
        with self._cond:
            self.runs += engine.runs
        return results

    def _check_run(self, requests: list[_Request]) -> list[CheckVerdict | None]:
        """One file holding every request's theorem with its proof; a verdict per request (None:
        the file cannot tell, see :meth:`recheck`)."""
        first = requests[0].theorem
        head = f"{first.context}\n\n" if first.context.strip() else ""
        text = head + "\n\n".join(f"{r.theorem.statement} := {r.proof}" for r in requests) + "\n"
        own_start = head.count("\n") + 1  # where each theorem starts in its own file
        with tempfile.TemporaryDirectory(prefix="prover-recheck-") as tmp:
            path = Path(tmp) / "Recheck.lean"
            path.write_text(text, encoding="utf-8")
            with self._slots:
                result = check_file(self.toolchain, path, CheckOptions(timeout_s=self.timeout_s, file_syntax="trusted"))
        with self._cond:
            self.runs += 1
        if result.status not in ("proved", "failed") or any(m.is_error or m.is_sorry_warning for m in result.messages):
            return [None] * len(requests)
        verdicts: list[CheckVerdict | None] = []
        for request in requests:
            short = request.theorem.name.rsplit(".", 1)[-1]
            mine = [d for d in result.declarations if d.name.rsplit(".", 1)[-1] == short]
            if not mine:
                verdicts.append(None)
                continue
            shift = mine[0].line - own_start
            messages = tuple(replace(m, line=m.line - shift, end_line=m.end_line - shift)
                             for d in mine for m in d.messages)
            verdicts.append(CheckVerdict(vouches_for(result, request.theorem.name), mine[0].status, messages))
        return verdicts


def check_alone(toolchain: Toolchain, theorem: Theorem, proof: str, timeout_s: float) -> CheckVerdict:
    """Lean's verdict on one theorem with one proof, in a file of its own (faults are verdicts)."""
    with tempfile.TemporaryDirectory(prefix="prover-check-") as tmp:
        path = Path(tmp) / "Check.lean"
        path.write_text(theorem.lean_text(proof), encoding="utf-8")
        result = check_file(toolchain, path, CheckOptions(timeout_s=timeout_s, file_syntax="trusted"))
    short = theorem.name.rsplit(".", 1)[-1]
    mine = [d for d in result.declarations if d.name.rsplit(".", 1)[-1] == short]
    messages = tuple(m for d in mine for m in d.messages) + tuple(result.messages)
    proved = vouches_for(result, theorem.name)
    status = mine[0].status if mine and result.status in ("proved", "failed") else result.status
    if not messages and result.detail and not proved:
        messages = (LeanMessage("error", 1, 0, 1, 0, f"{result.status}: {result.detail}"),)
    return CheckVerdict(proved, status, messages)


class SharedEngine:
    """The :class:`lean_env.file_engine.Engine` of one theorem on a :class:`BatchingService`."""

    def __init__(self, service: BatchingService, theorem: Theorem):
        self.service, self.theorem = service, theorem
        self.runs = 0  # rounds this theorem took part in

    def evaluate(self, paths: Sequence[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each path, from the service's next round."""
        self.runs += 1
        return self.service.evaluate(self.theorem, paths)

    def close(self) -> None:
        """Nothing to release: the service owns the Lean runs."""
