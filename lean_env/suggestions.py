"""Lean's own suggestions: run suggestion tactics (`exact?`, `apply?`, `rw?`, `simp?`, …) on
proof states and read the concrete tactics Lean prints ("Try this: …").

    answers = query_suggestions(toolchain, [SuggestionQuery(theorem, ("intro n",), "exact?")])
    answers[0].suggestions   # [Suggestion(tactic="exact Nat.gcd_self n", closes=True, …)]
    answers[0].goals         # the state the tactic ran on, as Lean prints it (`trace_state`)

Many queries, of many theorems sharing a context, go into one Lean file (a Lean start-up is
7–20 s on the embedded Lean, and the library search's index is built once per process): per
query a renamed copy of its theorem whose proof is the query's tactic path, `trace_state`
and the suggestion tactic, under its own `maxHeartbeats`, followed by a `#print` marker.
Every message inside a query's lines belongs to that query. A process that faults keeps the
answers of the queries whose markers came out; the first unfinished query is answered with
the fault and the rest are run again once.

The suggestion tactics themselves never enter a proof: :func:`lean_env.tactic_guard.tactic_problem`
refuses them (:func:`lean_env.tactic_guard.is_suggestion_tactic`) wherever a tactic is filtered,
and only the concrete tactics Lean prints are returned (never one the tactic guard refuses, such
as one with `sorry` or a suggestion tactic, nor one with an inaccessible name `x✝` that a proof
cannot write). Lean is run with `-DElab.async=false` (where the release has it): theorems are
elaborated on the main thread, which on the embedded Lean cut a 12-query file from 115 s and
9.8 GB to 61 s and 3.1 GB (every asynchronous elaboration task started a new WebAssembly worker).
"""

from __future__ import annotations

import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

from lean_prover.lean_env.lexer import code_tokens, mask_comments_and_strings
from lean_prover.lean_env.limits import DEFAULT_HEARTBEATS, SUGGESTION_TIMEOUT_S
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import LeanRun, run_lean_file
from lean_prover.lean_env.releases import serial_elaboration_options
from lean_prover.lean_env.results import indent_tactic
from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain

SuggestionTactic = Literal["exact?", "apply?", "rw?", "simp?", "simp_all?", "grind?", "try?"]
SUGGESTION_TACTICS: tuple[SuggestionTactic, ...] = ("exact?", "apply?", "rw?", "simp?", "simp_all?", "grind?", "try?")
DEFAULT_SUGGESTION_TACTICS: tuple[SuggestionTactic, ...] = ("exact?", "rw?")
SUGGESTION_HEARTBEATS = DEFAULT_HEARTBEATS  # Lean's default limit, for the suggestion tactic alone
_MAX_PER_QUERY = 8  # suggestions kept per query (apply? can print a hundred partial `refine`s)
_HEADERS = ("Try this:", "Try these:")
_ITEM_MARKS = ("[apply]", "•")
_PROOF_SUFFIXES = frozenset({"mp", "mpr", "symm", "le", "ge", "trans"})


def library_names(tactic: str) -> list[str]:
    """Names a tactic uses that look like library theorems: dotted names under a capitalised
    namespace (`Nat.le_of_dvd`, `List.length_append`; `h.1`, `hx.mp` are not), without a
    trailing `.mp`/`.mpr`/`.symm`/`.le`/`.ge`/`.trans` (`.1`/`.2` are not part of a name)."""
    found: list[str] = []
    for token in code_tokens(tactic):
        parts = token.value.split(".")
        if token.kind != "ident" or len(parts) < 2 or not parts[0][:1].isupper():
            continue
        if parts[-1] in _PROOF_SUFFIXES and len(parts) > 2:
            parts = parts[:-1]
        name = ".".join(parts)
        if name not in found:
            found.append(name)
    return found


@dataclass(frozen=True)
class Suggestion:
    """One concrete tactic Lean suggested: the tactic, the suggestion tactic that printed it,
    whether Lean says it closes the goal (`exact …`, or `rw [...]` with `-- no goals`), the goal
    Lean says it leaves (rw?'s comment; "" when not printed) and its rank in Lean's list."""

    tactic: str
    origin: str
    closes: bool = False
    leaves: str = ""
    rank: int = 0

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"tactic": self.tactic, "origin": self.origin, "closes": self.closes, "leaves": self.leaves,
                "rank": self.rank}

    @classmethod
    def from_dict(cls, data: dict) -> "Suggestion":
        """The inverse of :meth:`to_dict`."""
        return cls(str(data["tactic"]), str(data["origin"]), bool(data.get("closes", False)),
                   str(data.get("leaves", "")), int(data.get("rank", 0)))


