"""Whole-file verification: a verdict for every declaration, backed by Lean's own report.

A declaration is `proved` only when, in this check,

1. the file compiled (`lean -o`) with no error and no `sorry` inside the declaration;
2. Lean, in a second, separate process that imports the compiled module
   (:mod:`lean_env.evidence`), reported with this run's nonce that a constant of that name exists,
   gave its statement, re-checked it and every constant of the file it depends on through the
   kernel, and listed its axioms, and these are only `propext`, `Classical.choice`, `Quot.sound`
   (on the embedded Lean: or library theorems, which its library stores without proofs);
3. the legality checker (:mod:`lean_env.legality`) found nothing, and — when a problem file is
   given — the statement Lean elaborated is the problem's, constant for constant.

Missing evidence is `unverified`, never `proved`: a file that stops early (`#exit`, a crash,
`IO.Process.exit`, lost output) simply has no evidence for what it did not declare. `example`s
and anonymous instances are renamed for the check so that they get evidence too.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Literal

from lean_prover.lean_env.evidence import (
    MODULE_NAME, NONSTANDARD_LIBRARY_AXIOMS, STANDARD_AXIOMS, ConstantEvidence, EvidenceDialect, ModuleEvidence,
    evidence_program, new_nonce, parse_evidence, user_name,
)
from lean_prover.lean_env.legality import Finding, LegalityReport, check_legality, code_execution_constructs
from lean_prover.lean_env.lexer import code_tokens
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import LeanRun, run_lean_file
from lean_prover.lean_env.releases import has_kernel_environment, is_module_file, module_options
from lean_prover.lean_env.source import Declaration, find_declarations, split_commands
from lean_prover.lean_env.toolchain import Toolchain

DeclarationStatus = Literal["proved", "ok", "error", "sorry", "axioms", "axiom", "unverified", "changed", "illegal"]
FileStatus = Literal["proved", "failed", "rejected", "timeout", "oom", "stack_overflow", "crash", "killed", "bad_input"]
FAULTS: tuple[FileStatus, ...] = ("timeout", "oom", "stack_overflow", "crash", "killed")
AxiomCheck = Literal["kernel", "library_boundary", "none"]
DEFAULT_CHECK_TIMEOUT_S = 600.0
# names given to examples and anonymous instances: with a random tag drawn once per process, so
# that no declaration of a file can take the name first (a name taken while the file runs makes
# the renamed declaration fail), and so that a problem file and its candidates name them alike
# (an instance's name appears in the statements Lean elaborates, which `--against` compares)
_RENAMED_EXAMPLE = "_verify_example_{tag}_{index}"
_RENAMED_INSTANCE = "_verify_instance_{tag}_{index}"
_RENAME_TAG = secrets.token_hex(4)


@dataclass
class DeclarationResult:
    """Verdict on one declaration (see `DeclarationStatus`); `detail` says why when it is not
    `proved`/`ok`; `axioms` are the non-standard axioms it reaches; `statement` is its type as
    Lean elaborated it (fully explicit), when Lean reported on it."""

    name: str
    keyword: str
    line: int
    status: DeclarationStatus
    messages: list[LeanMessage] = field(default_factory=list)
    axioms: list[str] = field(default_factory=list)
    detail: str = ""
    statement: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class FileResult:
    """Verdict on one file (see `FileStatus`), with per-declaration verdicts, messages outside
    any declaration, the legality report, and how the axioms were audited."""

    path: str
    status: FileStatus
    detail: str = ""
    declarations: list[DeclarationResult] = field(default_factory=list)
    messages: list[LeanMessage] = field(default_factory=list)  # messages outside any declaration
    legality: LegalityReport = field(default_factory=LegalityReport)
    axiom_check: AxiomCheck = "none"
    evidence: Literal["complete", "incomplete", "skipped", "none"] = "none"
    elapsed_s: float = 0.0
    lean_runs: int = 0

    @property
    def ok(self) -> bool:
        """True when the file checked and every theorem in it is fully proved."""
        return self.status == "proved"

    def theorem_proved(self, name: str) -> bool:
        """True when the file has a declaration with short name `name` (the last dotted part) and
        every such declaration is proved."""
        short = name.rsplit(".", 1)[-1]
        mine = [d for d in self.declarations if d.name.rsplit(".", 1)[-1] == short]
        return bool(mine) and all(d.status == "proved" for d in mine)

    def errors(self) -> list[LeanMessage]:
        """Every error message, inside declarations or not."""
        return [m for d in self.declarations for m in d.messages if m.is_error] + \
            [m for m in self.messages if m.is_error]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        data = asdict(self)
        data["legality"] = self.legality.to_dict()
        return data | {"ok": self.ok}


@dataclass(frozen=True)
class CheckOptions:
    """How to check: per-file wall-clock limit (each of the two Lean runs), memory limit, whether
    the file is untrusted (code execution rejected before Lean), and a problem file's text for
    `--against` (statements must be the problem's, nothing may be added; with
    `compare_elaborated` the problem is compiled too and each statement Lean elaborated is
    compared constant for constant, which catches a changed meaning behind unchanged tokens).
    `file_syntax`: without a problem file, what a theorem gets that follows a command defining
    syntax, a macro or an elaborator, or running code (which can define them): `unverified`, since
    the text shown need not be what Lean declared (a command macro can declare `b : True` for
    `theorem b : 1 = 2`; `macro_rules` can make `+` mean `*`), or `trusted` for callers whose
    statements come from elsewhere (a suite's problem, `prove`'s input file, which `prove`'s final
    check compares against)."""

    timeout_s: float = DEFAULT_CHECK_TIMEOUT_S
    memory_limit_bytes: int | None = None
    untrusted: bool = False
    problem: str | None = None
    file_syntax: Literal["unverified", "trusted"] = "unverified"
    compare_elaborated: bool = True  # with `problem`: also compare the statements Lean elaborated


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
    try:
        source = read_lean_source(path)
    except ValueError as exc:
        return FileResult(str(path), "bad_input", str(exc))
    return check_source(toolchain, source, options, shown=str(path))


def check_source(toolchain: Toolchain, source: str, options: CheckOptions = CheckOptions(),
                 shown: str = "<source>") -> FileResult:
    """Check Lean source text (see the module docstring)."""
    started = time.monotonic()
    legality = check_legality(source, options.problem, options.untrusted)
    if options.untrusted and legality.findings("no_code_execution"):
        return FileResult(shown, "rejected", "untrusted file runs code while checking: "
                          + _describe(legality.findings("no_code_execution")), legality=legality)
    declarations = find_declarations(source)
    stem = "".join(c if c.isalnum() else "_" for c in Path(shown).stem)[:40]
    with tempfile.TemporaryDirectory(prefix=f"prover-check-{stem}-") as tmp, ThreadPoolExecutor(2) as pool:
        candidate = pool.submit(_compile_and_report, toolchain, source, Path(tmp) / "candidate", options,
                                declarations, doomed=_doomed_by_legality(legality, declarations))
        problem = None
        if options.problem is not None and options.compare_elaborated:  # compiled beside the candidate
            problem = pool.submit(_PROBLEM_REPORTS.get, toolchain, options.problem, Path(tmp) / "problem", options)
        compiled = candidate.result()
        reference, reference_runs = problem.result() if problem is not None else (None, 0)
    run = compiled.run
    elapsed = time.monotonic() - started
    runs = compiled.lean_runs + reference_runs
    if run.fault is not None:
        return FileResult(shown, run.fault, run.fault_detail, legality=legality, elapsed_s=elapsed, lean_runs=runs)
    result = FileResult(shown, "proved", legality=legality, elapsed_s=elapsed, lean_runs=runs,
                        axiom_check="library_boundary" if toolchain.is_embedded else "kernel")
    result.evidence = compiled.evidence_state
    claimed: set[int] = set()
    for decl, renamed in zip(declarations, compiled.names):
        inside = [i for i, m in enumerate(compiled.messages) if decl.start_line <= m.line <= decl.end_line]
        claimed.update(inside)
        verdict = _judge(decl, renamed, [compiled.messages[i] for i in inside], compiled.evidence,
                         library_boundary=toolchain.is_embedded)
        if reference is not None and decl.is_proof and renamed:
            verdict = _compare_statement(verdict, decl, renamed, reference.complete_evidence)
        result.declarations.append(verdict)
    result.messages = [m for i, m in enumerate(compiled.messages) if i not in claimed]
    _distinguish_namesakes(result, compiled.names)
    _apply_legality(result, declarations)
    if options.problem is None and options.file_syntax == "unverified":
        _after_file_syntax(result, declarations, source)
    _hidden_constants(result, compiled, declarations)
    if reference is not None and reference.complete_evidence is None:
        legality.add("statement_unchanged", [Finding("statement_unchanged", 0, 0,
                                                     "Lean gave no report on the problem file")])
    _set_file_status(result)
    return result


@dataclass
class _Compiled:
    run: LeanRun
    messages: list[LeanMessage]
    names: list[str]  # per declaration: the name Lean knows it by (examples/instances renamed)
    evidence: ModuleEvidence | None
    evidence_state: Literal["complete", "incomplete", "skipped", "none"]
    lean_runs: int = 1  # the compile, repair compiles and the report

    @property
    def complete_evidence(self) -> ModuleEvidence | None:
        return self.evidence if self.evidence is not None and self.evidence.complete else None


_REPAIR_ROUNDS = 2


class _ProblemReports:
    """The problem files' reports, by text, for this process: a problem file checked against many
    candidates (`check --against` on many files, the whole-proof reward of a GRPO group) compiles
    once. Only complete reports are kept; concurrent requests for one text share one compile."""

    def __init__(self, size: int = 32):
        self._size = size
        self._lock = threading.Lock()
        self._reports: OrderedDict[tuple, Future] = OrderedDict()

    def get(self, toolchain: Toolchain, problem: str, folder: Path, options: CheckOptions) -> tuple[_Compiled, int]:
        """The problem's report and the Lean runs this call spent on it (0 when it was known)."""
        key = (toolchain.command, toolchain.cwd, problem, options.timeout_s, options.memory_limit_bytes)
        with self._lock:
            known = self._reports.get(key)
            if known is None:
                self._reports[key] = mine = Future()
                while len(self._reports) > self._size:
                    self._reports.popitem(last=False)
            else:
                self._reports.move_to_end(key)
        if known is not None:
            return known.result(), 0
        try:
            compiled = _compile_and_report(toolchain, problem, folder, options, find_declarations(problem),
                                           force_evidence=True)
        except BaseException as exc:
            self._forget(key, mine)
            mine.set_exception(exc)
            raise
        if compiled.complete_evidence is None:
            self._forget(key, mine)
        mine.set_result(compiled)
        return compiled, compiled.lean_runs

    def _forget(self, key: tuple, future: Future) -> None:
        with self._lock:
            if self._reports.get(key) is future:
                del self._reports[key]


