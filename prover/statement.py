"""Reading theorem headers and goal texts without Lean: binders, hypotheses, targets.

Two small, bracket-aware parsers shared by the rule-based prior, the planner and the tiny
model builder:

* :func:`parse_statement` splits `theorem NAME BINDERS : TARGET [:= …]` into its name, its
  binders (`(p q : Prop)`, `{α : Type}`, `[DecidableEq α]`, `⦃x : α⦄`) and its target;
  :func:`goal_text` prints them the way Lean prints the initial goal (`p q : Prop\\n⊢ …`).
* :func:`parse_goal` reads the first goal of a Lean goal text (hypothesis lines `names : type`
  with indented continuation lines, an optional `case tag` line, the `⊢` target with its
  continuation lines); :func:`split_goals` splits a text holding several goals.

Both are scanners over Lean's printed syntax, not elaborators: types are kept as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lean_prover.lean_env.source import mask_comments_and_strings, split_statement

OPEN, CLOSE = "([{⟨⦃", ")]}⟩⦄"
IDENT = r"[A-Za-z_α-ωΑ-Ωϊ-ϻἀ-῾℀-⅏𝒜-𝖟][A-Za-z0-9_'!?α-ωΑ-Ωϊ-ϻἀ-῾℀-⅏₀-₉ₐ-ₜ✝]*"
_IDENT_RE = re.compile(IDENT)
_HEADER_RE = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)*(?:(?:private|protected|noncomputable)\s+)*"
                        r"(?P<kw>theorem|lemma|example)\b\s*")


class StatementError(ValueError):
    """The text is not a `theorem`/`lemma`/`example` header this scanner can read."""


@dataclass(frozen=True)
class Binder:
    """One binder group: names (`["p", "q"]`, `[]` for an anonymous instance), type, bracket."""

    names: tuple[str, ...]
    type: str
    bracket: str = "("

    def hypothesis_names(self) -> tuple[str, ...]:
        """Names as they appear in the goal (an anonymous instance shows as `inst✝`)."""
        return self.names or ("inst✝",)


@dataclass(frozen=True)
class Statement:
    """A theorem header: keyword, name ("" for `example`), binders and target."""

    keyword: str
    name: str
    binders: tuple[Binder, ...]
    target: str
    header: str = field(default="", compare=False)  # the header text it was read from

    def hypotheses(self) -> list[tuple[str, str]]:
        """(name, type) per bound name, in order."""
        return [(n, b.type) for b in self.binders for n in b.hypothesis_names()]

    def binder_text(self) -> str:
        """The binders as Lean source (`(p q : Prop) {α : Type}`)."""
        parts = []
        for b in self.binders:
            close = CLOSE[OPEN.index(b.bracket)]
            inner = f"{' '.join(b.names)} : {b.type}" if b.names else b.type
            parts.append(f"{b.bracket}{inner}{close}")
        return " ".join(parts)

    def renamed(self, name: str) -> str:
        """The header as a `theorem` named `name` (for sketch copies in one file)."""
        binders = self.binder_text()
        return f"theorem {name}{' ' + binders if binders else ''} : {self.target}"


def parse_statement(text: str) -> Statement:
    """Read `theorem NAME BINDERS : TARGET` (a trailing `:= proof` is ignored)."""
    header = split_statement(text) or text.strip()
    match = _HEADER_RE.match(header)
    if match is None:
        raise StatementError("a statement must start with `theorem`, `lemma` or `example`")
    keyword = "theorem" if match["kw"] == "lemma" else match["kw"]
    rest = header[match.end():]
    name = ""
    if keyword != "example":
        name_match = re.match(r"[^\s:({\[⦃]+", rest)
        if name_match is None:
            raise StatementError("the theorem has no name")
        name, rest = name_match.group(0), rest[name_match.end():]
    binders: list[Binder] = []
    index = 0
    while True:
        while index < len(rest) and rest[index].isspace():
            index += 1
        if index >= len(rest):
            raise StatementError("no `: TARGET` after the binders")
        char = rest[index]
        if char in OPEN and char != "⟨":
            end = matching_close(rest, index)
            if end < 0:
                raise StatementError(f"unbalanced binder starting {rest[index:index + 20]!r}")
            binders.append(_binder(rest[index + 1:end], char))
            index = end + 1
        elif char == ":":
            target = rest[index + 1:].strip()
            if not target:
                raise StatementError("empty target")
            return Statement(keyword, name, tuple(binders), normalize(target), header)
        else:
            raise StatementError(f"cannot read binder at {rest[index:index + 20]!r}")


def _binder(inner: str, bracket: str) -> Binder:
    colon = top_level_find(inner, " : ")
    if colon < 0:
        colon = top_level_find(inner, ":")
        if colon < 0:
            if bracket == "[":
                return Binder((), normalize(inner), bracket)
            raise StatementError(f"binder without a type: {inner!r}")
        names, kind = inner[:colon], inner[colon + 1:]
    else:
        names, kind = inner[:colon], inner[colon + 3:]
    return Binder(tuple(names.split()), normalize(kind), bracket)


def goal_text(statement: Statement) -> str:
    """The initial goal as Lean prints it: consecutive hypotheses of one type share a line."""
    lines: list[tuple[list[str], str]] = []
    for name, kind in statement.hypotheses():
        if lines and lines[-1][1] == kind:
            lines[-1][0].append(name)
        else:
            lines.append(([name], kind))
    return "\n".join([f"{' '.join(names)} : {kind}" for names, kind in lines] + [f"⊢ {statement.target}"])


@dataclass(frozen=True)
class Goal:
    """One goal of a goal text: its case tag (or ""), hypotheses (name, type) and target."""

    case: str
    hypotheses: tuple[tuple[str, str], ...]
    target: str


def split_goals(state: str) -> list[str]:
    """The goals of a goal text (Lean separates goals by a blank line)."""
    return [g for g in re.split(r"\n\s*\n", state.strip()) if g.strip()]


def parse_goal(state: str) -> Goal:
    """The first goal of a goal text: multi-line hypotheses and targets are joined with spaces."""
    goals = split_goals(state)
    first = goals[0] if goals else ""
    case, hypotheses, target, current = "", [], None, None
    for line in first.split("\n"):
        if not line.strip():
            continue
        if line.startswith("⊢"):
            target, current = line[1:].strip(), "target"
        elif line[:1].isspace() and current is not None:
            if current == "target":
                target = f"{target} {line.strip()}"
            else:
                names, kind = hypotheses[-1]
                hypotheses[-1] = (names, f"{kind} {line.strip()}")
        elif line.startswith("case ") and current is None:
            case = line[5:].strip()
        else:
            colon = line.find(" : ")
            if colon > 0:
                hypotheses.append((line[:colon].strip(), line[colon + 3:].strip()))
                current = "hyp"
            elif line.rstrip().endswith(" :"):  # `h :` with the type on the following lines
                hypotheses.append((line.rstrip()[:-2].strip(), ""))
                current = "hyp"
    flat = tuple((name, normalize(kind)) for names, kind in hypotheses for name in names.split())
    return Goal(case, flat, normalize(target or ""))


_LOCAL_TARGET_RE = re.compile(rf"(?:induction|cases|rcases|subst|revert|clear)\s+({IDENT})\s*(?:with\b|using\b|generalizing\b|$)")


def names_missing_local(state: str, tactic: str) -> bool:
    """Whether `tactic` is `induction x`/`cases x`/`rcases x`/`subst x`/`revert x`/`clear x`
    (optionally `with …`, `using …`, `generalizing …`) for a bare name `x` that is not a
    hypothesis of the first goal of `state`: Lean is certain to reject it (a name bound by a
    `∀` in the target is not in scope before `intro`). A global constant used as such a target
    would be flagged too; no step policy here proposes one."""
    match = _LOCAL_TARGET_RE.match(tactic.strip())
    if match is None:
        return False
    return match.group(1) not in {name for name, _ in parse_goal(state).hypotheses}


def normalize(text: str) -> str:
    """Whitespace collapsed to single spaces, stripped."""
    return re.sub(r"\s+", " ", text).strip()


def matching_close(text: str, start: int) -> int:
    """Index of the bracket closing the one at `start`, or -1."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
            if depth == 0:
                return index
    return -1