@dataclass(frozen=True)
class SuggestionQuery:
    """Ask `tactic` (a suggestion tactic) on the state reached by `path` in `theorem`."""

    theorem: Theorem
    path: tuple[str, ...]
    tactic: str


@dataclass
class SuggestionAnswer:
    """What Lean said for one query: its suggestions (best first, as Lean ordered them), the
    goal text the query ran on (`trace_state`; "" when Lean did not get there) and, when no
    suggestion came, why (`detail`)."""

    suggestions: list[Suggestion] = field(default_factory=list)
    goals: str = ""
    detail: str = ""


def parse_try_this(text: str, origin: str) -> list[Suggestion]:
    """The concrete tactics of one Lean message ("Try this: …" / "Try these: …"), in order.

    Accepts Lean 4.28's form (`Try this:` then indented `[apply] TACTIC` items, each possibly
    followed by `-- goal` comment lines) and the older one-line form (`Try this: TACTIC`).
    Messages of any other kind ("found a partial proof, but the corresponding tactic failed")
    give []. Tactics the tactic guard refuses (`sorry`, a suggestion tactic, a command, …) and
    tactics with an inaccessible name (`x✝`) or `expose_names` are dropped: a proof cannot
    contain them."""
    lines = text.replace("\r\n", "\n").split("\n")
    first = lines[0].strip() if lines else ""
    header = next((h for h in _HEADERS if first.startswith(h)), None)
    if header is None:
        return []
    items: list[tuple[list[str], list[str]]] = []  # (tactic lines, comment lines)
    if first[len(header):].strip():
        items.append(([first[len(header):].strip()], []))
    for line in lines[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("--"):
            if items:
                items[-1][1].append(stripped[2:].strip())
            continue
        mark = next((m for m in _ITEM_MARKS if stripped.startswith(m)), None)
        if mark is not None or not items:
            items.append(([stripped[len(mark):].strip() if mark else stripped], []))
        else:  # a continuation line of a multi-line tactic
            items[-1][0].append(line.rstrip())
    found: list[Suggestion] = []
    for tactic_lines, comments in items:
        tactic = "\n".join(tactic_lines).strip()
        if not tactic or not _writable(tactic):
            continue
        leaves = "\n".join(c for c in comments if not c.startswith("Remaining subgoals")).strip()
        leaves = "\n".join(part.strip() for part in leaves.split("\n"))
        closes = tactic.startswith("exact ") or leaves == "no goals"
        found.append(Suggestion(tactic, origin, closes, "" if leaves == "no goals" else leaves, len(found)))
    return found


def _writable(tactic: str) -> bool:
    """May a proof contain this tactic Lean printed?"""
    return is_usable_tactic(tactic) and not any(
        "✝" in t.text or t.value == "expose_names" for t in code_tokens(tactic))


@dataclass
class _Placed:
    index: int
    first_line: int
    trace_line: int
    tactic_line: int
    marker_line: int


def suggestion_file(queries: Sequence[SuggestionQuery], nonce: str,
                    heartbeats_per_tactic: int, heartbeats: int) -> tuple[str, list[_Placed], int]:
    """The Lean file asking every query (all of one context), where each sits, and the line of
    the context's marker. The heartbeat limit of a query is `heartbeats_per_tactic` per tactic
    of its path plus `heartbeats` for the suggestion tactic (Lean reads the limit once per
    declaration)."""
    context = queries[0].theorem.context
    lines = context.split("\n") if context.strip() else []
    lines += ["", f'#print "suggest:{nonce}:context"']
    context_marker = len(lines)
    placed: list[_Placed] = []
    for index, query in enumerate(queries):
        lines.append("")
        first = len(lines) + 1
        lines.append(f"set_option maxHeartbeats {heartbeats_per_tactic * len(query.path) + heartbeats} in")
        header = query.theorem.probe_header(index).split("\n")
        if mask_comments_and_strings(header[-1]) != header[-1]:
            header.append("    := by")
        else:
            header[-1] += " := by"
        lines.extend(header)
        for tactic in query.path:
            lines.extend(indent_tactic(tactic).split("\n"))
        lines.append("  trace_state")
        trace_line = len(lines)
        lines.append(f"  {query.tactic}")
        tactic_line = len(lines)
        lines.append(f'#print "suggest:{nonce}:{index}"')
        placed.append(_Placed(index, first, trace_line, tactic_line, len(lines)))
    return "\n".join(lines) + "\n", placed, context_marker


def answers_from_run(run: LeanRun, placed: list[_Placed], queries: Sequence[SuggestionQuery],
                     nonce: str) -> list[SuggestionAnswer | None]:
    """Each query's answer from one run's messages (None when its marker did not come out)."""
    markers = {m.line for m in run.messages
               if m.severity == "information" and m.text.startswith(f"suggest:{nonce}:")}
    answers: list[SuggestionAnswer | None] = []
    for spot in placed:
        if spot.marker_line not in markers:
            answers.append(None)
            continue
        inside = [m for m in run.messages if spot.first_line <= m.line < spot.marker_line]
        answers.append(_answer(inside, spot, queries[spot.index].tactic))
    return answers


def _answer(messages: list[LeanMessage], spot: _Placed, tactic: str) -> SuggestionAnswer:
    goals = next((m.text.strip("\n") for m in messages
                  if m.severity == "information" and m.line == spot.trace_line), "")
    answer = SuggestionAnswer(goals=goals)
    for message in messages:
        if message.severity == "information" and message.line == spot.tactic_line:
            for suggestion in parse_try_this(message.text, tactic):
                if len(answer.suggestions) < _MAX_PER_QUERY and all(s.tactic != suggestion.tactic
                                                                      for s in answer.suggestions):
                    answer.suggestions.append(Suggestion(suggestion.tactic, tactic, suggestion.closes,
                                                         suggestion.leaves, len(answer.suggestions)))
    if not goals:
        error = next((m for m in messages if m.is_error and m.line < spot.trace_line), None)
        answer.detail = ("the tactic path failed before the query: " + error.text.strip().split("\n")[0]
                         if error else "Lean did not reach the query")
    elif not answer.suggestions:
        error = next((m for m in messages if m.is_error and m.line == spot.tactic_line), None)
        answer.detail = (error.text.strip().split("\n")[0] if error else f"`{tactic}` suggested nothing usable")
    return answer


def query_suggestions(toolchain: Toolchain, queries: Sequence[SuggestionQuery], *,
                      heartbeats: int = SUGGESTION_HEARTBEATS, heartbeats_per_tactic: int = DEFAULT_HEARTBEATS,
                      timeout_s: float = SUGGESTION_TIMEOUT_S, processes: int = 1) -> tuple[list[SuggestionAnswer], int]:
    """The answer to every query, in order, and how many Lean processes it took. Queries are
    grouped by theorem context (one file per context; at most `processes` run at once)."""
    answers: list[SuggestionAnswer | None] = [None] * len(queries)
    groups: dict[str, list[int]] = {}
    for index, query in enumerate(queries):
        groups.setdefault(query.theorem.context.strip(), []).append(index)
    runs = [0]

    def settle(members: list[int], retry: bool = True) -> None:
        nonce = uuid.uuid4().hex[:8]
        text, placed, context_marker = suggestion_file([queries[i] for i in members], nonce,
                                                       heartbeats_per_tactic, heartbeats)
        with tempfile.TemporaryDirectory(prefix="prover-suggest-") as tmp:
            path = Path(tmp) / "Suggest.lean"
            path.write_text(text, encoding="utf-8")
            run = run_lean_file(toolchain, path, timeout_s,
                                extra_args=serial_elaboration_options(toolchain.release()))
        runs[0] += 1
        got = answers_from_run(run, placed, [queries[i] for i in members], nonce)
        missing = []
        for member, answer in zip(members, got):
            if answer is None:
                missing.append(member)
            else:
                answers[member] = answer
        if not missing:
            return
        context_ok = any(m.line == context_marker for m in run.messages if m.severity == "information")
        why = (f"Lean {run.fault}: {run.fault_detail}" if run.fault else
               "Lean did not reach the end of this query (its tactics broke the file's syntax?)")
        if not context_ok and run.fault is None:
            why = "Lean did not get to the end of the theorem's context"
        answers[missing[0]] = SuggestionAnswer(detail=why)
        if retry and context_ok and missing[1:]:
            settle(missing[1:], retry=False)
        for member in missing[1:]:
            if answers[member] is None:
                answers[member] = SuggestionAnswer(detail=why)

    with ThreadPoolExecutor(max_workers=max(1, min(processes, len(groups)))) as pool:
        list(pool.map(settle, groups.values()))
    return [a if a is not None else SuggestionAnswer(detail="no answer") for a in answers], runs[0]
