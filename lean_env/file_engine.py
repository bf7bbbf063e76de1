"""The file engine: tactic paths replayed in generated Lean files, one Lean process per batch.

A state is the tactic path that reached it; the engine replays paths. :class:`FileEngine`
turns one batch of paths into one Lean file: the theorem's context once, then per path a
renamed copy of the theorem whose proof is the path's tactics, then a `#print` marker:

    <context>
    #print "dojo:<nonce>:context"

    set_option maxHeartbeats <heartbeats × tactics in the path> in
    theorem dojo_probe_0 <binders> : <type> := by
      <tactic 1>
      …
      <new tactic>
    #print "dojo:<nonce>:0"
    …

Each probe is judged by the messages inside its own lines, in this order:

- an error from the heartbeat limit -> :class:`TacticTimeout`;
- any other error except the `unsolved goals` error that Lean puts on the probe's own `by`
  (an error inside the new tactic, a failing nested `by`/bullet/alternative, a kernel
  error) -> :class:`LeanError`;
- the `unsolved goals` error on the probe's `by`: it lists the goals left, exactly, with
  hypotheses and case tags -> :class:`TacticState`;
- no error: a `declaration uses sorry` warning -> :class:`LeanError`, else
  :class:`ProofFinished`.

The markers make every probe's outcome positive evidence: a probe whose marker is missing
was not elaborated to its end. When the Lean process times out or crashes, the probes whose
markers came out keep their results and the others are re-run:

- if some probe's marker came out, the first unfinished probe is the likely culprit: it is
  re-run alone (a fault there is its :class:`TacticTimeout`/:class:`LeanCrash`) and the rest
  together — one bad tactic costs two extra Lean runs;
- if none came out (a crash can lose output Lean had not yet printed: the embedded Lean
  dying of `memory access out of bounds` prints nothing of the probes before it), the
  unfinished probes are bisected until the culprit is alone — about 2·log2(n) extra runs;
- if not even the context's marker came out, the initial state is run alone first: when the
  context itself faults, every pair shares that fault.

So every pair other than the one that faults gets its real result.

A Lean process killed from outside (fault `killed`: a signal that is not our own timeout or
memory watchdog — the OOM killer, `kill -9`) says nothing about the probes: they are re-run as
they were (at most `kill_retries` times per `evaluate`, counted in `killed_runs`) before any
bisection, so a killed process costs a retry of its probes, never a result.

Heartbeats: Lean reads `maxHeartbeats` once per declaration (a tactic-level
`set_option maxHeartbeats … in` has no effect), so the limit of a probe is
`heartbeats × len(path)`: each tactic of the path gets `heartbeats` on average.

Tactics containing `sorry`, `admit`, `native_decide` (or other routes to non-standard
axioms), options that switch checking off, command keywords at the start of a line or
unbalanced comments/strings are answered with :class:`LeanError` without running Lean.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence

from lean_prover.lean_env.goals import parse_goals
from lean_prover.lean_env.limits import DEFAULT_HEARTBEATS, DEFAULT_KILL_RETRIES, LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import LeanRun, run_lean_file
from lean_prover.lean_env.results import (LeanCrash, LeanError, ProofFinished, TacticResult, TacticState, TacticTimeout,
                              indent_tactic)
from lean_prover.lean_env.lexer import mask_comments_and_strings
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain

DEFAULT_TIMEOUT_S = LEAN_PROCESS_TIMEOUT_S


class Engine(Protocol):
    """What `Dojo` needs from an engine: the result of each tactic path (a tuple of tactics
    from the theorem's start), in order. Paths given to an engine are already validated."""

    runs: int

    def evaluate(self, paths: Sequence[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each path, in order."""

    def close(self) -> None: ...


Runner = Callable[[Toolchain, Path, float], LeanRun]


@dataclass
class Probe:
    """Where one probe of a batch file sits (lines are 1-based)."""

    index: int
    path: tuple[str, ...]
    first_line: int  # the `set_option` line
    header_line: int  # the line holding `:= by`
    by_column: int  # codepoint column of that `by`
    tactic_line: int  # first line of the new (last) tactic
    marker_line: int


@dataclass
class FileEngine:
    """Evaluates batches of tactic paths, one Lean process and one generated file per batch."""

    toolchain: Toolchain
    theorem: Theorem
    heartbeats: int = DEFAULT_HEARTBEATS
    timeout_s: float = DEFAULT_TIMEOUT_S
    runner: Runner | None = None
    runs: int = 0  # Lean processes started so far
    last_run: LeanRun | None = None
    context_messages: list[LeanMessage] = field(default_factory=list)
    kill_retries: int = DEFAULT_KILL_RETRIES
    killed_runs: int = 0  # runs whose Lean was killed from outside (and were re-run while retries lasted)
    _nonce: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _context_verified: bool = False  # the context's marker came out once: a later fault is a probe's
    _retries_left: int = 0

    def evaluate(self, paths: Sequence[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each path (see the module's docstring for how it is judged)."""
        results: list[TacticResult | None] = [None] * len(paths)
        self._retries_left = self.kill_retries
        self._settle(paths, list(range(len(paths))), results)
        return [r if r is not None else LeanCrash("no result") for r in results]

    def _settle(self, paths: Sequence[tuple[str, ...]], pending: list[int],
                results: list[TacticResult | None]) -> None:
        """Fill `results` at the `pending` indices, re-running what a fault left unfinished."""
        while pending:
            finished, fault, context_ok = self._run([paths[i] for i in pending])
            if fault is not None and fault[0] == "killed":
                self.killed_runs += 1
                if self._retries_left > 0:  # killed from outside: says nothing about the probes
                    self._retries_left -= 1
                    for k, result in enumerate(finished):
                        if result is not None:
                            results[pending[k]] = result
                    pending = [i for i in pending if results[i] is None]
                    continue
            if not context_ok and fault is None:
                # The context itself did not get through: every pending pair shares that outcome.
                for i in pending:
                    results[i] = LeanError("Lean did not get to the end of the theorem's context "
                                           "(does it end the file early?)")
                return
            if context_ok:
                self._context_verified = True
            elif not self._context_verified:
                context_fault = self._context_fault()
                if context_fault is not None:
                    for i in pending:
                        results[i] = _fault_result(context_fault, "while checking the theorem's context")
                    return
            for k, result in enumerate(finished):
                if result is not None:
                    results[pending[k]] = result
            missing = [i for i in pending if results[i] is None]
            if not missing:
                return
            if fault is None:
                offender = missing[0]
                results[offender] = LeanError(
                    "Lean did not reach the end of this tactic's proof (the tactic broke the file's syntax)")
                pending = missing[1:]
            elif len(missing) == 1:
                results[missing[0]] = _fault_result(fault)
                return
            elif any(result is not None for result in finished):
                self._settle(paths, missing[:1], results)  # the first unfinished probe: the likely culprit
                pending = missing[1:]
            else:
                half = len(missing) // 2
                self._settle(paths, missing[:half], results)
                pending = missing[half:]

    def _context_fault(self) -> tuple[str, str] | None:
        """Run the initial state alone: the fault when the context itself does not get through."""
        _, fault, context_ok = self._run([()])
        if context_ok:
            self._context_verified = True
            return None
        return fault or ("crash", "Lean did not get to the end of the theorem's context")

    def close(self) -> None:
        """Nothing to release: every batch has its own process."""

    # -- one Lean run ------------------------------------------------------------------------

    def batch_file(self, paths: Sequence[tuple[str, ...]]) -> tuple[str, list[Probe], int]:
        """The Lean file for a batch, its probes, and the line of the context marker."""
        lines = self.theorem.context.split("\n") if self.theorem.context.strip() else []
        lines.append("")
        lines.append(f'#print "{self._marker("context")}"')
        context_marker = len(lines)
        probes: list[Probe] = []
        for index, path in enumerate(paths):
            theorem, tactics = self.probe_target(path)
            lines.append("")
            first = len(lines) + 1
            limit = self.heartbeats * max(1, len(tactics))
            lines.append(f"set_option maxHeartbeats {limit} in")
            header = theorem.probe_header(index).split("\n")
            if mask_comments_and_strings(header[-1]) != header[-1]:  # a comment may end the last line
                header.append("    := by")
            else:
                header[-1] += " := by"
            lines.extend(header)
            header_line = len(lines)
            by_column = len(header[-1]) - 2
            tactic_line = header_line + 1
            for position, tactic in enumerate(tactics):
                if position == len(tactics) - 1:
                    tactic_line = len(lines) + 1
                lines.extend(indent_tactic(tactic).split("\n"))
            if not tactics:  # the initial state: `by` needs a tactic before the marker
                lines.append("  skip")
            lines.append(f'#print "{self._marker(str(index))}"')
            probes.append(Probe(index, tuple(path), first, header_line, by_column, tactic_line, len(lines)))
        return "\n".join(lines) + "\n", probes, context_marker

    def probe_target(self, path: tuple[str, ...]) -> tuple[Theorem, tuple[str, ...]]:
        """The theorem a path probes and its tactics (here: the engine's theorem, the whole path)."""
        return self.theorem, path

    def _marker(self, label: str) -> str:
        return f"dojo:{self._nonce}:{label}"

    def _run(self, paths: list[tuple[str, ...]]) -> tuple[list[TacticResult | None], tuple[str, str] | None, bool]:
        """Run one batch: per-path results (None where the probe's marker is missing), the
        fault (kind, detail) if the process did not end normally, and whether the context
        marker came out."""
        text, probes, context_marker = self.batch_file(paths)
        with tempfile.TemporaryDirectory(prefix="prover-dojo-") as tmp:
            file = Path(tmp) / "DojoProbe.lean"
            file.write_text(text, encoding="utf-8")
            run = (self.runner or run_lean_file)(self.toolchain, file, self.timeout_s)
        self.runs += 1
        self.last_run = run
        markers = {m.line for m in run.messages if m.severity == "information" and m.text.startswith(f"dojo:{self._nonce}:")}
        context_ok = context_marker in markers
        self.context_messages = [m for m in run.messages if m.line < context_marker and m.is_error]
        ordered = sorted(run.messages, key=lambda m: (m.line, m.column))
        results: list[TacticResult | None] = []
        cursor = 0
        for probe in probes:
            inside = []
            while cursor < len(ordered) and ordered[cursor].line < probe.first_line:
                cursor += 1
            j = cursor
            while j < len(ordered) and ordered[j].line < probe.marker_line:
                inside.append(ordered[j])
                j += 1
            if probe.marker_line not in markers:
                results.append(None)
            else:
                results.append(judge_probe(probe, inside))
        fault = (run.fault, run.fault_detail or run.fault) if run.fault is not None else None
        return results, fault, context_ok


def judge_probe(probe: Probe, messages: list[LeanMessage]) -> TacticResult:
    """The result of one probe from the messages inside its lines."""
    errors = [m for m in messages if m.is_error]
    timeouts = [m for m in errors if m.kind == "runtime.maxHeartbeats" or "maximum number of heartbeats" in m.text]
    if timeouts:
        return TacticTimeout(timeouts[0].text.strip())
    main = [m for m in errors if _is_main_unsolved(m, probe)]
    others = [m for m in errors if not _is_main_unsolved(m, probe)]
    if others:
        own = [m for m in others if m.line >= probe.tactic_line] or others
        return LeanError(own[0].text.strip())
    if main:
        pp = main[0].text[len("unsolved goals"):].strip("\n")
        return TacticState(pp, parse_goals(pp), 0, probe.path)
    if any(m.is_sorry_warning for m in messages):
        return LeanError("the proof uses `sorry`")
    return ProofFinished(probe.path)


def _is_main_unsolved(message: LeanMessage, probe: Probe) -> bool:
    return (message.text.startswith("unsolved goals") and message.line == probe.header_line
            and message.column == probe.by_column)


def _fault_result(fault: tuple[str, str], where: str = "") -> TacticResult:
    kind, detail = fault
    detail = f"{detail} ({where})" if where else detail
    return TacticTimeout(detail) if kind == "timeout" else LeanCrash(f"{kind}: {detail}" if kind not in detail else detail)