def _compile_and_report(toolchain: Toolchain, source: str, folder: Path, options: CheckOptions,
                        declarations: list[Declaration], force_evidence: bool = False,
                        doomed: frozenset[int] = frozenset()) -> _Compiled:
    """Compile the (renamed) source to `folder/VerifyCandidate.olean` (its messages are the
    file's), then run the evidence program in a fresh process with a nonce drawn now.

    Lean writes no `.olean` for a file with errors. Then the failing commands are repaired for
    the report only (a failing proof becomes `sorry`, a failing statement or other command is
    blanked out) and the repaired text is compiled again: its messages are ignored, and the
    report it yields is about the other declarations, byte for byte as written, in an environment
    that differs only by those `sorry`s (which can only add `sorryAx` to what depends on them)."""
    folder.mkdir(parents=True)
    text, names, shifts = _renamed_for_evidence(source, declarations)
    commands = split_commands(source)
    starts_with_module = bool(commands) and commands[0].head == "module"
    module_args = module_options(toolchain.release()) if starts_with_module else ()
    module_file = folder / f"{MODULE_NAME}.lean"
    olean = folder / f"{MODULE_NAME}.olean"

    def compile_text(body: str) -> LeanRun:
        module_file.write_text(body, encoding="utf-8")
        return run_lean_file(toolchain, module_file, options.timeout_s, options.memory_limit_bytes,
                             extra_args=(*module_args, f"--root={folder}", "-o", str(olean)))

    run = compile_text(text)
    messages = [_unshift(m, shifts) for m in run.messages]
    compiled = _Compiled(run, messages, names, None, "none")
    if run.fault is not None:
        return compiled
    if not force_evidence and not _anything_to_prove(declarations, messages, doomed):
        compiled.evidence_state = "skipped"
        return compiled
    last = run
    for round_ in range(_REPAIR_ROUNDS):
        if olean.exists() or last.fault is not None:
            break
        text = _repaired(text, last.messages, last_round=round_ == _REPAIR_ROUNDS - 1)
        last = compile_text(text)
        compiled.lean_runs += 1
    if not olean.exists():
        return compiled
    nonce = new_nonce()
    dialect = EvidenceDialect(is_module_file(toolchain, starts_with_module),
                              has_kernel_environment(toolchain.release()))
    program = folder / "VerifyEvidence.lean"
    program.write_text(evidence_program(nonce, dialect), encoding="utf-8")
    report = run_lean_file(toolchain, program, options.timeout_s, options.memory_limit_bytes, search_path=(folder,),
                           extra_args=module_options(toolchain.release()) if dialect.module_system else ())
    compiled.lean_runs += 1
    evidence = parse_evidence(report.messages, nonce) if report.fault is None else None
    compiled.evidence = evidence
    compiled.evidence_state = "complete" if evidence is not None and evidence.complete else "incomplete"
    return compiled


