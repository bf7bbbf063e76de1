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
sorry`, on any lines). Commands are found by the keyword that starts a column-0 line, so
ProofNet's and PutnamBench's column-0 binders (`(x : ℝ)`), `: …` lines and `sorry` belong to the
declaration above them; those continuation lines are indented by two spaces in the problem's
statement (the same statement; every line-based reader of this project then sees one
declaration). A `/-- … -/` docstring before the theorem is the problem's `informal` text.
PutnamBench's answer definitions (`abbrev putnam_…_solution : T := sorry` followed by the
published answer as a `-- …` comment) get the published answer as their value (`fill_answers`,
on by default, as PutnamBench's `rewrite_solutions.py` does for proving with the answer given).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from lean_prover.lean_env.source import mask_comments_and_strings, split_statement
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.statement import definition_body

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
        masked = mask_comments_and_strings(formal)
        match = re.search(r"(?m)^(theorem|lemma)\s", masked)
        if match is None:
            raise SuiteError(f"{path}:{number}: no `theorem` in formal_statement")
        before, declaration = formal[:match.start()], formal[match.start():]
        statement = split_statement(declaration)
        if statement is None:
            raise SuiteError(f"{path}:{number}: formal_statement has no `:=`")
        context, doc = _split_trailing_doc(before)
        header = entry.get("header")
        if isinstance(header, str) and header.strip():
            context = header if not context.strip() else f"{header.rstrip()}\n\n{context}"
        informal = doc or entry.get("informal_prefix") or ""
        seen.add(name)
        problems.append(Problem(
            name=name, statement=re.sub(r"^lemma\b", "theorem", _indent_continuations(statement)),
            split=str(entry.get("split") or ""), header=context.rstrip("\n"), informal=informal,
            origin=f"{path.name}:{number}"))
    return problems


# -- Lean folders -------------------------------------------------------------------------------

# Keywords that start a command when they begin a column-0 line (after attributes and modifiers).
_COMMAND_WORDS = (
    "theorem", "lemma", "def", "abbrev", "instance", "example", "axiom", "opaque", "structure", "inductive",
    "class", "open", "namespace", "section", "end", "noncomputable", "variable", "universe", "set_option",
    "attribute", "import", "macro", "macro_rules", "syntax", "notation", "infix", "infixl", "infixr", "prefix",
    "postfix", "elab", "mutual", "private", "protected", "local", "scoped", "export", "deriving", "unsafe",
    "partial", "nonrec", "irreducible_def", "omit", "include", "@[", "#",
)
_COMMAND_RE = re.compile(r"^(?:@\[|#[a-z]|(?:" + "|".join(w for w in _COMMAND_WORDS if w[0].isalpha())
                         + r")(?![\w'!?.]))")
_DECL_RE = re.compile(r"^(?:@\[[^\]]*\]\s*)*(?:(?:private|protected|noncomputable|nonrec|unsafe|partial)\s+)*"
                      r"(?P<kw>theorem|lemma|instance|abbrev|def)\b\s*(?P<name>[^\s:({\[⦃]+)?")
_SOLUTION_RE = re.compile(r"^(?P<head>abbrev\s+\S+_solution\b.*?:=)\s*sorry\s*$", re.S)
_ATTRIBUTE_LINE_RE = re.compile(r"^(?:@\[[^\]]*\]\s*)+$")


@dataclass(frozen=True)
class _Command:
    start: int  # 0-based first line
    text: str  # its lines, each ended by a newline
    keyword: str  # "" for the text before the first command
    name: str


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
    its context (module docstring)."""
    commands = _commands(source.replace("\r\n", "\n"))
    problems: list[Problem] = []
    context: list[str] = []
    for index, command in enumerate(commands):
        text = command.text
        following = commands[index + 1] if index + 1 < len(commands) else None
        if following is not None and following.keyword in ("theorem", "lemma"):
            text = _split_trailing_doc(text)[0]  # a docstring belongs to the theorem after it
        if command.keyword in ("theorem", "lemma", "instance") and _proof_is_sorry(command.text):
            if command.keyword != "instance":  # an instance to construct is not a theorem to prove
                statement = split_statement(command.text) or ""
                problems.append(Problem(
                    name=command.name, split=split, header="".join(context).strip("\n"),
                    statement=re.sub(r"^lemma\b", "theorem", _indent_continuations(statement)),
                    informal=_split_trailing_doc(commands[index - 1].text)[1] if index else "",
                    origin=f"{origin}:{command.start + 1}"))
            continue
        if fill_answers and command.keyword == "abbrev":
            text = _fill_answer(text)
        if text.strip():
            context.append(text.rstrip("\n") + "\n\n")
    return problems


def _commands(source: str) -> list[_Command]:
    """The file cut at every column-0 line that starts a command (comments and strings masked; an
    attribute line joins the declaration below it); text before the first command is a command of
    its own (keyword "")."""
    lines = source.split("\n")
    masked = mask_comments_and_strings(source).split("\n")
    starts: list[int] = []
    for number, line in enumerate(masked):
        if not (line[:1].strip() and _COMMAND_RE.match(line)):
            continue
        if starts and _ATTRIBUTE_LINE_RE.match(masked[starts[-1]]) and \
                not any(ln.strip() for ln in masked[starts[-1] + 1:number]):
            continue  # `@[simp]` alone on its line: the declaration below starts there
        starts.append(number)
    if not starts or starts[0] != 0:
        starts = [0] + starts
    commands = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        text = "".join(line + "\n" for line in lines[start:end])
        head = " ".join(masked[start:min(end, start + 3)])
        match = _DECL_RE.match(head)
        keyword = (match["kw"] if match else head.split()[0]) if _COMMAND_RE.match(masked[start]) else ""
        commands.append(_Command(start, text, keyword, (match["name"] or "") if match else ""))
    return commands


def _split_trailing_doc(text: str) -> tuple[str, str]:
    """(text without a trailing `/-- … -/` docstring, the docstring with a newline) — the docstring
    only when nothing but blank space follows it."""
    stripped = text.rstrip()
    if not stripped.endswith("-/"):
        return text, ""
    start = stripped.rfind("/--")
    if start < 0 or "-/" in stripped[start:-2] or mask_comments_and_strings(stripped)[start:].strip():
        return text, ""
    return stripped[:start], stripped[start:] + "\n"


def _proof_is_sorry(declaration: str) -> bool:
    """True when the declaration's proof is `sorry` or `by sorry` (any spacing)."""
    body = definition_body(declaration)
    words = mask_comments_and_strings(body).split() if body is not None else []
    return "sorry" in words and set(words) <= {"by", "sorry"}


def _indent_continuations(statement: str) -> str:
    """Continuation lines of a declaration that start in column 0 get two spaces."""
    first, *rest = statement.split("\n")
    return "\n".join([first] + [("  " + line) if line[:1].strip() else line for line in rest])


def _renamed(problem: Problem, name: str) -> Problem:
    """The problem under another name (its statement's declared name too)."""
    statement = re.sub(rf"^(theorem\s+){re.escape(problem.name)}(?=[\s:({{\[⦃]|$)", rf"\g<1>{name}",
                       problem.statement)
    return replace(problem, name=name, statement=statement)


def _fill_answer(text: str) -> str:
    """`abbrev X_solution : T := sorry` followed by `-- answer` → `abbrev X_solution : T := answer`."""
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):
        match = _SOLUTION_RE.match(line.rstrip())
        comment = lines[index + 1].lstrip()
        if match and comment.startswith("--"):
            lines[index] = f"{match['head']} {comment[2:].strip()}"
            return "\n".join(lines)
    return text


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
            start, end = entry["start"][0], entry["end"][0]
            name = entry["full_name"]
        except (KeyError, TypeError, IndexError) as exc:
            raise SuiteError(f"{benchmark_json}: entry {index} lacks file_path/start/end/full_name") from exc
        if not file.exists():
            raise SuiteError(f"{benchmark_json}: entry {index}: {file} is not in the repository")
        lines = file.read_text(encoding="utf-8").splitlines()
        statement = split_statement("\n".join(lines[start - 1:end]))
        if statement is None:
            continue
        context, doc = _split_trailing_doc("\n".join(lines[:start - 1]))
        problems.append(Problem(name=name, statement=re.sub(r"^lemma\b", "theorem", statement), split=split,
                                header=context.strip("\n"), informal=doc, origin=f"{entry['file_path']}:{start}"))
    return problems
