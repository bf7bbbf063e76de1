"""Searching a list of problems with one prover, one JSON line per problem as each finishes,
so that a killed run resumes with the problems it had not finished.

A row holds the attempt (status, tactics, proof, time, Lean calls, expansions, stop reason), the
root goal text and, for a proved problem, its proof-path steps (:mod:`training.data`). Rows of
another configuration (another fingerprint) are refused; a last line cut short by a kill is
dropped and that problem redone.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.dojo import Theorem
from lean_prover.prover.benchmark import read_resumable_rows
from lean_prover.prover.policy import Policy, TacticSuggestion
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.prove import ProofAttempt, Prover
from lean_prover.training.data import DataError, Step, steps_from_trace


class RunStateError(RuntimeError):
    """A run folder that holds results of another configuration, or unreadable rows; one line."""


class RootRecorder:
    """Wraps a policy and remembers the first state it is asked about: the root of a search,
    whose goal text the search trace does not record (one recorder per search)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.root: str | None = None

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """The wrapped policy's suggestions; records the first state seen."""
        if self.root is None and states:
            self.root = states[0]
        return self.policy.suggest(states, k)


def read_rows(path: Path, fingerprint: str) -> dict[str, dict]:
    """Finished rows of a JSONL log, by problem name (a cut-off last line is ignored)."""
    try:
        return read_resumable_rows(path, fingerprint)
    except ValueError as exc:
        raise RunStateError(str(exc)) from None


def search_problems(prover: Prover, problems: list, path: Path, fingerprint: str, provenance: dict,
                    on_row: Callable[[dict, int, int], None] = lambda _r, _i, _n: None,
                    concurrency: int = 1, processes: int = 2) -> list[dict]:
    """Prove each problem not already in `path`, appending its row as it finishes; returns the
    rows of all `problems` (finished earlier or now), in order. `provenance` (round, model,
    algorithm) is stamped on the steps.

    With `concurrency` > 1, that many searches run at once in threads and share Lean runs
    (:class:`lean_env.batching.BatchingService`, at most `processes` Lean processes at a time);
    each search is the same as alone (same probes, same results), rows come in finishing order
    (:class:`search.lockstep.LockstepPool`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = read_rows(path, fingerprint)
    _drop_partial_line(path)
    todo = [p for p in problems if p.name not in finished]
    prover.prepare([Theorem.from_statement(p.lean_text("by sorry"), name=p.name) for p in todo])  # first pass, shared
    lock, done = threading.Lock(), [0]
    with path.open("a", encoding="utf-8") as sink:
        def search(problem, one: Prover) -> None:
            recorder = RootRecorder(one.policy)
            attempt = _attempt(one.replace(policy=recorder), problem)
            row = {**attempt.to_dict(with_trace=True), "root_state": recorder.root or "", "fingerprint": fingerprint,
                   "steps": [s.to_dict() for s in _steps(attempt, recorder.root, provenance)]}
            with lock:
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                sink.flush()
                finished[problem.name] = row
                done[0] += 1
                on_row(row, done[0], len(todo))

        if concurrency <= 1 or len(todo) <= 1:
            for problem in todo:
                search(problem, prover)
        else:
            LockstepPool(prover, concurrency, processes).run(todo, search)
    return [finished[p.name] for p in problems]


def row_steps(rows: list[dict]) -> list[Step]:
    """The proof-path steps of the proved rows, in row order."""
    return [Step.from_dict(s) for row in rows for s in row.get("steps", [])]


def _attempt(prover: Prover, problem) -> ProofAttempt:
    try:
        return prover.prove(Theorem.from_statement(problem.lean_text("by sorry"), name=problem.name))
    except Exception as exc:  # one problem's failure must not end the run
        return ProofAttempt(problem.name, "error", detail=f"{type(exc).__name__}: {exc}")


def _steps(attempt: ProofAttempt, root: str | None, provenance: dict) -> list[Step]:
    if attempt.status != "proved" or attempt.from_cache or not root:
        return []
    try:
        steps = steps_from_trace(attempt.trace, root, attempt.name, provenance.get("round", 0),
                                 provenance.get("model", ""), provenance.get("algorithm", ""))
    except DataError:
        return []
    return steps if [s.tactic for s in steps] == list(attempt.tactics) else []


def _drop_partial_line(path: Path) -> None:
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
