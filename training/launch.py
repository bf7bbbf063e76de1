"""The one accelerate launcher: run a training module's command line under
`accelerate launch --config_file CONFIG` (several processes / GPUs) and wait for it."""

from __future__ import annotations

import subprocess
import sys


def accelerate_launch(config_file: str, module: str, arguments: list[str]) -> int:
    """Run `python -m accelerate.commands.launch --config_file CONFIG -m MODULE ARGUMENTS…` with
    this interpreter; returns its exit status (the caller reads the run's record for the result)."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config_file),
               "-m", module, *arguments]
    return subprocess.run(command, check=False).returncode
