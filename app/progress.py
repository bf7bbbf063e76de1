"""Progress you can see: a `rich` progress bar per phase of a long command (files checked,
theorems proved, problems benchmarked, training problems searched, optimizer steps), with the
items done, what the phase counts (solved so far, Lean calls, loss …), elapsed time and ETA.

The bar is drawn only on a terminal: `--json`, `--quiet` or a stdout that is not a terminal
(a pipe, a log file, a test) switch it off. Each finished item is one `[tag] [done/total] …`
line on stderr (above the bar when there is one), unless `--quiet`.

    with RunProgress.for_command(json=False, quiet=False) as progress:
        progress.phase("prove", total=3)
        progress.advance(line="t1: proved (3.1 s)", solved=1, lean_calls=4)
        progress.live(lean_calls=7)          # counts of work still in flight (shown, not kept)
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from lean_prover.app.console import progress as print_line


class RunProgress:
    """Phases of a command with a bar each (module docstring). Safe to call from several threads."""

    def __init__(self, bar: bool, quiet: bool = False, tag: str = "prover", console=None):
        """`console`: where a bar is drawn (a `rich.console.Console`; default: stderr)."""
        self.quiet, self.tag = quiet, tag
        self._lock = threading.Lock()
        self._bar = None
        self._task = None
        self._counts: dict[str, float] = {}
        self._live: dict[str, float] = {}
        self._done, self._total = 0, None
        if bar:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), console=console or Console(stderr=True), transient=False)

    @classmethod
    def for_command(cls, json: bool = False, quiet: bool = False, tag: str = "prover") -> "RunProgress":
        """A bar on a terminal, unless `--json` or `--quiet`; otherwise lines (none when quiet)."""
        return cls(bar=not (json or quiet) and sys.stdout.isatty() and sys.stderr.isatty(), quiet=quiet, tag=tag)

    @property
    def drawing(self) -> bool:
        """True when a bar is shown."""
        return self._bar is not None

    @property
    def counts(self) -> dict[str, float]:
        """The current phase's totals so far (items done under `done`)."""
        with self._lock:
            return {"done": self._done, **self._counts}

    def __enter__(self) -> "RunProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()

    def phase(self, description: str, total: int | None) -> None:
        """Start a new bar (the previous one stays, finished); counts start from zero."""
        with self._lock:
            self._counts, self._live = {}, {}
            self._done, self._total = 0, total
            if self._bar is not None:
                if self._task is not None:
                    self._bar.stop_task(self._task)
                self._task = self._bar.add_task(description, total=total, counts="")

    def advance(self, line: str | None = None, steps: int = 1, **counts: float) -> None:
        """One item (or `steps`) done: add `counts` to the phase's totals, show `line`."""
        with self._lock:
            for name, value in counts.items():
                self._counts[name] = self._counts.get(name, 0) + value
            self._live = {}
            self._done += steps
            self._refresh(steps)
            counter = f"[{self._done}/{self._total}] " if self._total else ""
        if line:
            self.note(counter + line)

    def live(self, **counts: float) -> None:
        """Counts of work in flight, shown on top of the totals until the next `advance`."""
        with self._lock:
            self._live.update(counts)
            self._refresh(0)

    def set(self, **counts: float) -> None:
        """Replace some of the phase's shown values (e.g. the latest loss)."""
        with self._lock:
            self._counts.update(counts)
            self._refresh(0)

    def note(self, message: str) -> None:
        """A progress line: above the bar, or on stderr without one (nothing when quiet)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(f"[{self.tag}] {message}", markup=False, highlight=False)
        else:
            print_line(message, self.tag)

    def _refresh(self, steps: int) -> None:
        if self._bar is None or self._task is None:
            return
        shown = {name: self._counts.get(name, 0) + self._live.get(name, 0) for name in {*self._counts, *self._live}}
        text = " · ".join(f"{name.replace('_', ' ')} {_number(value)}" for name, value in sorted(shown.items()))
        self._bar.update(self._task, advance=steps, counts=text)


def _number(value: float) -> str:
    return f"{value:d}" if isinstance(value, int) else (f"{int(value)}" if float(value).is_integer() else f"{value:.3g}")
