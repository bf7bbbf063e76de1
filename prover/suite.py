"""Theorem suites: the project's own `core` suite and loaders for external ones.

A suite is a list of :class:`Problem`s. `core` ships with the package
(`prover/suites/core.jsonl`, core Lean 4 only, fixed `dev`/`test` splits). External suites
are read from a local checkout: miniF2F and ProofNet (Lean 4 files with `sorry` proofs) and
LeanDojo Benchmark 4 (JSON plus the traced repository); they need a native Lean with Mathlib.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from lean_prover.lean_env.source import find_declarations, split_statement

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SPLITS = ("dev", "test")
_REQUIRED = ("name", "statement", "split")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_'.]*$")


class SuiteError(ValueError):
    """A suite file or folder that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Problem:
    """One theorem to prove: `statement` is the declaration header without `:=` and proof."""

    name: str
    statement: str
    split: str
    header: str = ""  # imports / opens the statement needs (empty for core)
    topic: str = ""
    difficulty: int = 0
    origin: str = ""
    reference_proof: str = ""  # known proof (checks the statement is true); never used for training

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)

    def lean_text(self, proof: str) -> str:
        """The problem as a Lean file with the given proof (text after `:=`)."""
        head = f"{self.header.rstrip()}\n\n" if self.header.strip() else ""
        return f"{head}{self.statement} := {proof}\n"


def load_suite(name_or_path: str, split: str | None = None, limit: int | None = None) -> list[Problem]:
    """Load a suite by name (`core`) or from a path (a `.jsonl` file in the core format,
    a miniF2F/ProofNet checkout, or a LeanDojo Benchmark 4 `.json`), optionally one split."""
    if split is not None and split not in SPLITS + ("valid", "all"):
        raise SuiteError(f"unknown split {split!r}: use one of dev, test, valid, all")
    path = SUITES_DIR / f"{name_or_path}.jsonl" if not Path(name_or_path).exists() else Path(name_or_path)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.jsonl"))) or "none"
        raise SuiteError(f"no suite named {name_or_path!r} (shipped suites: {known}; or give a path)")
    if path.is_dir():
        problems = load_lean_folder(path)
    elif path.suffix == ".json":
        raise SuiteError(f"{path}: a LeanDojo benchmark needs the traced repository too: use load_leandojo()")
    else:
        problems = load_jsonl(path)
    if split not in (None, "all"):
        problems = [p for p in problems if p.split == split]
    return problems[:limit] if limit is not None else problems


def load_jsonl(path: Path) -> list[Problem]:
    """Read a suite in the core JSONL format; raises `SuiteError` naming the bad line."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError as exc:
            raise SuiteError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(entry, dict):
            raise SuiteError(f"{path}:{number}: expected a JSON object")
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
    if not problems:
        raise SuiteError(f"{path}: no problems in the file")
    return problems


def load_lean_folder(folder: Path) -> list[Problem]:
    """Problems from the `sorry`-proved theorems of a Lean 4 benchmark checkout (miniF2F, ProofNet).

    The split comes from the file name (`Test.lean`/`test.lean` → test, `Valid…` → valid,
    else dev); each file's text before its first declaration is the header.
    """
    files = sorted(p for p in folder.rglob("*.lean") if ".lake" not in p.parts)
    problems: list[Problem] = []
    for file in files:
        source = file.read_text(encoding="utf-8", errors="replace")
        declarations = [d for d in find_declarations(source) if d.keyword in ("theorem", "lemma")]
        if not declarations:
            continue
        lines = source.splitlines()
        header = "\n".join(lines[: declarations[0].start_line - 1])
        stem = file.stem.lower()
        split = "test" if "test" in stem else "valid" if "valid" in stem else "dev"
        for decl in declarations:
            text = "\n".join(lines[decl.start_line - 1: decl.end_line])
            statement = split_statement(text)
            if statement is None or "sorry" not in text:
                continue
            statement = re.sub(r"^lemma\b", "theorem", statement)
            problems.append(Problem(name=decl.name, statement=statement, split=split, header=header,
                                    origin=f"{file.relative_to(folder)}:{decl.start_line}"))
    if not problems:
        raise SuiteError(f"{folder}: no `sorry` theorems found in its .lean files")
    return problems


def load_leandojo(benchmark_json: Path, repo: Path, split: str = "test") -> list[Problem]:
    """Problems from a LeanDojo Benchmark 4 split file (`random/test.json`) and the traced repository."""
    try:
        entries = json.loads(benchmark_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteError(f"{benchmark_json}: cannot read LeanDojo benchmark JSON ({exc})") from exc
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
        header = "\n".join(ln for ln in lines if ln.startswith(("import ", "open ")))
        problems.append(Problem(name=name, statement=statement, split=split, header=header,
                                origin=f"{entry['file_path']}:{start}"))
    return problems
