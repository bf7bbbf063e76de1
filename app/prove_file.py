"""`prover prove FILE`: fill every theorem-level `sorry` of a Lean file, write the result, re-check it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.source import Declaration, find_declarations
from lean_prover.lean_env.verify import CheckOptions, FileResult, check_file, read_lean_source
from lean_prover.search.attempt import OnAttempt, ProofAttempt, Prover


@dataclass
class FileProof:
    """Attempts for each `sorry` theorem of a file, the written file and its final re-check."""

    source: str
    output: str
    attempts: list[ProofAttempt] = field(default_factory=list)
    final_check: FileResult | None = None

    @property
    def ok(self) -> bool:
        """True when every attempt succeeded and the written file re-checks as fully proved."""
        return all(a.status == "proved" for a in self.attempts) and self.final_check is not None \
            and self.final_check.ok


def sorry_theorems(source: str) -> list[Declaration]:
    """Theorems (and lemmas) whose proof contains `sorry`."""
    return [d for d in find_declarations(source)
            if d.is_proof and d.name and any(t.text == "sorry" for t in d.body_tokens())]


def replace_proof(source: str, declaration: Declaration, proof: str) -> str:
    """`source` with the proof of `declaration` (the text after its top-level `:=`) replaced.
    Everything else is kept byte for byte: the statement as written (spacing, `«names»`,
    comments), the rest of the file, and its line endings (the proof's lines get the file's)."""
    if declaration.body_start is None or not source.startswith(":=", declaration.assign_start or 0):
        raise ValueError(f"{declaration.name}: no `:=` found")
    if "\r\n" in source:
        proof = proof.replace("\r\n", "\n").replace("\n", "\r\n")
    return source[:declaration.body_start] + " " + proof + source[declaration.end:]


def prove_file(prover: Prover, path: Path, output: Path, on_attempt: OnAttempt = lambda _a: None,
               on_theorems: Callable[[list[str]], None] = lambda _n: None,
               check: CheckOptions | None = None) -> FileProof:
    """Prove the `sorry` theorems of `path`, write the file to `output` and re-check it whole
    (with `check`, by default the prover's Lean timeout). `on_theorems` is told the names of
    the theorems to prove before the first search starts.

    With one prover (a search, decomposition: `prover.independent` False) the theorems are
    proved in order and each proof joins the context of the next. With a pool (lockstep, worker
    processes, Ray) they are proved independently and in parallel, each in the original file's
    context, so the result does not depend on the number of workers. A search, decomposition or
    lockstep pool runs the first pass (one-shot automation, :mod:`search.portfolio`) of all the
    theorems together first; worker and Ray pools run it per theorem in their workers."""
    source = read_lean_source(path)
    report = FileProof(str(path), str(output))
    names = [d.name for d in sorry_theorems(source)]
    on_theorems(names)
    theorems = [Theorem.from_source(source, name, str(path)) for name in names]
    if prover.independent:
        report.attempts = prover.prove_all(theorems, on_attempt)
    else:  # in order, each proof joining the next one's context; the first pass of all of them at once
        prover.prepare(theorems)
    current = source
    for index, name in enumerate(names):
        if index >= len(report.attempts):
            with tempfile.TemporaryDirectory(prefix="prover-prove-") as tmp:
                snapshot = Path(tmp) / path.name
                snapshot.write_text(current, encoding="utf-8")
                attempt = prover.prove(Theorem.from_file(snapshot, name))
            report.attempts.append(attempt)
            on_attempt(attempt)
        attempt = report.attempts[index]
        if attempt.status == "proved":
            target = next(d for d in find_declarations(current) if d.name == name)
            current = replace_proof(current, target, attempt.proof)
    output.write_bytes(current.encode("utf-8"))
    # The original file is the problem: statements kept, nothing added (the prover copies the
    # statements byte for byte, so the token comparison suffices and Lean compiles only the result).
    options = replace(check or CheckOptions(timeout_s=prover.tactic_timeout_s), problem=source,
                      compare_elaborated=False)
    report.final_check = check_file(prover.toolchain, output, options)
    return report
