"""Searching a list of problems with one prover, one JSON line per problem as each finishes
(:class:`search.runs.ResumableRun`), so that a killed run resumes with the problems it had not
finished.

A row holds the attempt (status, tactics, proof, time, Lean calls, expansions, stop reason, the
search tree and the root goal text it started from) and, for a proved problem, its proof-path
steps (:mod:`training.data`).
"""

from __future__ import annotations

from pathlib import Path

from lean_prover.prover.suite import Problem
from lean_prover.search.attempt import ProofAttempt
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.prove import SearchProver
from lean_prover.search.runs import OnRow, ResumableRun
from lean_prover.training.data import DataError, Step, steps_from_trace


def search_problems(prover: SearchProver, problems: list[Problem], path: Path, fingerprint: str, provenance: dict,
                    on_row: OnRow = lambda _r, _i, _n: None, concurrency: int = 1, processes: int = 2) -> list[dict]:
    """Prove each problem not already in `path`, appending its row as it finishes; returns the
    rows of all `problems` (finished earlier or now), in order. `provenance` (round, model,
    algorithm) is stamped on the steps.

    With `concurrency` > 1, that many searches run at once in threads and share Lean runs
    (:class:`search.lockstep.LockstepPool`, at most `processes` Lean processes at a time);
    each search is the same as alone (same probes, same results), rows come in finishing order.
    The prover's first pass, when it has one, runs for all problems together before the
    searches (`prove_all` prepares it: :meth:`search.prove.SearchProver.prepare`)."""
    run = ResumableRun(path, fingerprint)
    todo = run.pending(problems)

    def make_row(_problem: Problem, attempt: ProofAttempt) -> dict:
        return {**attempt.to_dict(with_trace=True), "steps": [s.to_dict() for s in _steps(attempt, provenance)]}

    runner = LockstepPool(prover, concurrency, processes) if concurrency > 1 and len(todo) > 1 else prover
    run.prove(runner, todo, make_row, on_row)
    return run.rows(problems)


def row_steps(rows: list[dict]) -> list[Step]:
    """The proof-path steps of the proved rows, in row order."""
    return [Step.from_dict(s) for row in rows for s in row.get("steps", [])]


def _steps(attempt: ProofAttempt, provenance: dict) -> list[Step]:
    if attempt.status != "proved" or attempt.from_cache or not attempt.root_state:
        return []
    try:
        steps = steps_from_trace(attempt.trace, attempt.root_state, attempt.name, provenance.get("round", 0),
                                 provenance.get("model", ""), provenance.get("algorithm", ""))
    except DataError:
        return []
    return steps if [s.tactic for s in steps] == list(attempt.tactics) else []
