"""Theorem suites: the project's own `core` suite and loaders for the public benchmark layouts.

A suite is a list of :class:`Problem`s. `core` ships with the package (`prover/suites/core.jsonl`,
core Lean 4 only, fixed `dev`/`test` splits). :func:`load_suite` recognises, from a path:

| layout | recognised by | split | context of a problem |
| --- | --- | --- | --- |
| core JSONL | `.jsonl` rows with `statement` | `dev` / `test` | `header` |
| DeepSeek-Prover / Goedel-Prover / ProofNet JSONL | `.jsonl` rows with `formal_statement` | the row's `split` as published (`valid`, `test`; none: `""`) | `header`, or the text before the theorem in `formal_statement` (Goedel puts the header there); `informal_prefix` is the docstring |
| Lean folder: miniF2F-lean4 (`MiniF2F/Test/*.lean`, `MiniF2F/Valid/*.lean`), ProofNet-lean4 (`formal/*.lean`), PutnamBench (`lean4/src/*.lean`), any folder of `.lean` files | a folder | from the folder or file name: `test`, `valid` (`Valid`, `Validation`), `dev`, `train`; none: `""` | everything before the theorem in its file except other problems: imports, `open`s, sections, namespaces, variables and definitions stay; earlier `sorry` theorems (other problems) and `instance … := sorry` problems are left out |
| LeanDojo Benchmark 4 | a `.json` split file, a strategy folder (`random/`) holding `train/val/test.json`, or the benchmark folder | the file's name (`train`, `val`, `test`) | the traced file's text before the theorem (needs `repo`: a checkout of the traced repository at its commit) |

In a Lean file a problem is a `theorem`/`lemma` whose proof is `sorry` (`:= sorry`, `:= by
sorry`, on any lines). Commands, statements and proofs are read by the project's Lean lexer
(`lean_env.source.split_commands` / `find_declarations`), so ProofNet's and PutnamBench's
column-0 binders (`(x : ℝ)`), `: …` lines and `sorry` belong to the declaration they continue,
and a statement is kept exactly as published. A `/-- … -/` docstring before the theorem is the
problem's `informal` text. PutnamBench's answer definitions (`abbrev putnam_…_solution : T :=
sorry` followed by the published answer as a `-- …` comment) get the published answer as their
value (`fill_answers`, on by default, as PutnamBench's `rewrite_solutions.py` does for proving
with the answer given).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from lean_prover.lean_env.lexer import tokenize
from lean_prover.lean_env.source import Declaration, find_declarations, split_commands
from lean_prover.lean_env.theorem import Theorem

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SPLITS = ("dev", "test")  # the core format's splits
_REQUIRED = ("name", "statement", "split")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_'.]*$")
_SPLIT_WORDS = {"test": "test", "valid": "valid", "validation": "valid", "val": "val", "dev": "dev",
                "train": "train"}
_LEANDOJO_SPLITS = ("train", "val", "test")
_LEANDOJO_STRATEGIES = ("random", "novel_premises")


class SuiteError(ValueError):
    """A suite file or folder that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Problem:
    """One theorem to prove: `statement` is the declaration header without `:=` and proof;
    `header` the Lean text it needs before it (imports, opens, definitions); `informal` its
    docstring (`/-- … -/`, shown to whole-proof models, not part of the checked file)."""

    name: str
    statement: str
    split: str
    header: str = ""  # imports / opens / definitions the statement needs (empty for core)
    topic: str = ""
    difficulty: int = 0
    origin: str = ""
    reference_proof: str = ""  # known proof (checks the statement is true); never used for training
    informal: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)

    def lean_text(self, proof: str) -> str:
        """The problem as a Lean file with the given proof (text after `:=`)."""
        head = f"{self.header.rstrip()}\n\n" if self.header.strip() else ""
        return f"{head}{self.statement} := {proof}\n"

    def theorem(self) -> Theorem:
        """The problem as a theorem to prove: its statement in its header's context."""
        return Theorem(self.name, self.statement, self.header.rstrip())

    def listing(self) -> dict:
        """What `prover bench --list` shows: name, split, context size, origin."""
        return {"name": self.name, "split": self.split or "-", "context_lines": len(self.header.splitlines()),
                "context_chars": len(self.header), "origin": self.origin}