def top_level_find(text: str, needle: str, start: int = 0) -> int:
    """First index of `needle` outside brackets, or -1."""
    depth = 0
    for index in range(len(text)):
        char = text[index]
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        elif depth == 0 and index >= start and text.startswith(needle, index):
            return index
    return -1


def strip_parens(text: str) -> str:
    """`(A)` → `A` while the outer parentheses enclose the whole text."""
    text = text.strip()
    while text.startswith("(") and matching_close(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


_PRECEDENCE = {"↔": 20, "→": 25, "∨": 30, "∧": 35, "=": 50}
_BINDER_START = re.compile(r"(∀|∃!?|fun\b|λ|Σ|∑|∏)")


def top_level_connectives(text: str) -> list[tuple[int, str]]:
    """(index, symbol) of the connectives `↔ → ∨ ∧ =` outside brackets and outside the scope of
    a binder (`∀ x, …`, `∃ x, …`, `fun x => …` extend to the end of their expression)."""
    found = []
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        elif depth == 0:
            if _BINDER_START.match(text, index) and (index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")):
                break
            if char in _PRECEDENCE and not (char == "=" and (text[index - 1:index] in (":", "=", "!", "<", ">")
                                                             or text[index + 1:index + 2] in ("=", ">"))):
                found.append((index, char))
        index += 1
    return found


def split_top(text: str, symbol: str) -> tuple[str, str] | None:
    """Split at the first top-level `symbol` (one of `↔ → ∨ ∧ =`), honouring Lean's precedences
    (↔ < → < ∨ < ∧ < =): `p ∧ q ↔ r` does not split at `∧`. Returns None when the symbol is
    not the text's outermost connective; binders (`∀`, `∃`, `fun`) scope over what follows them.
    """
    text = strip_parens(text)
    connectives = top_level_connectives(text)
    if not connectives:
        return None
    weakest = min(_PRECEDENCE[c] for _, c in connectives)
    if _PRECEDENCE[symbol] != weakest:
        return None
    index = next((i for i, c in connectives if c == symbol), -1)
    if index < 0:
        return None
    left, right = text[:index].strip(), text[index + len(symbol):].strip()
    if not left or not right:
        return None
    return left, right


def balanced(text: str) -> bool:
    """True when every bracket closes in order and no string literal is left open."""
    stack: list[str] = []
    for char in text:
        if char in OPEN:
            stack.append(CLOSE[OPEN.index(char)])
        elif char in CLOSE:
            if not stack or stack.pop() != char:
                return False
    return not stack and text.count('"') % 2 == 0


def identifiers(text: str) -> list[str]:
    """Identifier tokens of a Lean expression (dotted names split at dots)."""
    return _IDENT_RE.findall(text)


def replace_identifier(text: str, name: str, replacement: str) -> str:
    """Replace whole-identifier occurrences of `name` (not parts of longer names or `x.name`)."""
    pattern = re.compile(r"(?<![\w.'✝])" + re.escape(name) + r"(?![\w'!?✝₀-₉])")
    return pattern.sub(replacement, text)


def definition_body(declaration: str) -> str | None:
    """The text after a declaration's top-level `:=` (brackets, comments and strings skipped),
    without the blank space after `:=` on its line and at the end; None when there is no `:=`.
    (The header before it is `lean_env.source.split_statement`.)"""
    masked = mask_comments_and_strings(declaration)
    depth = 0
    for index, char in enumerate(masked):
        if char in "([{⟨":
            depth += 1
        elif char in ")]}⟩":
            depth -= 1
        elif depth == 0 and masked.startswith(":=", index):
            return declaration[index + 2:].lstrip(" \t").rstrip()
    return None
