"""What every `prover` command shares on the console: progress lines on stderr and the error
that becomes one `prover: error: …` line (exit status 2)."""

from __future__ import annotations

import sys

from lean_prover.lean_env.errors import LeanEnvError


class CommandError(LeanEnvError):
    """A command that cannot run (bad option, bad input); the message is one line."""


class TrainCommandError(CommandError):
    """A `prover train` command that cannot run; the message is one line."""


def progress(message: str, tag: str = "prover") -> None:
    """One progress line on stderr, `[tag] message`."""
    print(f"[{tag}] {message}", file=sys.stderr, flush=True)
