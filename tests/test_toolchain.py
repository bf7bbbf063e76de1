"""Toolchain resolution, the embedded install's failure modes, and the glue fixes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lean_prover.lean_env.embedded import install_embedded
from lean_prover.lean_env.errors import ToolchainError
from lean_prover.lean_env.toolchain import LeanRelease, resolve_toolchain
from lean_prover.lean_env.wasm_glue import GLUE_FIXES, GluePatchError, apply_fixes, is_patched


def _fake_lean(folder: Path) -> Path:
    """A stand-in `lean` script: resolution only looks for it, it never checks a proof."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "lean"
    script.write_text("#!/bin/sh\necho 'Lean (version 9.9.9, fake)'\n")
    script.chmod(0o755)
    return script


def test_explicit_command_wins(tmp_path, monkeypatch):
    script = _fake_lean(tmp_path / "bin")
    monkeypatch.setenv("LEAN_PROVER_LEAN", f"{script} --some-flag")
    toolchain = resolve_toolchain(install=False)
    assert toolchain.kind == "explicit" and toolchain.command == (str(script), "--some-flag")
    assert toolchain.version() == "Lean (version 9.9.9, fake)"


def test_native_lean_on_path_before_embedded(tmp_path, monkeypatch):
    script = _fake_lean(tmp_path / "bin")
    monkeypatch.delenv("LEAN_PROVER_LEAN", raising=False)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    assert resolve_toolchain(install=False).kind == "native"


def test_project_needs_lakefile(tmp_path, monkeypatch):
    monkeypatch.delenv("LEAN_PROVER_LEAN", raising=False)
    with pytest.raises(ToolchainError, match="no lakefile"):
        resolve_toolchain(project=tmp_path, install=False)
    with pytest.raises(ToolchainError, match="not a directory"):
        resolve_toolchain(project=tmp_path / "missing", install=False)


def test_missing_explicit_command(monkeypatch):
    monkeypatch.setenv("LEAN_PROVER_LEAN", "/no/such/lean")
    with pytest.raises(ToolchainError, match="not found"):
        resolve_toolchain(install=False)


def test_unreachable_registry_is_one_clear_line(tmp_path):
    env = {**os.environ, "npm_config_registry": "http://127.0.0.1:9/", "npm_config_fetch_retries": "0",
           "LEAN_PROVER_CACHE": str(tmp_path / "cache")}
    env.pop("LEAN_PROVER_LEAN", None)
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "setup"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("prover: error:")]
    assert len(errors) == 1 and "npm registry" in errors[0]
    assert "Traceback" not in proc.stderr


def test_embedded_install_is_stamped_and_patched(toolchain):
    if not toolchain.is_embedded:
        pytest.skip("a native Lean is in use; the embedded one is not installed")
    assert toolchain.embedded.is_installed() and is_patched(toolchain.embedded.glue)
    # idempotent: a second install is a no-op that reports the existing one
    messages: list[str] = []
    assert install_embedded(toolchain.embedded.root.parent, progress=messages.append).root == toolchain.embedded.root
    assert messages and "already installed" in messages[0]


@pytest.fixture(scope="module")
def pristine_glue(toolchain) -> str:
    if not toolchain.is_embedded:
        pytest.skip("a native Lean is in use")
    return (toolchain.embedded.glue.parent / "lean.js.orig").read_text(encoding="utf-8")


@pytest.mark.parametrize("fix", GLUE_FIXES, ids=lambda f: f.name)
def test_glue_fix_targets_upstream_text(fix, pristine_glue, toolchain):
    assert pristine_glue.count(fix.upstream) == fix.count, f"upstream text of {fix.name} is gone"
    patched = toolchain.embedded.glue.read_text(encoding="utf-8")
    assert fix.replacement in patched


def test_glue_fixes_idempotent_and_refuse_unknown_text(pristine_glue):
    once = apply_fixes(pristine_glue)
    assert apply_fixes(once) == once
    assert 'console.log("[DEBUG' not in once
    with pytest.raises(GluePatchError, match="dlsym-index"):
        apply_fixes(pristine_glue.replace("newSymIndex=Object.keys(lib.exports).indexOf(symbol);", ""))


def test_stdin_multibyte_across_chunk_boundary(toolchain):
    """`lean --stdin` through the fixed reader: a `∀` split across the old 256-byte chunk edge."""
    if not toolchain.is_embedded:
        pytest.skip("tests the embedded glue")
    pad = "-" * 253  # comment line: the 3-byte `∀` below starts at byte 255
    source = f"--{pad}\ntheorem stdin_ok : ∀ n : Nat, n + 0 = n := by intro n; rfl\n"
    proc = subprocess.run(toolchain.argv("--stdin", "--json"), input=source.encode(), capture_output=True,
                          env=toolchain.process_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()[-2000:]
    assert proc.stdout.strip() == b""  # no debug prints, no messages: clean stdout


def test_stdout_has_only_json_messages(toolchain, tmp_path):
    if not toolchain.is_embedded:
        pytest.skip("tests the embedded glue")
    path = tmp_path / "msg.lean"
    path.write_text("#check (1 : Nat)\n")
    proc = subprocess.run(toolchain.argv("--json", str(path)), capture_output=True, text=True,
                          env=toolchain.process_env([path]), timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("{") and '"severity":"information"' in lines[0]


@pytest.mark.parametrize("version, expected", [("4.9.1", False), ("4.23.0", False), ("4.24.0", True)])
def test_max_errors_option_only_for_releases_that_know_it(tmp_path, version, expected):
    """A fake `lean` (it only prints its version and records its arguments): an unknown `-D`
    makes a real older Lean elaborate nothing, so the option must be gated by `lean --version`."""
    from lean_prover.lean_env.process import run_lean_file

    log = tmp_path / "argv.txt"
    script = tmp_path / "lean"
    script.write_text(f"#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Lean (version {version}, x86_64, Release)'; "
                      f"exit 0; fi\necho \"$@\" > {log}\n")
    script.chmod(0o755)
    toolchain = resolve_toolchain(lean_command=str(script))
    source = tmp_path / "t.lean"
    source.write_text("theorem t : True := trivial\n")
    run_lean_file(toolchain, source, timeout_s=30)
    assert ("-DmaxErrors=1000000" in log.read_text()) is expected
    assert toolchain.release() == LeanRelease.parse(version)
