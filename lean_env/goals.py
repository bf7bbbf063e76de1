"""Lean's goal display as typed records: goals, hypotheses, targets, and a stable hash.

Lean prints a proof state (in `unsolved goals` errors, `trace_state`, the infoview) as

    case succ                      <- optional case tag
    n✝ : Nat                       <- hypotheses, one per line; names that share a type are
    a✝ b : n✝ + 0 = n✝                grouped; a `let` hypothesis reads `x : T := v`
    ⊢ n✝ + 1 + 0 = n✝ + 1          <- the target

with goals separated by a blank line. Every entry starts in column 0; Lean's formatter wraps
a long type onto further lines indented by spaces (a type may even start on the line after
`name :`). The parser joins such wrapped lines back into one line, so `Goal` fields hold
single-line text whatever the display width was.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Iterable

from lean_prover.lean_env.lexer import CLOSING_BRACKETS, OPENING_BRACKETS, code_tokens

TURNSTILE = "⊢"
UNSOLVED_PREFIX = "unsolved goals"
HASH_CHARS = 32  # hex digits of sha256 kept by `goals_hash`

_WRAP = re.compile(r"[ \t]*\n[ \t]*")
_SPACES = re.compile(r"\s+")
_OPEN, _CLOSE = "([{⟨⦃⟦", ")]}⟩⦄⟧"


@dataclass(frozen=True)
class Hypothesis:
    """One hypothesis line: the names sharing a type, the type, and a `let` value if any."""

    names: list[str]
    type: str
    value: str | None = None

    def __hash__(self) -> int:
        return hash(self.pretty())

    def pretty(self) -> str:
        """The line as Lean prints it (unwrapped)."""
        text = f"{' '.join(self.names)} : {self.type}"
        return f"{text} := {self.value}" if self.value is not None else text


@dataclass(frozen=True)
class Goal:
    """One goal: its case tag (None if untagged), hypotheses in order, and target."""

    case: str | None
    hypotheses: list[Hypothesis] = field(default_factory=list)
    target: str = ""

    @property
    def names(self) -> list[str]:
        """Every hypothesis name, in order (inaccessible ones keep their `✝` marks)."""
        return [name for hyp in self.hypotheses for name in hyp.names]

    def __hash__(self) -> int:
        return hash(self.pretty())

    def pretty(self) -> str:
        """The goal as Lean prints it, one line per entry."""
        lines = [f"case {self.case}"] if self.case is not None else []
        lines.extend(hyp.pretty() for hyp in self.hypotheses)
        lines.append(f"{TURNSTILE} {self.target}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.pretty()


def parse_goals(text: str) -> list[Goal]:
    """All goals of a goal display (an `unsolved goals` message's text is accepted as is).

    Empty text and `no goals` give []. Text with no `⊢` at all is not a goal display and
    gives [] as well.
    """
    body = text.strip("\n")
    if body.startswith(UNSOLVED_PREFIX):
        body = body[len(UNSOLVED_PREFIX):]
    if not body.strip() or body.strip() in ("no goals", "Goals accomplished!"):
        return []
    return [_parse_goal(block) for block in _goal_blocks(body.split("\n"))]


def parse_goal(text: str) -> Goal:
    """Exactly one goal (raises ValueError when the text holds no goal or several)."""
    goals = parse_goals(text)
    if len(goals) != 1:
        raise ValueError(f"expected one goal, found {len(goals)}")
    return goals[0]


def goals_pretty(goals: Iterable[Goal]) -> str:
    """Goals as Lean prints them: one entry a line, goals separated by a blank line."""
    return "\n\n".join(goal.pretty() for goal in goals)


def normalise(text: str) -> str:
    """Whitespace-normalised text: runs of blanks and newlines become one space."""
    return _SPACES.sub(" ", text).strip()


def goals_hash(goals: Iterable[Goal]) -> str:
    """Deduplication key of a goal list: sha256 (hex prefix) of the whitespace-normalised
    pretty text of every goal, in order. Case tags and hypothesis names are part of it."""
    key = "\n\n".join(normalise(goal.pretty()) for goal in goals)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:HASH_CHARS]


def text_hash(text: str) -> str:
    """`goals_hash` of a goal display given as text."""
    return goals_hash(parse_goals(text))


# ---------------------------------------------------------------------------------------------
# parsing


def _goal_blocks(lines: list[str]) -> list[list[str]]:
    """Split display lines into goals. A goal ends at a blank line after its `⊢` entry, or where
    a new column-0 entry starts after the target (displays joined without a blank line)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    seen_target = False
    for line in lines:
        if not line.strip():
            if seen_target:
                blocks.append(current)
                current, seen_target = [], False
            continue
        starts_entry = not line[:1].isspace()
        if seen_target and starts_entry and not line.startswith(TURNSTILE):
            blocks.append(current)
            current, seen_target = [], False
        current.append(line)
        if line.startswith(TURNSTILE):
            seen_target = True
    if current and (seen_target or any(ln.startswith(TURNSTILE) for ln in current)):
        blocks.append(current)
    return blocks


def _entries(lines: list[str]) -> list[str]:
    """Join each column-0 line with its indented continuation lines, unwrapping them."""
    entries: list[str] = []
    for line in lines:
        if line[:1].isspace() and entries:
            entries[-1] += "\n" + line
        else:
            entries.append(line)
    return [_WRAP.sub(" ", entry).strip() for entry in entries]


def _parse_goal(lines: list[str]) -> Goal:
    case: str | None = None
    hypotheses: list[Hypothesis] = []
    target_parts: list[str] = []
    for index, entry in enumerate(_entries(lines)):
        if index == 0 and (entry == "case" or entry.startswith("case ")):
            case = entry[4:].strip() or None
        elif entry.startswith(TURNSTILE):
            target_parts.append(entry[len(TURNSTILE):].strip())
        elif target_parts:  # text after the target (not produced by Lean): keep it in the target
            target_parts.append(entry)
        else:
            hyp = _parse_hypothesis(entry)
            if hyp is None and hypotheses:  # not `names : type`: a continuation Lean did not indent
                last = hypotheses[-1]
                if last.value is not None:
                    hyp = Hypothesis(last.names, last.type, f"{last.value} {entry}")
                else:
                    hyp = Hypothesis(last.names, f"{last.type} {entry}")
                hypotheses[-1] = hyp
            else:
                hypotheses.append(hyp or Hypothesis([], entry))
    return Goal(case, hypotheses, " ".join(target_parts))


def _parse_hypothesis(entry: str) -> Hypothesis | None:
    """`a b : T` or `x : T := v`; None when the entry does not start with names and a colon."""
    names: list[str] = []
    i, n = 0, len(entry)
    while i < n:
        if entry[i] == ":" and (i + 1 == n or entry[i + 1].isspace()) and names:
            rest = entry[i + 1:].strip()
            type_text, value = _split_value(rest)
            return Hypothesis(names, type_text, value)
        if entry[i] == "«":
            end = entry.find("»", i)
            if end < 0:
                return None
            j = end + 1
            while j < n and not entry[j].isspace() and entry[j] != ":":
                j += 1
        else:
            j = i
            while j < n and not entry[j].isspace():
                if entry[j] == ":" and (j + 1 == n or entry[j + 1].isspace()):
                    break
                j += 1
        token = entry[i:j]
        if not token or any(c in token for c in _OPEN + _CLOSE + ",") or token in (":=", "=>", "→"):
            return None
        names.append(token)
        i = j
        while i < n and entry[i] == " ":
            i += 1
    return None


def _split_value(text: str) -> tuple[str, str | None]:
    """Split `T := v` at the top-level `:=` that is not the binder of a `let`/`have` in T."""
    depth = 0
    pending_binders = 0
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char == '"':  # skip a string literal
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif depth == 0:
            if text.startswith(":=", i) and (i == 0 or text[i - 1] == " "):
                if pending_binders:
                    pending_binders -= 1
                else:
                    return text[:i].strip(), text[i + 2:].strip()
            elif _keyword_at(text, i, ("let", "have", "let_fun")):
                pending_binders += 1
        i += 1
    return text.strip(), None


def _keyword_at(text: str, i: int, words: tuple[str, ...]) -> bool:
    if i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_.'"):
        return False
    for word in words:
        end = i + len(word)
        if text.startswith(word, i) and (end == len(text) or text[end] == " "):
            return True
    return False


def intros_introduces(target: str) -> bool:
    """True when Lean's `intros` may change a goal with this target (its text as Lean prints it).
    `intros` counts the binders to introduce syntactically (`Lean.Meta.getIntrosSize`: leading
    `∀`/arrow, `let` and `have`, without unfolding), so a target that starts with none of those
    words and has no arrow outside brackets is left as it is: `¬p` (`Not p`), `List.rec 0 (fun x
    s => x + s) l = l.sum`, `Function.Injective f`. An arrow inside a binder's body (`∃ x, p →
    q`) also answers True: the test errs towards `intros` doing something."""
    tokens = [t.text for t in code_tokens(target)]
    if tokens and tokens[0] in ("∀", "let", "have"):
        return True
    depth = 0
    for text in tokens:
        if text in OPENING_BRACKETS:
            depth += 1
        elif text in CLOSING_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0 and text in ("→", "->"):
            return True
    return False
