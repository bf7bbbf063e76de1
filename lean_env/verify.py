"""Whole-file verification: is every theorem of a Lean file fully proved?

A theorem is *proved* only when its file elaborates with no error inside it, Lean reports
no `sorry` for it, and the axioms it depends on are within `propext`, `Classical.choice`
and `Quot.sound`. With native Lean the axioms come from `#print axioms`; the embedded build
refuses that command, and the source audit of :mod:`lean_env.audit` stands in for it.
"""

from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from lean_prover.lean_env.audit import STANDARD_AXIOMS, Finding, source_axioms, unsound_findings, untrusted_findings
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import run_lean_file
from lean_prover.lean_env.source import Declaration, find_declarations
from lean_prover.lean_env.toolchain import Toolchain

_AXIOMS_RE = re.compile(r"^'(?P<name>[^']+)' depends on axioms: \[(?P<axioms>[^\]]*)\]", re.S)
_NO_AXIOMS_RE = re.compile(r"^'(?P<name>[^']+)' does not depend on any axioms")
_REFUSED = "cannot use `#print axioms`"


@dataclass
class DeclarationResult:
    """Verdict on one declaration.

    status: proved | error | sorry | axioms (uses non-standard axioms) | axiom (declares one) | ok (a
    definition that elaborated).
    """

    name: str
    keyword: str
    line: int
    status: str
    messages: list[dict] = field(default_factory=list)
    axioms: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    """Verdict on one file. status: proved | failed | rejected | timeout | oom | stack_overflow | crash | killed | bad_input."""

    path: str
    status: str
    detail: str = ""
    declarations: list[DeclarationResult] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)  # messages outside any declaration
    axiom_check: str = ""  # "kernel" (#print axioms) | "source" (audit) | ""
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the file checked and every theorem in it is fully proved."""
        return self.status == "proved"

    def theorem_proved(self, name: str) -> bool:
        """True when the file has a declaration with short name `name` (the last dotted part) and
        every such declaration is proved with standard axioms only."""
        short = name.rsplit(".", 1)[-1]
        mine = [d for d in self.declarations if d.name.rsplit(".", 1)[-1] == short]
        return bool(mine) and all(d.status == "proved" for d in mine)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self) | {"ok": self.ok}


@dataclass(frozen=True)
class CheckOptions:
    """How to check: per-file wall-clock limit, memory limit, and whether the file is untrusted."""

    timeout_s: float = 600.0
    memory_limit_bytes: int | None = None
    untrusted: bool = False


def read_lean_source(path: Path) -> str:
    """Read a Lean file, raising `ValueError` with a one-line reason when it cannot be used."""
    if not path.exists():
        raise ValueError("no such file")
    if path.is_dir():
        raise ValueError("is a directory, not a Lean file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"not UTF-8 text (invalid byte at line {line})") from exc
    if not text.strip():
        raise ValueError("empty file")
    return text


def check_file(toolchain: Toolchain, path: Path, options: CheckOptions = CheckOptions()) -> FileResult:
    """Check one file; faults and bad input come back as a `FileResult`, never as exceptions."""
    shown = str(path)
    try:
        source = read_lean_source(path)
    except ValueError as exc:
        return FileResult(shown, "bad_input", str(exc))
    if options.untrusted:
        findings = untrusted_findings(source)
        if findings:
            return FileResult(shown, "rejected", "untrusted file runs code while checking: " + _describe(findings))
    declarations = find_declarations(source)
    with tempfile.TemporaryDirectory(prefix="prover-check-") as tmp:
        probe = Path(tmp) / path.name
        probe.write_text(source + _axiom_queries(declarations), encoding="utf-8")
        run = run_lean_file(toolchain, probe, options.timeout_s, options.memory_limit_bytes)
    if run.fault is not None:
        return FileResult(shown, run.fault, run.fault_detail, elapsed_s=run.elapsed_s)
    source_lines = source.count("\n") + 1
    own = [m for m in run.messages if m.line <= source_lines]
    kernel_axioms, refused = _axiom_answers([m for m in run.messages if m.line > source_lines])
    audited = source_axioms(declarations)
    kernel = bool(kernel_axioms) and not refused
    result = FileResult(shown, "proved", axiom_check="kernel" if kernel else "source", elapsed_s=run.elapsed_s)
    claimed: set[int] = set()
    for decl in declarations:
        inside = [i for i, m in enumerate(own) if decl.start_line <= m.line <= decl.end_line]
        claimed.update(inside)
        key = decl.name or f"<{decl.keyword} at line {decl.start_line}>"
        axioms = kernel_axioms[decl.name] if kernel and decl.name in kernel_axioms else audited.get(key, set())
        result.declarations.append(_judge(decl, [own[i] for i in inside], axioms))
    result.messages = [m.to_dict() for i, m in enumerate(own) if i not in claimed]
    unsound = unsound_findings(source)
    if unsound:
        result.status, result.detail = "failed", "the file switches checking off: " + _describe(unsound)
    elif any(m["severity"] == "error" for m in result.messages) or any(
        d.status not in ("proved", "ok") for d in result.declarations
    ):
        result.status = "failed"
        result.detail = _summary(result)
    return result


def check_files(
    toolchain: Toolchain,
    paths: list[Path],
    options: CheckOptions = CheckOptions(),
    workers: int | None = None,
    on_result: Callable[[FileResult], None] = lambda _r: None,
) -> list[FileResult]:
    """Check several files in parallel Lean processes; results come back in input order."""
    workers = workers or default_workers(toolchain)
    results: list[FileResult | None] = [None] * len(paths)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(paths)))) as pool:
        futures = {pool.submit(check_file, toolchain, p, options): i for i, p in enumerate(paths)}
        for future in futures:
            index = futures[future]
            try:
                results[index] = future.result()
            except Exception as exc:  # a bug here must not lose the other files' results
                results[index] = FileResult(str(paths[index]), "crash", f"internal error: {exc}")
            on_result(results[index])
    return [r for r in results if r is not None]


def default_workers(toolchain: Toolchain) -> int:
    """Parallel Lean processes this machine affords: bounded by cores and available memory."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        with open("/proc/meminfo") as handle:
            info = dict(line.split(":", 1) for line in handle)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = toolchain.memory_per_process * cores
    return max(1, min(cores, available // toolchain.memory_per_process))


def _axiom_queries(declarations: list[Declaration]) -> str:
    names = [d.name for d in declarations if d.name and d.keyword in ("theorem", "lemma", "def", "abbrev", "instance")]
    return "".join(f"\n#print axioms {name}" for name in names) + ("\n" if names else "")


def _axiom_answers(messages: list[LeanMessage]) -> tuple[dict[str, set[str]], bool]:
    answers: dict[str, set[str]] = {}
    refused = False
    for message in messages:
        text = message.text.strip()
        if _REFUSED in text:
            refused = True
        elif match := _AXIOMS_RE.match(text):
            answers[match["name"]] = {a.strip() for a in match["axioms"].split(",") if a.strip()}
        elif match := _NO_AXIOMS_RE.match(text):
            answers[match["name"]] = set()
    return answers, refused


def _judge(decl: Declaration, messages: list[LeanMessage], axioms: set[str]) -> DeclarationResult:
    extra = sorted(axioms - STANDARD_AXIOMS)
    if any(m.is_error for m in messages):
        status = "error"
    elif any(m.is_sorry_warning for m in messages) or "sorryAx" in extra:
        status = "sorry"
    elif decl.keyword == "axiom":
        status = "axiom"
    elif extra:
        status = "axioms"
    else:
        status = "proved" if decl.is_proof else "ok"
    return DeclarationResult(
        decl.name or f"<{decl.keyword}>", decl.keyword, decl.start_line, status,
        [m.to_dict() for m in messages], sorted(axioms),
    )


def _describe(findings: list[Finding]) -> str:
    return ", ".join(f"{f.construct} at {f.location()}" for f in findings[:5]) + (" …" if len(findings) > 5 else "")


def _summary(result: FileResult) -> str:
    counts: dict[str, int] = {}
    for decl in result.declarations:
        counts[decl.status] = counts.get(decl.status, 0) + 1
    loose = sum(1 for m in result.messages if m["severity"] == "error")
    parts = [f"{n} {s}" for s, n in sorted(counts.items())]
    if loose:
        parts.append(f"{loose} error(s) outside declarations")
    return ", ".join(parts)