def _repaired(text: str, messages: list[LeanMessage], last_round: bool = False) -> str:
    """`text` with every command that has an error made harmless: a declaration whose errors all
    lie inside its proof gets the proof `sorry`; anything else (and, in the last round, anything
    still failing) is blanked out (lines kept)."""
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def offset(line: int, column: int) -> int:
        return line_starts[min(line, len(line_starts)) - 1] + column

    errors = [(offset(m.line, m.column), offset(m.end_line, m.end_column)) for m in messages if m.is_error]
    edits: list[tuple[int, int, str]] = []
    declarations = {d.start: d for d in find_declarations(text)}
    for command in split_commands(text):
        hit = sorted(start for start, end in errors if command.start <= end and start < max(command.end, command.start + 1))
        if not hit or command.head in ("namespace", "section", "end", "mutual"):
            continue
        decl = declarations.get(command.start)
        if (not last_round and decl is not None and decl.body_start and text.startswith(":=", decl.assign_start)
                and hit[0] >= decl.body_start and text[decl.body_start:decl.end].strip() != "sorry"):
            edits.append((decl.body_start, decl.end, " sorry"))
        else:
            edits.append((command.start, command.end, _blank(text[command.start:command.end])))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


def _anything_to_prove(declarations: list[Declaration], messages: list[LeanMessage], doomed: frozenset[int]) -> bool:
    """False when every declaration already failed, in the compile run or by a legality rule
    (`doomed`), so that Lean's report could not change any verdict."""
    for index, decl in enumerate(declarations):
        if index in doomed:
            continue
        inside = [m for m in messages if decl.start_line <= m.line <= decl.end_line]
        if not any(m.is_error or m.is_sorry_warning for m in inside):
            return True
    return False


