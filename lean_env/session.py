"""The session engine: the file engine's batches answered by one long-lived `lean --worker`.

A :class:`LeanSession` keeps one Lean file worker (the process behind one file in an editor)
alive over LSP on stdin/stdout, with the header (`Init`, or the file's imports) loaded once. Each
request replaces the whole text of its one document (`textDocument/didChange`) and waits with
Lean's `textDocument/waitForDiagnostics`, which answers once every diagnostic of that version has
been published; the worker re-elaborates only from the first changed command, so a batch whose
theorem context is unchanged costs only its probes. The last `publishDiagnostics` of the version
is converted to the `--json` form of :class:`~lean_env.messages.LeanMessage` (1-based line,
codepoint column), so a session run is a drop-in :data:`~lean_env.file_engine.Runner`.

:class:`SessionEngine` is a :class:`~lean_env.file_engine.FileEngine` whose runner is a session:
the same batch file, the same judging and the same fault handling (a probe that times out or
crashes the worker is re-run alone), hence the same results on the same (state, tactic) pairs.
One session can serve many engines (theorems); it restarts itself after a crash or a timeout,
when a request's header (`import` lines) differs from the loaded one, and after a number of
requests (the worker's memory grows with every request: see DEFAULT_RESTART_AFTER_REQUESTS).
The engine sends at most `chunk` probes per request.

Worker options: `-DElab.async=false` elaborates each proof before the next command, as the
command line does, so diagnostics published before a timeout describe whole probes;
`-DmaxErrors=1000000` lifts the cap on errors as the file engine does.

The embedded (WebAssembly) Lean needs `LEAN_WASM_MAIN_ON_PTHREAD=1` (glue fixes `main-on-pthread-*`
of :mod:`lean_env.wasm_glue`): with Lean's `main` on the main JavaScript thread, each new Lean
thread cost a fresh Worker (about 4 s), so the worker answered about one message per 4 s.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from lean_prover.lean_env.errors import ToolchainError
from lean_prover.lean_env.file_engine import FileEngine
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import _NOISE_PREFIXES, LeanRun, _classify, _tree_rss
from lean_prover.lean_env.results import TacticResult
from lean_prover.lean_env.releases import worker_options
from lean_prover.lean_env.source import HEADER_KEYWORDS, split_commands
from lean_prover.lean_env.toolchain import Toolchain

DEFAULT_STARTUP_TIMEOUT_S = 600.0
# The worker's memory grows with every request and is never given back (measured on the embedded
# Lean: the WebAssembly heap, capped at 2 GB, goes from 0.23 GB after `Init` to 0.93 GB after 12
# requests of one probe, i.e. ~60 MB per request, with jumps of ~0.3 GB when a request needs a new
# thread; a session running requests of 10 probes for several theorems ran out of memory after
# ~15 requests), so a worker is replaced after this many requests.
DEFAULT_RESTART_AFTER_REQUESTS = 10
DEFAULT_CHUNK = 10  # probes per request: bounds the worker's memory per request
_SEVERITIES = {1: "error", 2: "warning", 3: "information", 4: "information"}


class LeanSession:
    """One `lean --worker` process and its one document; thread-safe, one request at a time."""

    def __init__(self, toolchain: Toolchain, startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S,
                 restart_after_requests: int = DEFAULT_RESTART_AFTER_REQUESTS):
        self.toolchain = toolchain
        self.startup_timeout_s = startup_timeout_s
        self.restart_after_requests = restart_after_requests
        self.starts = 0  # worker processes started so far
        self.requests = 0  # requests answered (or faulted) so far
        self.last_startup_s: float | None = None  # seconds from spawn to the header being loaded
        self.peak_rss_bytes = 0
        self._uri = (Path(os.environ.get("TMPDIR", "/tmp")) / f"prover-session-{uuid.uuid4().hex[:8]}"
                     / "Session.lean").as_uri()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=200)
        self._header: tuple[str, ...] | None = None
        self._version = 0
        self._next_id = 0
        self._served = 0  # requests this worker has answered
        self._start_fault: str | None = None  # the fault kind of the last failed start
        atexit.register(self.close)  # the worker runs in its own process group: never leave it behind

    # -- public ------------------------------------------------------------------------------

    @property
    def loaded_header(self) -> tuple[str, ...] | None:
        """The header the running worker has loaded (None: no worker running)."""
        proc = self._proc
        return self._header if proc is not None and proc.poll() is None else None

    @property
    def served(self) -> int:
        """Requests the running worker has answered (it is replaced at `restart_after_requests`)."""
        return self._served if self.loaded_header is not None else 0

    def start(self, text: str = "") -> float:
        """Start the worker (if not running) with `text`'s header loaded; returns start-up seconds."""
        with self._lock:
            self._ensure(header_of(text))
            return self.last_startup_s or 0.0

    def check(self, text: str, timeout_s: float) -> LeanRun:
        """Elaborate `text` as the document's new content; its messages, as `lean --json` gives them.

        A request that runs past `timeout_s` kills the worker (fault "timeout"); a worker that dies
        gives fault "crash"/"oom"/"stack_overflow". Either way the next request starts a new one.
        """
        with self._lock:
            started = time.monotonic()
            if self._served >= self.restart_after_requests:
                self._stop()
            try:
                self._ensure(header_of(text))
            except ToolchainError as exc:  # `killed` when the worker was killed from outside while starting
                return LeanRun([], None, time.monotonic() - started, self._start_fault or "crash", str(exc),
                               "\n".join(self._stderr), 0)
            self._served += 1
            self.requests += 1
            self._version += 1
            version = self._version
            self._notify("textDocument/didChange", {
                "textDocument": {"uri": self._uri, "version": version}, "contentChanges": [{"text": text}]})
            request = self._request("textDocument/waitForDiagnostics", {"uri": self._uri, "version": version})
            diagnostics: list[dict] = []
            fault: tuple[str, str] | None = None
            deadline = time.monotonic() + timeout_s  # start-up has its own limit
            while fault is None:
                message = self._receive(deadline)
                if message == "timeout":
                    fault = ("timeout", f"timeout: no result within {timeout_s:g} s")
                elif message is None:
                    fault = self._exit_fault(bool(diagnostics))
                elif message.get("method") == "textDocument/publishDiagnostics":
                    params = message["params"]
                    if params.get("uri") == self._uri and params.get("version") == version:
                        diagnostics = params["diagnostics"]
                elif message.get("id") == request and "method" not in message:
                    if "error" in message:
                        fault = ("crash", f"the Lean worker refused the request: {message['error'].get('message')}")
                    break
            rss = _tree_rss(self._proc.pid) if self._proc is not None else 0
            self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
            if fault is not None:
                self._stop()
            messages = [to_lean_message(d, text) for d in diagnostics]
            return LeanRun(messages, None, time.monotonic() - started, fault[0] if fault else None,
                           fault[1] if fault else "", "\n".join(self._stderr), rss)

    def run_file(self, toolchain: Toolchain, path: Path, timeout_s: float) -> LeanRun:
        """A :data:`~lean_env.file_engine.Runner`: check the file's text in this session."""
        if toolchain != self.toolchain:
            raise ValueError("a LeanSession runs only the toolchain it was created with")
        return self.check(Path(path).read_text(encoding="utf-8"), timeout_s)

    def close(self) -> None:
        """Stop the worker (a later request starts a new one)."""
        with self._lock:
            self._stop()

    def __enter__(self) -> "LeanSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the worker process --------------------------------------------------------------------

    def _ensure(self, header: tuple[str, ...]) -> None:
        """A running worker with `header` loaded (restarting it when it died or the header differs)."""
        if self._proc is not None and self._proc.poll() is None and self._header == header:
            return
        self._stop()
        started = time.monotonic()
        env = self.toolchain.process_env([])
        if self.toolchain.is_embedded:
            env["LEAN_WASM_MAIN_ON_PTHREAD"] = "1"
        try:
            self._proc = subprocess.Popen(
                self.toolchain.argv("--worker", *worker_options(self.toolchain.release())), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd=self.toolchain.cwd, start_new_session=True)
        except OSError as exc:
            self._start_fault = "crash"
            raise ToolchainError(f"cannot start `lean --worker`: {exc}") from exc
        self.starts += 1
        self._inbox = queue.Queue()
        self._stderr.clear()
        threading.Thread(target=_read_frames, args=(self._proc.stdout, self._inbox), daemon=True).start()
        threading.Thread(target=_read_stderr, args=(self._proc.stderr, self._stderr), daemon=True).start()
        deadline = started + self.startup_timeout_s
        # The file worker reads `initialize` but does not answer it (its watchdog would).
        self._request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
        self._version = 1
        self._notify("textDocument/didOpen", {"textDocument": {
            "uri": self._uri, "languageId": "lean4", "version": 1, "text": "\n".join(header) + "\n"}})
        self._await_response(self._request("textDocument/waitForDiagnostics", {"uri": self._uri, "version": 1}),
                             deadline)
        self._header = header
        self._served = 0
        self.last_startup_s = time.monotonic() - started

    def _await_response(self, request: int, deadline: float) -> None:
        while True:
            message = self._receive(deadline)
            if message == "timeout" or message is None:
                self._start_fault, detail = (("timeout", "did not load the header in time") if message == "timeout"
                                             else self._exit_fault(False))
                self._stop()
                raise ToolchainError(f"the Lean worker did not start: {detail}")
            if message.get("id") == request and "method" not in message:
                if "error" in message:
                    self._stop()
                    self._start_fault = "crash"
                    raise ToolchainError(f"the Lean worker did not start: {message['error'].get('message')}")
                self._start_fault = None
                return

    def _receive(self, deadline: float) -> dict | str | None:
        """The next message from the worker; None when it exited, "timeout" past the deadline."""
        try:
            return self._inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "timeout"

    def _exit_fault(self, has_messages: bool) -> tuple[str, str]:
        returncode = None
        if self._proc is not None:
            try:
                returncode = self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass  # stdout closed but the process lingers: it is killed by the caller
        fault, detail = _classify(returncode, None, "\n".join(self._stderr), has_messages)
        return (fault, detail) if fault else ("crash", f"the Lean worker exited with status {returncode}")

    def _request(self, method: str, params: dict) -> int:
        self._next_id += 1
        self._send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def _notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        try:
            self._proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reader sees the exit and the request reports it

    def _stop(self) -> None:
        proc, self._proc, self._header = self._proc, None, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass


