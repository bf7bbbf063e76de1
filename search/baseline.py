"""Lean's own one-shot automation as a baseline: what a user would type instead of a prover.

Each problem is tried with `intros` followed by one of `omega`, `grind`, `decide`,
`simp_all`, each attempt under its own heartbeat limit. All attempts of a suite go into one
Lean file per distinct header (one Lean process), and every verdict comes from
:func:`lean_env.verify.check_file`, so a baseline "solved" means a clean re-check.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.limits import BASELINE_TIMEOUT_S, DEFAULT_HEARTBEATS
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file
from lean_prover.prover.suite import Problem

AUTOMATION_TACTICS = ("omega", "grind", "decide", "simp_all")


@dataclass
class BaselineResult:
    """Which automation tactics proved a problem (empty list: none did)."""

    name: str
    solved_by: list[str] = field(default_factory=list)

    @property
    def solved(self) -> bool:
        """True when at least one tactic proved the problem."""
        return bool(self.solved_by)


def run_baseline(
    toolchain: Toolchain,
    problems: list[Problem],
    tactics: tuple[str, ...] = AUTOMATION_TACTICS,
    heartbeats: int = DEFAULT_HEARTBEATS,
    timeout_s: float = BASELINE_TIMEOUT_S,
) -> dict[str, BaselineResult]:
    """Try every problem with each tactic after `intros`; returns name -> result."""
    results = {p.name: BaselineResult(p.name) for p in problems}
    by_header: dict[str, list[Problem]] = {}
    for problem in problems:
        by_header.setdefault(problem.header, []).append(problem)
    for header, group in by_header.items():
        attempts: dict[str, tuple[str, str]] = {}
        body = []
        for index, problem in enumerate(group):
            for tactic in tactics:
                attempt = f"baseline_{index}_{tactic}"
                attempts[attempt] = (problem.name, tactic)
                statement = Theorem(problem.name, problem.statement).renamed(attempt)
                body.append(f"set_option maxHeartbeats {heartbeats} in\n{statement} := by\n  intros\n  {tactic}\n")
        text = (header.rstrip() + "\n\n" if header.strip() else "") + "\n".join(body)
        with tempfile.TemporaryDirectory(prefix="prover-baseline-") as tmp:
            path = Path(tmp) / "Baseline.lean"
            path.write_text(text, encoding="utf-8")
            checked = check_file(toolchain, path, CheckOptions(timeout_s=timeout_s))
        for decl in checked.declarations:
            if decl.status == "proved" and decl.name in attempts:
                name, tactic = attempts[decl.name]
                results[name].solved_by.append(tactic)
    return results