def load_suite(name_or_path: str, split: str | None = None, limit: int | None = None,
               repo: str | Path | None = None) -> list[Problem]:
    """Load a suite by name (`core`) or from a path in one of the module's layouts, optionally one
    split (`all` or None: every problem). `repo` is the traced repository of a LeanDojo benchmark."""
    path = SUITES_DIR / f"{name_or_path}.jsonl" if not Path(name_or_path).exists() else Path(name_or_path)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.jsonl"))) or "none"
        raise SuiteError(f"no suite named {name_or_path!r} (shipped suites: {known}; or give a path)")
    if leandojo_split_files(path):
        if repo is None:
            raise SuiteError(f"{path}: a LeanDojo benchmark needs the traced repository (give --repo DIR)")
        problems = [p for file in leandojo_split_files(path) for p in load_leandojo(file, Path(repo))]
    elif path.is_dir():
        problems = load_lean_folder(path)
    else:
        problems = load_jsonl(path)
    if split not in (None, "all"):
        found = sorted({p.split for p in problems})
        problems = [p for p in problems if p.split == split]
        if not problems:
            shown = ", ".join(s or '"" (none)' for s in found)
            raise SuiteError(f"{name_or_path}: no problems in split {split!r} (splits here: {shown}; or use all)")
    return problems[:limit] if limit is not None else problems


# -- JSONL --------------------------------------------------------------------------------------

def load_jsonl(path: Path) -> list[Problem]:
    """A JSONL suite: the core format (`statement`) or the DeepSeek/Goedel/ProofNet format
    (`formal_statement`), told apart by the first row; `SuiteError` names a bad line."""
    rows = _jsonl_rows(path)
    if not rows:
        raise SuiteError(f"{path}: no problems in the file")
    if "formal_statement" in rows[0][1]:
        return _load_formal_rows(path, rows)
    return _load_core_rows(path, rows)


def _jsonl_rows(path: Path) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read ({exc})") from None
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError as exc:
            raise SuiteError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(entry, dict):
            raise SuiteError(f"{path}:{number}: expected a JSON object")
        rows.append((number, entry))
    return rows


