"""Shared fixtures: one resolved Lean toolchain for the whole test session."""

from __future__ import annotations

import pytest

from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    """The toolchain the tests run (installs the embedded Lean on first use)."""
    return resolve_toolchain(progress=lambda m: print(f"[setup] {m}"))