def _renamed_for_evidence(source: str, declarations: list[Declaration]) -> tuple[str, list[str], list[tuple[int, int, int]]]:
    """The source with each `example` written as a named `noncomputable def` and each anonymous
    instance named, so Lean's environment has them; the name of every declaration as Lean knows
    it; and the column shifts `(line, column, delta)` that map messages back."""
    pieces, shifts = [], []
    cursor = examples = instances = 0
    tag = _RENAME_TAG
    for decl in declarations:
        if decl.keyword == "example":
            examples += 1
            modifiers = decl.command.code if decl.command else ()
            noncomputable = any(t.text == "noncomputable" and t.start < decl.keyword_start for t in modifiers)
            at, removed = decl.keyword_start, len("example")
            inserted = ("def " if noncomputable else "noncomputable def ") + _RENAMED_EXAMPLE.format(tag=tag, index=examples)
        elif decl.keyword == "instance" and not decl.name:
            instances += 1
            at, removed, inserted = _instance_name_offset(decl), 0, " " + _RENAMED_INSTANCE.format(tag=tag, index=instances)
        else:
            continue
        pieces.append(source[cursor:at] + inserted)
        cursor = at + removed
        line = source.count("\n", 0, at) + 1
        shifts.append((line, at - (source.rfind("\n", 0, at) + 1), len(inserted) - removed))
    text = "".join(pieces) + source[cursor:]
    renamed = find_declarations(text) if shifts else declarations
    names = [d.name for d in renamed] if len(renamed) == len(declarations) else [d.name for d in declarations]
    return text, names, shifts


def _instance_name_offset(decl: Declaration) -> int:
    """Where an anonymous instance's name goes: after `instance` and its `(priority := …)`."""
    code = decl.command.code if decl.command else ()
    at = next(i for i, t in enumerate(code) if t.start == decl.keyword_start)
    offset = code[at].end
    if at + 1 < len(code) and code[at + 1].text == "(":
        depth = 0
        for token in code[at + 1:]:
            depth += token.text in ("(", "[", "{", "⟨")
            depth -= token.text in (")", "]", "}", "⟩")
            if depth == 0:
                return token.end
    return offset


