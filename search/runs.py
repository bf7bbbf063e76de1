"""Resumable runs over many problems: one JSON line per finished problem, appended as each
ends, so that a killed run continues with the problems it had not finished (`prover bench`,
expert iteration's searches and evaluations).

    run = ResumableRun(out / "results.jsonl", fingerprint)
    todo = run.pending(problems)                      # problems with no finished row yet
    run.prove(prover, todo, make_row, on_row)         # any Prover: a search, decomposition or a pool
    rows = run.rows(problems)                         # every finished row, in the problems' order

Every row carries the run's `fingerprint`; a log holding rows of another configuration is
refused (:class:`RunStateError`), and a last line cut short by a kill is dropped (its problem
is redone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from lean_prover.search.attempt import ProofAttempt, Prover
from lean_prover.search.whole_proof import WholeProofEngine, WholeTask

if TYPE_CHECKING:
    from lean_prover.prover.suite import Problem

RowMaker = Callable[["Problem", ProofAttempt], dict]
OnRow = Callable[[dict, int, int], None]  # (row, rows finished in this session, problems to do)


class RunStateError(RuntimeError):
    """A run log that holds results of another configuration, or unreadable rows; one line."""


def read_resumable_rows(path: Path, fingerprint: str) -> dict[str, dict]:
    """Finished rows of a resumable JSONL log, by problem name. A last line cut short by an
    interruption is ignored (that problem is redone); any other bad line, or a row of another
    configuration (`fingerprint`), raises :class:`RunStateError` with a one-line message."""
    if not path.exists():
        return {}
    rows: dict[str, dict] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if number == len(lines):
                continue
            raise RunStateError(f"{path}:{number}: not valid JSON") from None
        if row.get("fingerprint") != fingerprint:
            raise RunStateError(f"{path} holds results of another configuration; use another --out folder")
        rows[row["name"]] = row
    return rows


class ResumableRun:
    """One resumable JSONL log (module docstring)."""

    def __init__(self, path: Path, fingerprint: str):
        self.path, self.fingerprint = path, fingerprint
        self.finished = read_resumable_rows(path, fingerprint)
        self.resumed = len(self.finished)  # rows found when the run was opened

    def pending(self, problems: Sequence["Problem"]) -> list["Problem"]:
        """The problems with no finished row."""
        return [p for p in problems if p.name not in self.finished]

    def prove(self, prover: Prover, problems: Sequence["Problem"], make_row: RowMaker,
              on_row: OnRow = lambda _r, _i, _n: None) -> None:
        """Prove `problems` with `prover.prove_all` (a whole-proof engine also shows the model each
        problem's informal docstring), appending `make_row(problem, attempt)` (with the
        fingerprint) as each attempt ends; `on_row(row, done, total)` after each."""
        if not problems:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _drop_partial_line(self.path)
        by_name = {p.name: p for p in problems}
        done = [0]
        with self.path.open("a", encoding="utf-8") as sink:
            def record(attempt: ProofAttempt) -> None:
                row = {**make_row(by_name[attempt.name], attempt), "fingerprint": self.fingerprint}
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                sink.flush()
                self.finished[attempt.name] = row
                done[0] += 1
                on_row(row, done[0], len(problems))

            if isinstance(prover, WholeProofEngine):
                prover.prove_tasks([WholeTask(p.theorem(), p.informal) for p in problems], record)
            else:
                prover.prove_all([p.theorem() for p in problems], record)

    def rows(self, problems: Sequence["Problem"]) -> list[dict]:
        """The finished rows of `problems`, in their order."""
        return [self.finished[p.name] for p in problems if p.name in self.finished]


def _drop_partial_line(path: Path) -> None:
    """Cut a last line left unfinished by an interrupted writer, so that appending starts clean."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
