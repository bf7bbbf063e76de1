"""The shipped `core` suite: well-formed, split, and every statement elaborates and is true in Lean."""

from __future__ import annotations

from collections import Counter

from lean_prover.lean_env.verify import check_file
from lean_prover.prover.suite import load_suite


def test_core_suite_shape():
    problems = load_suite("core")
    assert len(problems) >= 300
    splits = Counter(p.split for p in problems)
    assert splits["dev"] >= 100 and splits["test"] >= 150
    assert all(p.origin and p.topic and p.difficulty in (1, 2, 3) and p.reference_proof for p in problems)
    assert len({p.statement for p in problems}) == len(problems)


def test_every_core_statement_checks_with_its_reference_proof(toolchain, tmp_path):
    problems = load_suite("core")
    path = tmp_path / "Core.lean"
    path.write_text("\n".join(p.lean_text(p.reference_proof) for p in problems), encoding="utf-8")
    result = check_file(toolchain, path)
    not_proved = [(d.name, d.status, [m["text"][:80] for m in d.messages]) for d in result.declarations
                  if d.status != "proved"]
    assert not not_proved
    assert result.status == "proved" and len(result.declarations) == len(problems)