def _unshift(message: LeanMessage, shifts: list[tuple[int, int, int]]) -> LeanMessage:
    column, end_column = message.column, message.end_column
    for line, at, delta in shifts:
        if message.line == line and column > at:
            column = max(at, column - delta)
        if message.end_line == line and end_column > at:
            end_column = max(at, end_column - delta)
    return replace(message, column=column, end_column=end_column) if (column, end_column) != (
        message.column, message.end_column) else message


def _judge(decl: Declaration, renamed: str, messages: list[LeanMessage], evidence: ModuleEvidence | None,
           library_boundary: bool) -> DeclarationResult:
    shown = decl.name or f"<{decl.keyword}>"
    result = DeclarationResult(shown, decl.keyword, decl.start_line, "unverified", messages)
    if any(m.is_error for m in messages):
        result.status, result.detail = "error", _first_line(next(m for m in messages if m.is_error).text)
        return result
    if any(m.is_sorry_warning for m in messages):
        result.status, result.detail = "sorry", "the declaration uses `sorry`"
        return result
    if decl.keyword == "axiom":
        result.status, result.detail = "axiom", "the file declares an axiom"
        return result
    if evidence is None or not evidence.complete:
        result.detail = "Lean gave no complete report on the compiled file"
        return result
    constant = _constant_for(decl, renamed, evidence)
    if constant is None:
        result.detail = f"Lean's environment has no declaration `{renamed}`"
        return result
    result.statement = constant.type
    closure = evidence.closure(constant)
    bad = sorted({user_name(a.name) for c in closure for a in c.axioms
                  if a.name not in STANDARD_AXIOMS
                  and (a.name in NONSTANDARD_LIBRARY_AXIOMS or not (library_boundary and a.from_library))})
    result.axioms = bad
    if "sorryAx" in bad:
        result.status, result.detail = "sorry", "it depends on `sorryAx`"
    elif bad:
        result.status, result.detail = "axioms", "it depends on non-standard axioms: " + ", ".join(bad)
    elif any(c.kernel == "failed" for c in closure):
        failed = next(c for c in closure if c.kernel == "failed")
        result.detail = f"the kernel re-check of `{failed.user_name}` failed"
    elif any(c.unsafe for c in closure):
        result.status, result.detail = "axioms", "it depends on unsafe code"
    else:
        result.status = "proved" if decl.is_proof else "ok"
    return result


# the kinds of constant each keyword makes: a theorem is vouched for only by a theorem constant
# (never by a constructor, a `quot` constant or a definition that took its name)
_CONSTANT_KINDS: dict[str, frozenset[str]] = {
    "theorem": frozenset({"theorem"}), "lemma": frozenset({"theorem"}), "example": frozenset({"def"}),
    "def": frozenset({"def", "opaque"}), "abbrev": frozenset({"def"}), "instance": frozenset({"def", "theorem"}),
    "structure": frozenset({"inductive"}), "class": frozenset({"inductive"}), "inductive": frozenset({"inductive"}),
    "coinductive": frozenset({"inductive"}), "axiom": frozenset({"axiom"}), "opaque": frozenset({"opaque"}),
}


def _constant_for(decl: Declaration, renamed: str, evidence: ModuleEvidence) -> ConstantEvidence | None:
    wanted = _CONSTANT_KINDS.get(decl.keyword)
    found = [c for c in evidence.find(renamed) if wanted is None or c.kind in wanted]
    return found[0] if len(found) == 1 else None


def _compare_statement(verdict: DeclarationResult, decl: Declaration, renamed: str,
                       reference: ModuleEvidence | None) -> DeclarationResult:
    """Against a problem file: the statement Lean elaborated must be the problem's (a theorem's,
    or an example's: examples are matched in order, under the same renamed names)."""
    if reference is None:
        return verdict
    kinds = _CONSTANT_KINDS.get(decl.keyword, frozenset({"theorem"}))
    wanted = [c for c in reference.find(renamed) if c.kind in kinds]
    if not wanted:
        return verdict  # not a problem theorem (a helper lemma)
    if verdict.statement and verdict.statement != wanted[0].type:
        verdict.status, verdict.detail = "changed", "the statement Lean elaborated differs from the problem's"
    return verdict


