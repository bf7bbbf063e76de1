"""Shared fixtures: one resolved Lean toolchain for the whole test session."""

from __future__ import annotations

import pytest

from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    """The toolchain the tests run (installs the embedded Lean on first use)."""
    return resolve_toolchain(progress=lambda m: print(f"[setup] {m}"))


NAT_INDEX_MODULES = ("Init.Data.Nat.Dvd", "Init.Data.Nat.Gcd", "Init.Data.Nat.Basic", "Init.Prelude")


@pytest.fixture(scope="session")
def nat_premise_index(toolchain):
    """A premise index enumerated by real Lean over a few Nat modules of Init (the full index
    takes minutes; the code path is the same), built once for every test that needs one."""
    from lean_prover.lean_env.library_index import build_index

    return build_index(toolchain, roots=("Init",), only=NAT_INDEX_MODULES)
