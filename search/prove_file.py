"""`prover prove FILE`: fill every theorem-level `sorry` of a Lean file, write the result, re-check it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.source import Declaration, find_declarations, split_statement
from lean_prover.lean_env.verify import CheckOptions, FileResult, check_file, read_lean_source
from lean_prover.search.prove import ProofAttempt, Prover, prepare_first_pass


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
            if d.is_proof and d.name and "sorry" in d.identifiers()]


def replace_proof(source: str, declaration: Declaration, proof: str) -> str:
    """`source` with the proof of `declaration` (the text after its top-level `:=`) replaced."""
    lines = source.split("\n")
    text = "\n".join(lines[declaration.start_line - 1: declaration.end_line])
    header = split_statement(text)
    if header is None:
        raise ValueError(f"{declaration.name}: no `:=` found")
    new_text = f"{header} := {proof}"
    return "\n".join(lines[: declaration.start_line - 1] + new_text.split("\n") + lines[declaration.end_line:])


def prove_file(prover: Prover, path: Path, output: Path,
               on_attempt: Callable[[ProofAttempt], None] = lambda _a: None) -> FileProof:
    """Prove the `sorry` theorems of `path`, write the file to `output` and re-check it whole.

    With a prover (`Prover`, `Decomposer`) the theorems are proved in order and each proof joins
    the context of the next. With a pool (anything with `prove_all`: `search.workers.WorkerPool`,
    `search.ray_backend.RayPool`, `search.lockstep.LockstepPool`) they are proved independently and in parallel, each in the
    original file's context, so the result does not depend on the number of workers."""
    source = read_lean_source(path)
    report = FileProof(str(path), str(output))
    names = [d.name for d in sorry_theorems(source)]
    theorems = [Theorem.from_source(source, name, str(path)) for name in names]
    if hasattr(prover, "prove_all"):
        report.attempts = prover.prove_all(theorems, on_attempt)
    else:
        prepare_first_pass(prover, theorems)  # one-shot automation for all of them in one Lean run
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
    output.write_text(current, encoding="utf-8")
    report.final_check = check_file(prover.toolchain, output, CheckOptions(timeout_s=prover.tactic_timeout_s))
    return report