def _distinguish_namesakes(result: FileResult, names: list[str]) -> None:
    """Two declarations of the file with one name: Lean kept at most one (the other failed, or
    something hid it), and its report cannot say which, so neither is vouched for."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    for verdict, name in zip(result.declarations, names):
        if name and counts[name] > 1 and verdict.status in ("proved", "ok"):
            verdict.status = "unverified"
            verdict.detail = f"`{name}` is declared more than once in the file; Lean's report cannot tell which it is about"


def _affected(finding: Finding, declarations: list[Declaration]) -> list[int]:
    """The declarations a legality finding condemns: the one it lies in, else every later one;
    an added command (`nothing_added`) condemns itself and every later one (it can change what
    they mean)."""
    if not finding.line:
        return []
    inside = [i for i, d in enumerate(declarations) if d.start_line <= finding.line <= d.end_line]
    later = [i for i, d in enumerate(declarations) if d.start_line > finding.line]
    if finding.rule == "nothing_added":
        return inside + later
    return inside or later


def _doomed_by_legality(legality: LegalityReport, declarations: list[Declaration]) -> frozenset[int]:
    return frozenset(i for f in legality.findings() for i in _affected(f, declarations))


def _apply_legality(result: FileResult, declarations: list[Declaration]) -> None:
    """A legality finding inside a declaration makes it `illegal`; one outside every declaration
    (a top-level option, an added command) makes every later declaration `illegal`."""
    for finding in result.legality.findings():
        for index in _affected(finding, declarations):
            verdict = result.declarations[index]
            if verdict.status in ("proved", "ok", "unverified"):
                verdict.status, verdict.detail = "illegal", f"{finding.rule}: {finding.describe()}"


def _after_file_syntax(result: FileResult, declarations: list[Declaration], source: str) -> None:
    """Theorems after the first command that defines syntax or runs code become `unverified`
    (see `CheckOptions.file_syntax`): Lean's report shows the statement it elaborated, not that
    the statement shown is it."""
    constructs = code_execution_constructs(code_tokens(source))
    if not constructs:
        return
    first, construct = constructs[0]
    for decl, verdict in zip(declarations, result.declarations):
        if decl.is_proof and decl.start >= first.start and verdict.status == "proved":
            verdict.status = "unverified"
            verdict.detail = (f"follows `{construct}` at line {first.line}, which can change what a statement "
                              "means: check it --against a problem file")


def vouches_for(result: FileResult, name: str) -> bool:
    """True when `result` proves the theorem `name` with nothing in the file casting doubt on it:
    the theorem is proved, and no error or `sorry` stands outside the declarations."""
    return result.theorem_proved(name) and not any(m.is_error or m.is_sorry_warning for m in result.messages)


def _hidden_constants(result: FileResult, compiled: _Compiled, declarations: list[Declaration]) -> None:
    """Axioms and unsafe constants in Lean's environment that the source does not show (made by a
    macro, a custom elaborator, …) break the legality rules even when no theorem uses them."""
    if compiled.evidence is None:
        return
    shown = {name for name in compiled.names}
    hidden = [c for c in compiled.evidence.constants.values()
              if c.kind in ("axiom", "opaque") and c.user_name not in shown]
    if hidden:
        result.legality.add("no_axioms", [Finding("no_axioms", 0, 0, f"Lean's environment has {c.kind} "
                                                  f"`{c.user_name}`, which the source does not declare")
                                          for c in hidden])


def _set_file_status(result: FileResult) -> None:
    problems: list[str] = []
    if not result.legality.ok:
        problems.append("illegal: " + result.legality.describe())
    counts: dict[str, int] = {}
    for decl in result.declarations:
        if decl.status not in ("proved", "ok"):
            counts[decl.status] = counts.get(decl.status, 0) + 1
    problems += [f"{n} {status}" for status, n in sorted(counts.items())]
    loose = [m for m in result.messages if m.is_error or m.is_sorry_warning]
    if loose:
        problems.append(f"{len(loose)} error(s) outside declarations (first at {loose[0].location()}: "
                        f"{_first_line(loose[0].text)})")
    if not result.declarations:
        problems.append("no declarations")
    if problems:
        result.status, result.detail = "failed", "; ".join(problems)


_PROBLEM_REPORTS = _ProblemReports()


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


def _describe(findings: list[Finding]) -> str:
    return ", ".join(f.describe() for f in findings[:5]) + (" …" if len(findings) > 5 else "")


def _first_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[0] + (" …" if len(lines) > 1 else "")) if lines else ""