@dataclass
class SessionEngine(FileEngine):
    """A :class:`FileEngine` whose batches run in a :class:`LeanSession` (its own unless one is given)."""

    session: LeanSession | None = None
    chunk: int = DEFAULT_CHUNK
    _owns_session: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = LeanSession(self.toolchain)
            self._owns_session = True
        self.runner = self.session.run_file

    def evaluate(self, paths: Sequence[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each path, `chunk` paths per request (see :class:`FileEngine`)."""
        results: list[TacticResult] = []
        for start in range(0, len(paths), self.chunk):
            results.extend(FileEngine.evaluate(self, paths[start:start + self.chunk]))
        return results

    def close(self) -> None:
        """Stop the session's worker if this engine started it."""
        if self._owns_session:
            self.session.close()


def header_of(text: str) -> tuple[str, ...]:
    """The header of a Lean file: its leading `module`/`prelude`/`import` commands, each as its
    tokens joined by single spaces (comments and layout dropped)."""
    header: list[str] = []
    for command in split_commands(text):
        if command.head not in HEADER_KEYWORDS:
            break
        header.append(" ".join(t.text for t in command.code))
    return tuple(header)


def to_lean_message(diagnostic: dict, text: str) -> LeanMessage:
    """An LSP diagnostic as `lean --json` reports it: 1-based lines, columns in codepoints."""
    span = diagnostic.get("fullRange") or diagnostic["range"]
    lines = text.split("\n")
    start, end = span["start"], span["end"]
    code = diagnostic.get("code")
    return LeanMessage(
        severity=_SEVERITIES.get(diagnostic.get("severity", 1), "error"),
        line=start["line"] + 1, column=_codepoints(lines, start["line"], start["character"]),
        end_line=end["line"] + 1, end_column=_codepoints(lines, end["line"], end["character"]),
        text=diagnostic.get("message", ""), kind=code if isinstance(code, str) else "",
    )


def _codepoints(lines: list[str], line: int, utf16_column: int) -> int:
    """The codepoint column of a UTF-16 column on a line (LSP counts UTF-16 code units)."""
    if line >= len(lines):
        return utf16_column
    units = 0
    for index, char in enumerate(lines[line]):
        if units >= utf16_column:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(lines[line]) + max(0, utf16_column - units)


def _read_frames(stream, inbox: queue.Queue) -> None:
    """Parse `Content-Length` framed JSON messages into `inbox`; None at end of stream."""
    try:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            body = stream.read(length)
            if len(body) < length:
                return
            try:
                inbox.put(json.loads(body))
            except ValueError:
                continue
    finally:
        inbox.put(None)


def _read_stderr(stream, lines: deque) -> None:
    """Keep the worker's last stderr lines, without the embedded build's own noise."""
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line and not line.startswith(_NOISE_PREFIXES):
            lines.append(line)
