"""Tactic-level interaction in LeanDojo's vocabulary, on the file engine.

    with Dojo(theorem) as (dojo, state):
        result = dojo.run_tac(state, "intro h")
        results = dojo.run_tacs([(state, "constructor"), (state, "omega")])   # one Lean run

The file engine replays tactic prefixes: one batch becomes one Lean file holding the
theorem's context once and, per (state, tactic) pair, a copy of the theorem whose proof is
the state's tactic path plus the new tactic. Lean's `unsolved goals` error gives the
resulting goals exactly; an error inside the new tactic's lines is a `LeanError`; no error
and no `sorry` is `ProofFinished`. Each copy runs under its own heartbeat limit; a batch
that crashes or times out as a whole is split in halves and re-run, so only the offending
pair gets a `LeanCrash`/`TacticTimeout` and every other pair its real result.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from lean_env.messages import LeanMessage
from lean_env.process import run_lean_file
from lean_env.source import find_declarations, split_statement
from lean_env.toolchain import Toolchain, resolve_toolchain
from lean_env.verify import read_lean_source

FORBIDDEN = ("sorry", "admit", "native_decide")
_UNSOLVED = "unsolved goals"
_TIMEOUT_MARKERS = ("maximum number of heartbeats", "deterministic) timeout")


@dataclass(frozen=True)
class Theorem:
    """A theorem to prove: the Lean text before it (`context`), its header (`statement`, without
    `:=`), and its short name."""

    name: str
    statement: str
    context: str = ""

    @classmethod
    def from_file(cls, path: Path, name: str) -> "Theorem":
        """The theorem `name` of a Lean file; everything before it is the context."""
        source = read_lean_source(path)
        for decl in find_declarations(source):
            if decl.name == name or decl.name.rsplit(".", 1)[-1] == name:
                lines = source.split("\n")
                statement = split_statement("\n".join(lines[decl.start_line - 1: decl.end_line]))
                if statement is None:
                    raise ValueError(f"{path}: theorem {name} has no `:=`")
                return cls(decl.name.rsplit(".", 1)[-1], statement, "\n".join(lines[: decl.start_line - 1]))
        raise ValueError(f"{path}: no theorem named {name}")

    @classmethod
    def from_statement(cls, text: str, name: str | None = None) -> "Theorem":
        """A bare statement such as `theorem t (p : Prop) (hp : p) : p` (a trailing
        `:= by sorry` and any header lines before it are allowed)."""
        match = re.search(r"(?m)^(theorem|lemma)\s+(\S+)", text)
        if match is None:
            raise ValueError("a statement must start with `theorem NAME`")
        context, declaration = text[: match.start()], text[match.start():]
        statement = split_statement(declaration) or declaration.strip()
        statement = re.sub(r"^lemma\b", "theorem", statement)
        return cls(name or match.group(2), statement, context.rstrip("\n"))

    def lean_text(self, proof: str) -> str:
        """The theorem with `proof` (the text after `:=`), in its context, as a Lean file."""
        head = f"{self.context}\n\n" if self.context.strip() else ""
        return f"{head}{self.statement} := {proof}\n"


@dataclass(frozen=True)
class TacticState:
    """Goals remaining after a tactic path: Lean's text (`pp`), one text per goal, and a hash."""

    pp: str
    goals: tuple[str, ...]
    tactics: tuple[str, ...]
    id: int = 0

    @property
    def hash(self) -> str:
        """Deduplication key: sha256 of the whitespace-normalised goals."""
        return hashlib.sha256(re.sub(r"\s+", " ", self.pp.strip()).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ProofFinished:
    """No goals left: `tactics` prove the theorem."""

    tactics: tuple[str, ...]

    @property
    def script(self) -> str:
        """The proof as a `by` block."""
        return "by\n" + "\n".join(_indent(t) for t in self.tactics)


@dataclass(frozen=True)
class LeanError:
    """The tactic failed; `error` is Lean's message."""

    error: str


@dataclass(frozen=True)
class TacticTimeout:
    """The tactic exceeded its heartbeat or wall-clock limit."""

    detail: str


@dataclass(frozen=True)
class LeanCrash:
    """Lean died while running this tactic."""

    detail: str


TacticResult = Union[TacticState, ProofFinished, LeanError, TacticTimeout, LeanCrash]


@dataclass
class FileEngine:
    """Evaluates batches of (state, tactic) pairs by generating one Lean file per batch."""

    toolchain: Toolchain
    theorem: Theorem
    heartbeats: int = 200_000
    timeout_s: float = 300.0
    runs: int = field(default=0)

    def evaluate(self, paths: list[tuple[str, ...]]) -> list[TacticResult]:
        """The result of each tactic path (a path of tactics from the theorem's start)."""
        if not paths:
            return []
        text, spans = self._batch_file(paths)
        with tempfile.TemporaryDirectory(prefix="prover-dojo-") as tmp:
            file = Path(tmp) / "Probe.lean"
            file.write_text(text, encoding="utf-8")
            run = run_lean_file(self.toolchain, file, self.timeout_s)
        self.runs += 1
        if run.fault is not None:
            if len(paths) == 1:
                kind = TacticTimeout if run.fault == "timeout" else LeanCrash
                return [kind(run.fault_detail)]
            middle = len(paths) // 2
            return self.evaluate(paths[:middle]) + self.evaluate(paths[middle:])
        return [self._judge(path, span, run.messages) for path, span in zip(paths, spans)]

    def _batch_file(self, paths: list[tuple[str, ...]]) -> tuple[str, list[tuple[int, int]]]:
        lines = self.theorem.context.split("\n") if self.theorem.context.strip() else []
        spans = []
        for index, path in enumerate(paths):
            lines.append("")
            lines.append(f"set_option maxHeartbeats {self.heartbeats} in")
            header = re.sub(r"^theorem\s+\S+", f"theorem probe_{index}_", self.theorem.statement, count=1)
            start = len(lines) + 1
            lines.extend(f"{header} := by".split("\n"))
            lines.append("  skip")
            for tactic in path:
                lines.extend(_indent(tactic).split("\n"))
            spans.append((start, len(lines)))
        return "\n".join(lines) + "\n", spans

    @staticmethod
    def _judge(path: tuple[str, ...], span: tuple[int, int], messages: list[LeanMessage]) -> TacticResult:
        start, end = span
        inside = [m for m in messages if start <= m.line <= end]
        errors = [m for m in inside if m.is_error]
        unsolved = [m for m in errors if m.text.startswith(_UNSOLVED)]
        others = [m for m in errors if not m.text.startswith(_UNSOLVED)]
        if others:
            text = others[0].text.strip()
            if any(marker in text for marker in _TIMEOUT_MARKERS):
                return TacticTimeout(text)
            return LeanError(text)
        if unsolved:  # one error for the main block, or one per alternative of `induction … with`
            unsolved.sort(key=lambda m: (m.line, m.column))
            pp = "\n\n".join(m.text[len(_UNSOLVED):].strip("\n") for m in unsolved)
            return TacticState(pp, tuple(g for g in re.split(r"\n\s*\n", pp) if g.strip()), path)
        if any(m.is_sorry_warning for m in inside):
            return LeanError("the proof uses sorry")
        return ProofFinished(path)


class Dojo:
    """An interaction session for one theorem (file engine)."""

    def __init__(self, theorem: Theorem, toolchain: Toolchain | None = None, timeout_s: float = 300.0,
                 heartbeats: int = 200_000):
        self.theorem = theorem
        self.engine = FileEngine(toolchain or resolve_toolchain(), theorem, heartbeats, timeout_s)
        self._next_id = 1

    def __enter__(self) -> tuple["Dojo", TacticResult]:
        initial = self.engine.evaluate([()])[0]
        if isinstance(initial, TacticState):
            initial = TacticState(initial.pp, initial.goals, (), 0)
        return self, initial

    def __exit__(self, *exc) -> None:
        return None

    def run_tac(self, state: TacticState, tactic: str) -> TacticResult:
        """Run one tactic on a state."""
        return self.run_tacs([(state, tactic)])[0]

    def run_tacs(self, pairs: list[tuple[TacticState, str]]) -> list[TacticResult]:
        """Run many (state, tactic) pairs in one Lean round trip; results in order."""
        results: list[TacticResult | None] = [None] * len(pairs)
        todo, paths = [], []
        for index, (state, tactic) in enumerate(pairs):
            words = set(re.findall(r"[A-Za-z_]+", tactic))
            if not tactic.strip():
                results[index] = LeanError("empty tactic")
            elif words & set(FORBIDDEN):
                results[index] = LeanError(f"forbidden tactic: {tactic.strip()}")
            else:
                todo.append(index)
                paths.append((*state.tactics, tactic))
        for index, result in zip(todo, self.engine.evaluate(paths)):
            if isinstance(result, TacticState):
                result = TacticState(result.pp, result.goals, result.tactics, self._next_id)
                self._next_id += 1
            results[index] = result
        return [r for r in results if r is not None]


def _indent(tactic: str) -> str:
    return "\n".join(f"  {line}" if line.strip() else line for line in tactic.split("\n"))
