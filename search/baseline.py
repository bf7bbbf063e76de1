"""Lean's own one-shot automation as a baseline: what a user would type instead of a prover.

Each problem is tried with the automation portfolio of :mod:`search.portfolio` (`intros`
followed by one of `omega`, `grind`, `decide`, `simp_all`, and `decide` alone), each attempt
a renamed copy of the theorem (:meth:`lean_env.theorem.Theorem.probe_header`) under its own
heartbeat limit, all attempts of a suite in one Lean file per distinct header; every verdict
comes from :func:`lean_env.verify.check_file`, so a baseline "solved" means a clean re-check.
The same results serve as the prover's first pass (`prover bench`), so the prover never
proves less than this baseline.
"""

from __future__ import annotations

from lean_prover.lean_env.limits import BASELINE_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.suite import Problem
from lean_prover.search.portfolio import PORTFOLIO, PORTFOLIO_HEARTBEATS, FirstPassResult, run_portfolio, theorem_key

BaselineResult = FirstPassResult
"""Which portfolio attempts proved a problem (`solved_by`; empty: none did) and the first one's proof."""


def run_baseline(
    toolchain: Toolchain,
    problems: list[Problem],
    portfolio: tuple[tuple[str, ...], ...] = PORTFOLIO,
    heartbeats: int = PORTFOLIO_HEARTBEATS,
    timeout_s: float = BASELINE_TIMEOUT_S,
) -> dict[str, BaselineResult]:
    """Try every problem with each portfolio attempt; returns name -> result (`solved_by` lists
    the attempts that proved it, `proof` the first one's script)."""
    theorems = {p.name: p.theorem() for p in problems}
    results, _ = run_portfolio(toolchain, list(theorems.values()), portfolio, heartbeats, timeout_s)
    return {name: results[theorem_key(theorem)] for name, theorem in theorems.items()}
