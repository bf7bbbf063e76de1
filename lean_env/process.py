"""Run one Lean process to completion under a wall-clock and a memory limit.

Faults (timeout, out of memory, stack overflow, crash, killed) are returned as data in
:class:`LeanRun`, never raised, so one bad file cannot take other results down with it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lean_prover.lean_env.messages import LeanMessage, parse_messages
from lean_prover.lean_env.releases import lean_options
from lean_prover.lean_env.toolchain import Toolchain

# Lines the embedded build prints on stderr about itself, not about the file.
_NOISE_PREFIXES = ("[DEBUG", "  - ", "  mainModule?")
# How Node reports an uncaught error of the WebAssembly runtime (e.g. `memory access out of bounds`).
_RUNTIME_ERROR_RE = re.compile(r"(?m)^(?:RuntimeError|RangeError|InternalError|Error): .*$")


@dataclass(frozen=True)
class LeanRun:
    """What one Lean process produced."""

    messages: list[LeanMessage]
    returncode: int | None
    elapsed_s: float
    fault: str | None  # None | "timeout" | "oom" | "stack_overflow" | "crash" | "killed"
    fault_detail: str
    stderr: str
    peak_rss_bytes: int


def run_lean_file(
    toolchain: Toolchain,
    path: Path,
    timeout_s: float,
    memory_limit_bytes: int | None = None,
    extra_args: tuple[str, ...] = (),
    search_path: tuple[Path, ...] = (),
) -> LeanRun:
    """Check `path` with `lean --json` and collect its messages; `search_path` folders are put
    before the toolchain's own in `LEAN_PATH` (for `.olean` files this project compiled)."""
    argv = dies_with_parent(toolchain.argv("--json", *lean_options(toolchain.release()), *extra_args, str(path)))
    env = toolchain.process_env([path, *search_path])
    if search_path:
        env["LEAN_PATH"] = os.pathsep.join([*map(str, search_path), *filter(None, [env.get("LEAN_PATH")])])
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=env, cwd=toolchain.cwd, start_new_session=True,
    )
    watchdog = _Watchdog(proc, timeout_s, memory_limit_bytes)
    watchdog.start()
    stdout, stderr = proc.communicate()
    watchdog.stop()
    elapsed = time.monotonic() - started
    stderr_text = "\n".join(
        ln for ln in stderr.decode("utf-8", "replace").splitlines() if not ln.startswith(_NOISE_PREFIXES)
    )
    messages, _other = parse_messages(stdout.decode("utf-8", "replace"))
    fault, detail = _classify(proc.returncode, watchdog.reason, stderr_text, bool(messages))
    return LeanRun(messages, proc.returncode, elapsed, fault, detail, stderr_text, watchdog.peak_rss)


def dies_with_parent(argv: list[str]) -> list[str]:
    """`argv` run so that it is killed when the thread that started it dies (a SIGKILLed worker
    must not leave its Lean running until the timeout): through `setpriv --pdeathsig KILL` on
    Linux when util-linux's `setpriv` is there, else unchanged. Safe with threads (no
    `preexec_fn`); the starting thread must outlive the process (`communicate` ensures it)."""
    if sys.platform.startswith("linux") and (setpriv := shutil.which("setpriv")):
        return [setpriv, "--pdeathsig", "KILL", "--", *argv]
    return argv


def _classify(returncode: int | None, watchdog_reason: str | None, stderr: str, has_messages: bool) -> tuple[str | None, str]:
    last_line = next((ln.strip() for ln in reversed(stderr.splitlines()) if ln.strip()), "")
    if watchdog_reason is not None:
        kind = watchdog_reason.split(":", 1)[0]
        return kind, watchdog_reason
    if "Maximum call stack size exceeded" in stderr or "Stack overflow" in stderr or "stack overflow" in stderr:
        return "stack_overflow", "Lean ran out of stack"
    if any(s in stderr for s in ("out of memory", "Out of memory", "Aborted(OOM)", "Cannot enlarge memory")):
        return "oom", "Lean ran out of memory"
    runtime_error = _RUNTIME_ERROR_RE.search(stderr)
    if runtime_error is not None:  # the WebAssembly runtime died (a JavaScript error and stack trace)
        return "crash", f"Lean crashed: {runtime_error.group(0).strip()}"
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        return "killed", f"Lean was killed by {name}"
    if returncode not in (0, 1) or (returncode == 1 and not has_messages):
        return "crash", f"Lean exited with status {returncode}" + (f": {last_line}" if last_line else "")
    return None, ""


class _Watchdog(threading.Thread):
    """Kills the process group on timeout or when resident memory exceeds the limit."""

    def __init__(self, proc: subprocess.Popen, timeout_s: float, memory_limit: int | None):
        super().__init__(daemon=True)
        self.proc, self.timeout_s, self.memory_limit = proc, timeout_s, memory_limit
        self.reason: str | None = None
        self.peak_rss = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not self._stopped.wait(0.25):
            rss = _tree_rss(self.proc.pid)
            self.peak_rss = max(self.peak_rss, rss)
            if time.monotonic() > deadline:
                self._kill(f"timeout: no result within {self.timeout_s:g} s")
                return
            if self.memory_limit and rss > self.memory_limit:
                self._kill(f"oom: resident memory {rss / 1e9:.1f} GB exceeded the {self.memory_limit / 1e9:.1f} GB limit")
                return

    def _kill(self, reason: str) -> None:
        self.reason = reason
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        self._stopped.set()


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants (Linux /proc)."""
    total, stack, seen = 0, [pid], set()
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * page
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return total