def _load_core_rows(path: Path, rows: list[tuple[int, dict]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, entry in rows:
        missing = [key for key in _REQUIRED if not isinstance(entry.get(key), str) or not entry[key].strip()]
        if missing:
            raise SuiteError(f"{path}:{number}: missing or empty field(s): {', '.join(missing)}")
        name, statement = entry["name"], entry["statement"].strip()
        if not _NAME_RE.match(name):
            raise SuiteError(f"{path}:{number}: bad theorem name {name!r}")
        if name in seen:
            raise SuiteError(f"{path}:{number}: duplicate theorem name {name!r}")
        if not re.match(rf"^theorem\s+{re.escape(name)}(\s|$)", statement):
            raise SuiteError(f"{path}:{number}: statement must start with `theorem {name}`")
        if entry["split"] not in SPLITS:
            raise SuiteError(f"{path}:{number}: split must be dev or test, not {entry['split']!r}")
        seen.add(name)
        problems.append(Problem(
            name=name, statement=statement, split=entry["split"], header=entry.get("header", ""),
            topic=entry.get("topic", ""), difficulty=int(entry.get("difficulty", 0) or 0),
            origin=entry.get("origin", ""), reference_proof=entry.get("proof", ""),
        ))
    return problems


def _load_formal_rows(path: Path, rows: list[tuple[int, dict]]) -> list[Problem]:
    """DeepSeek-Prover (`header` + `informal_prefix` + `formal_statement` ending `:= by\\n`), Goedel-Prover
    (the header and docstring inside `formal_statement`) and ProofNet-lean4 (`:= sorry`, no split)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, entry in rows:
        name, formal = entry.get("name"), entry.get("formal_statement")
        if not isinstance(name, str) or not isinstance(formal, str) or not formal.strip():
            raise SuiteError(f"{path}:{number}: needs `name` and `formal_statement`")
        if name in seen:
            raise SuiteError(f"{path}:{number}: duplicate problem name {name!r}")
        declaration = next((d for d in find_declarations(formal) if d.keyword in ("theorem", "lemma")), None)
        if declaration is None:
            raise SuiteError(f"{path}:{number}: no `theorem` in formal_statement")
        if not _has_proof(formal, declaration):
            raise SuiteError(f"{path}:{number}: formal_statement has no `:=`")
        statement, doc = _statement_and_doc(formal, declaration)
        context = formal[:declaration.start]
        header = entry.get("header")
        if isinstance(header, str) and header.strip():
            context = header if not context.strip() else f"{header.rstrip()}\n\n{context}"
        informal = doc or entry.get("informal_prefix") or ""
        seen.add(name)
        problems.append(Problem(
            name=name, statement=statement, split=str(entry.get("split") or ""), header=context.strip("\n"),
            informal=informal,
            origin=f"{path.name}:{number}"))
    return problems


# -- Lean folders -------------------------------------------------------------------------------

NEWLINE = "\n"
_PROBLEM_KEYWORDS = ("theorem", "lemma", "instance")  # with a `sorry` proof: a problem (instances: not a theorem)


def load_lean_folder(folder: Path, fill_answers: bool = True) -> list[Problem]:
    """Problems from the `sorry` theorems of a folder of Lean files (module docstring). When a
    theorem name occurs in several files (ProofNet's `exercise_1_2`), every problem of the folder
    is renamed `<file stem>_<name>` in its name and statement, as ProofNet-lean4's own JSONL does."""
    files = sorted(p for p in folder.rglob("*.lean") if ".lake" not in p.parts)
    found: list[tuple[Path, list[Problem]]] = []
    for file in files:
        relative = file.relative_to(folder)
        split = next((_SPLIT_WORDS[part.lower()] for part in reversed([*relative.parent.parts, file.stem])
                      if part.lower() in _SPLIT_WORDS), "")
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SuiteError(f"{file}: cannot read ({exc})") from None
        found.append((file, lean_file_problems(source, split, str(relative), fill_answers)))
    names = [p.name for _, problems in found for p in problems]
    if not names:
        raise SuiteError(f"{folder}: no `sorry` theorems found in its .lean files")
    if len(set(names)) == len(names):
        return [p for _, problems in found for p in problems]
    return [_renamed(p, f"{file.stem.replace('-', '_')}_{p.name}") for file, problems in found for p in problems]


def lean_file_problems(source: str, split: str, origin: str, fill_answers: bool = True) -> list[Problem]:
    """The `sorry` theorems of one Lean file, each with the file's non-problem commands before it as
    its context, one blank line apart (module docstring)."""
    source = source.replace("\r\n", "\n")
    declarations = {d.start: d for d in find_declarations(source)}
    commands = split_commands(source)
    problems: list[Problem] = []
    context: list[str] = []
    for index, command in enumerate(commands):
        declaration = declarations.get(command.start)
        if declaration is not None and declaration.keyword in _PROBLEM_KEYWORDS and _proof_is_sorry(source, declaration):
            if declaration.keyword != "instance" and declaration.name_token is not None:
                statement, informal = _statement_and_doc(source, declaration)
                problems.append(Problem(
                    name=declaration.name_token.value, statement=statement, split=split,
                    header="\n\n".join(context), informal=informal,
                    origin=f"{origin}:{source.count(NEWLINE, 0, declaration.keyword_start) + 1}"))
            continue
        text = source[command.start:command.end]
        if fill_answers and declaration is not None and declaration.keyword == "abbrev":
            following = commands[index + 1].start if index + 1 < len(commands) else len(source)
            text = _fill_answer(source, declaration, following) or text
        if text.strip():
            context.append(text)
    return problems


def _has_proof(source: str, declaration: Declaration) -> bool:
    """True when the declaration has a top-level `:=` (not match alternatives or `where`)."""
    return declaration.assign_start is not None and source.startswith(":=", declaration.assign_start)


def _proof_is_sorry(source: str, declaration: Declaration) -> bool:
    """True when the declaration's proof is `sorry` or `by sorry` (any spacing, comments aside)."""
    words = [t.text for t in declaration.body_tokens()]
    return _has_proof(source, declaration) and "sorry" in words and set(words) <= {"by", "sorry"}


def _statement_and_doc(source: str, declaration: Declaration) -> tuple[str, str]:
    """(the declaration's statement as written, up to its `:=`, with `lemma` written `theorem`;
    its `/-- … -/` docstring with a newline, or "")."""
    code = declaration.command.code
    start = code[0].start
    statement = source[start:declaration.assign_start].rstrip()
    if declaration.keyword == "lemma":
        at = declaration.keyword_start - start
        statement = statement[:at] + "theorem" + statement[at + len("lemma"):]
    doc = next((t.text for t in declaration.command.tokens if t.kind == "doc_comment" and t.start < start), "")
    return statement, (doc + "\n" if doc else "")


def _renamed(problem: Problem, name: str) -> Problem:
    """The problem under another name (its statement's declared name too)."""
    return replace(problem, name=name, statement=Theorem(problem.name, problem.statement).renamed(name))


def _fill_answer(source: str, declaration: Declaration, following: int) -> str | None:
    """`abbrev X_solution : T := sorry` whose next token is a `-- answer` comment →
    `abbrev X_solution : T := answer` (None when the declaration is not such an answer)."""
    if not declaration.name.endswith("_solution") or [t.text for t in declaration.body_tokens()] != ["sorry"] \
            or declaration.body_start is None:
        return None
    after = tokenize(source[declaration.end:following])
    if not after or after[0].kind != "comment" or not after[0].text.startswith("--"):
        return None
    answer = after[0].text[2:].strip()
    return f"{source[declaration.start:declaration.body_start]} {answer}" if answer else None


# -- LeanDojo Benchmark 4 -----------------------------------------------------------------------

def leandojo_split_files(path: Path) -> list[Path]:
    """The split files of a LeanDojo Benchmark 4 path (a split `.json`, a strategy folder holding
    train/val/test.json, or the benchmark folder, whose `random` strategy is taken); [] otherwise."""
    if path.is_file():
        return [path] if path.suffix == ".json" else []
    for folder in (path, *(path / strategy for strategy in _LEANDOJO_STRATEGIES)):
        files = [folder / f"{name}.json" for name in _LEANDOJO_SPLITS if (folder / f"{name}.json").is_file()]
        if files:
            return files
    return []


def load_leandojo(benchmark_json: Path, repo: Path, split: str | None = None) -> list[Problem]:
    """Problems from a LeanDojo Benchmark 4 split file (`random/test.json`) and the traced repository
    (its split is the file's name unless given)."""
    try:
        entries = json.loads(benchmark_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteError(f"{benchmark_json}: cannot read LeanDojo benchmark JSON ({exc})") from exc
    if not isinstance(entries, list):
        raise SuiteError(f"{benchmark_json}: expected a JSON list of theorems")
    split = split or benchmark_json.stem
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        try:
            file = repo / entry["file_path"]
            start, name = entry["start"][0], entry["full_name"]
        except (KeyError, TypeError, IndexError) as exc:
            raise SuiteError(f"{benchmark_json}: entry {index} lacks file_path/start/full_name") from exc
        if not file.exists():
            raise SuiteError(f"{benchmark_json}: entry {index}: {file} is not in the repository")
        source = file.read_text(encoding="utf-8").replace("\r\n", "\n")
        short = name.rsplit(".", 1)[-1]
        declaration = next((d for d in find_declarations(source) if d.name.rsplit(".", 1)[-1] == short
                            and d.start_line <= start <= d.end_line and _has_proof(source, d)), None)
        if declaration is None:
            continue
        statement, doc = _statement_and_doc(source, declaration)
        problems.append(Problem(name=name, statement=statement, split=split, informal=doc,
                                header=source[:declaration.start].strip("\n"), origin=f"{entry['file_path']}:{start}"))
    return problems
