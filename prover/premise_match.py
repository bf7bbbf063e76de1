"""Library lemmas read as patterns: what a lemma's signature says, how to apply it, and how well
it fits a goal.

A lemma of the premise index (:mod:`lean_env.library_index`) is kept as Lean prints it,
`NAME BINDERS : H₁ → … → C`. Read as a pattern (:class:`LemmaShape`), its binder names and the
names of a leading `∀ …,` are variables, `C` is its conclusion, and its hypotheses are its
proof binders (`(h : a ∣ b)`, not values such as `(n : Nat)`) and the `→` premises.

:func:`fit` says how a lemma fits the first goal of a state, on Lean's tokens
(:mod:`lean_env.lexer`; field notation `x.f y` on a variable or a local whose type is in
namespace `T` is read as `T.f x y`, so a lemma Lean prints as `m.gcd n` fits a statement
written `Nat.gcd a b`):

- ``EXACT``: the conclusion matches the target and every hypothesis, instantiated, matches a
  local hypothesis (`exact NAME (by assumption) …` closes the goal);
- ``CONCLUSION``: the conclusion matches the target (`apply NAME` leaves its hypotheses as goals);
- ``REWRITE``: the conclusion is an equation or `↔` whose left side (with at least two
  constant tokens, so `a + b` alone does not count) matches a part of the target (`rw [NAME]`);
- ``NONE`` otherwise.

A variable matches one token or a balanced span; a span that holds operators must bind at
least as tightly as the operators beside the variable in the pattern (`a + b` matches
`x * y + z`; `a * b` does not match `x + y * z`), and beside a juxtaposed name (an
application) a variable matches only one token or one bracketed group. A variable matches the
same text each time it occurs. BM25 (:mod:`prover.premises`) finds the lemmas that talk about
the goal's words; the fit says which of them can close or rewrite it, which BM25 cannot see
(`Nat.gcd_eq_left : m ∣ n → m.gcd n = m` for `a.gcd b = a` among forty `gcd` lemmas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lean_prover.lean_env.goals import Goal, parse_goals
from lean_prover.lean_env.lexer import CLOSING_BRACKETS, OPENING_BRACKETS, Token, code_tokens
from lean_prover.prover.statement import Statement, StatementError, parse_statement

Fit = Literal[0, 1, 2, 3]
NONE: Fit = 0
REWRITE: Fit = 1
CONCLUSION: Fit = 2
EXACT: Fit = 3

_DATA_HEADS = frozenset({"Nat", "Int", "Bool", "List", "Option", "Fin", "BitVec", "Array", "String", "Char", "Prop",
                         "Type", "Sort", "Rat", "Unit", "Prod", "Sum", "UInt8", "UInt32", "UInt64", "Float"})
_TYPE_VARIABLE = re.compile(r"^[α-ωA-Z][₀-₉']*$")
_UNIVERSES = re.compile(r"^(\S+?)\.\{[^}]*\}")
# Lean 4 precedences of the operators as the lexer gives them (`++` is two `+`, `::` two `:`);
# binders (`∀`, `∃`, `fun`, `,`) reach as far right as they can: precedence 0.
_PRECEDENCE = {"↔": 20, "→": 25, "∨": 30, "|": 30, "∧": 35, "&": 35, "×": 35, "¬": 40,
               "=": 50, "≠": 50, "<": 50, ">": 50, "≤": 50, "≥": 50, "∣": 50, "∈": 50, "∉": 50, "⊆": 50,
               "+": 65, "-": 65, ":": 67, "*": 70, "/": 70, "%": 70, "•": 73, "^": 75, "∘": 90,
               "∀": 0, "∃": 0, "fun": 0, "λ": 0, ",": 0}
_RIGHT_ASSOCIATIVE = frozenset({"→", "∨", "∧", "^", "∘", ":", "×"})
_ATOM = 1024  # an application or a single token binds tighter than every operator
_MAX_STEPS = 4000  # matching work per (pattern, text) pair: the worst case is exponential


def is_value_type(type_text: str) -> bool:
    """Whether a hypothesis of this type is a value (`n : Nat`, `f : Nat → Nat`, `xs : List α`)
    rather than a proof (`h : a ∣ b`): its type (the codomain, for a function) is a data type
    such as `Nat` or `List α`, or a type variable."""
    codomain = re.split(r"→|->", type_text)[-1].strip().strip("()")
    head = codomain.split()[0] if codomain.split() else ""
    return head in _DATA_HEADS or bool(_TYPE_VARIABLE.match(head))


def signature(statement: str) -> Statement | None:
    """A premise's `NAME.{u} BINDERS : TYPE` read as a statement (universe parameters dropped),
    or None when it cannot be read."""
    plain = _UNIVERSES.sub(lambda found: found.group(1), statement.strip())
    try:
        return parse_statement(f"theorem {plain}")
    except StatementError:
        return None


def top_level(tokens: list[Token]) -> list[Token]:
    """The tokens outside every bracket."""
    depth, found = 0, []
    for token in tokens:
        if token.text in OPENING_BRACKETS or token.kind == "quote_open":
            depth += 1
        elif token.text in CLOSING_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0:
            found.append(token)
    return found


def _leading_binders(text: str) -> tuple[list[str], str]:
    """The names a leading `∀ x (y : T) {z}, …` binds and the text after its `,` (repeated)."""
    names: list[str] = []
    while True:
        tokens = code_tokens(text)
        if not tokens or tokens[0].text != "∀":
            return names, text
        comma = next((t for t in top_level(tokens[1:]) if t.text == ","), None)
        if comma is None:
            return names, text
        before_colon = True
        for token in tokens[1:]:
            if token.start >= comma.start:
                break
            if token.text == ":":
                before_colon = False
            elif token.text in OPENING_BRACKETS or token.text in CLOSING_BRACKETS:
                before_colon = True
            elif token.kind == "ident" and before_colon:
                names.append(token.value)
        text = text[comma.end:].strip()


def premises_and_conclusion(type_text: str) -> tuple[list[str], list[str], str]:
    """A lemma type's `∀`-bound names, `→` premises and conclusion (`∀ {a}, P a → Q a` →
    (["a"], ["P a"], "Q a"))."""
    names, text = _leading_binders(type_text)
    premises: list[str] = []
    while True:
        arrow = next((t for t in top_level(code_tokens(text)) if t.text in ("→", "->")), None)
        if arrow is None:
            more, rest = _leading_binders(text)
            if not more:
                return names, premises, text.strip()
            names += more
            text = rest
            continue
        premises.append(text[:arrow.start].strip())
        text = text[arrow.end:]


def conclusion(statement: str) -> str:
    """The conclusion of a `#check`-style signature (`NAME BINDERS : TYPE` → the type after its
    leading `∀ …,` and its `→` premises)."""
    top = top_level(code_tokens(statement))
    colon = next((t for t in top if t.text == ":"), None)
    return premises_and_conclusion(statement[colon.end:] if colon is not None else statement)[2]


def lemma_application(statement: str) -> str | None:
    """A library theorem applied to what Lean can find for each explicit argument of its
    signature (`NAME BINDERS : TYPE`, as the premise index keeps it): `_` for a value,
    `(by assumption)` for a proof and for each `→` premise (`Nat.dvd_add {a b c : Nat} (h₁ : a ∣
    b) (h₂ : a ∣ c) : …` → `Nat.dvd_add (by assumption) (by assumption)`); None when the
    signature cannot be read."""
    parsed = signature(statement)
    if parsed is None:
        return None
    arguments = ["_" if is_value_type(binder.type) else "(by assumption)"
                 for binder in parsed.binders if binder.bracket == "(" for _ in binder.names]
    arguments += ["(by assumption)"] * len(premises_and_conclusion(parsed.target)[1])
    return " ".join([parsed.name, *arguments])


def type_head(type_text: str) -> str:
    """The namespace a value of this type takes field notation from (`List α` → `List`), or ""
    for a type variable, a function type or a `Prop`."""
    words = type_text.split()
    if not words or any(arrow in type_text for arrow in ("→", "->")) or not words[0][:1].isascii() \
            or not words[0][:1].isupper() or words[0] in ("Prop", "Type", "Sort"):
        return ""
    return words[0].strip("()")


def _words(text: str, variables: dict[str, str]) -> tuple[str, ...]:
    """Lean's tokens of `text` as strings; field notation on a variable `x.f`, when the namespace
    `T` of x's type is known, is written as the application `T.f x` (so `m.gcd n` and `Nat.gcd m
    n` are the same words), else as `x` and `.f`."""
    words: list[str] = []
    for token in code_tokens(text):
        if token.kind == "ident":
            head, dot, rest = token.value.partition(".")
            if dot and head in variables:
                namespace = variables[head]
                field, _, more = rest.partition(".")
                words += [f"{namespace}.{field}", head] if namespace else [head, f".{field}"]
                words += [f".{more}"] if more else []
            else:
                words.append(token.value)
        else:
            words.append(token.text)
    return tuple(words)


@dataclass(frozen=True)
class LemmaShape:
    """A lemma as a pattern: its variables, conclusion and hypotheses as token sequences, and
    the left side of its conclusion when that is an equation or `↔`."""

    variables: frozenset[str]
    conclusion: tuple[str, ...]
    hypotheses: tuple[tuple[str, ...], ...]
    rewrite_side: tuple[str, ...] | None


def lemma_shape(statement: str) -> LemmaShape | None:
    """The pattern of a premise's statement (module docstring), or None when it cannot be read."""
    parsed = signature(statement)
    if parsed is None:
        return None
    bound, premises, final = premises_and_conclusion(parsed.target)
    typed = {n: type_head(b.type) for b in parsed.binders for n in b.names}
    variables = frozenset(bound) | frozenset(typed)
    namespaces = {**{n: "" for n in bound}, **typed}
    proofs = [b.type for b in parsed.binders if b.bracket in ("(", "{", "⦃") and not is_value_type(b.type)
              for _ in b.names]
    words = _words(final, namespaces)
    side = None
    depth = 0
    for index, word in enumerate(words):
        depth += word in OPENING_BRACKETS
        depth -= word in CLOSING_BRACKETS
        if depth == 0 and word in ("=", "↔") and 0 < index < len(words) - 1:
            if word == "=" and (words[index - 1] in ("=", "!", "<", ">") or words[index + 1] in ("=", ">")):
                continue  # `==`, `!=`, `<=`, `>=`, `=>`
            left = words[:index]
            if sum(w not in variables and w not in OPENING_BRACKETS and w not in CLOSING_BRACKETS
                   for w in left) >= 2:
                side = left
            break
    return LemmaShape(variables, words, tuple(_words(p, namespaces) for p in proofs + premises), side)


def _group_end(text: tuple[str, ...], start: int) -> int:
    """The index after the bracketed group opening at `start` (or `start + 1` for one token)."""
    if text[start] not in OPENING_BRACKETS:
        return start + 1
    depth = 0
    for index in range(start, len(text)):
        depth += text[index] in OPENING_BRACKETS
        depth -= text[index] in CLOSING_BRACKETS
        if depth == 0:
            return index + 1
    return len(text)


def _span_precedence(span: tuple[str, ...]) -> int:
    """How tightly a span binds: the lowest precedence of its top-level operators."""
    depth, lowest = 0, _ATOM
    for word in span:
        if word in OPENING_BRACKETS:
            depth += 1
        elif word in CLOSING_BRACKETS:
            depth -= 1
        elif depth == 0 and word in _PRECEDENCE:
            lowest = min(lowest, _PRECEDENCE[word])
    return lowest


def _juxtaposed(word: str | None) -> bool:
    """Whether a pattern word beside a variable makes it an argument of an application."""
    return word is not None and word not in _PRECEDENCE and word not in OPENING_BRACKETS \
        and word not in CLOSING_BRACKETS and word not in ("=", ":=", ".")


def _allowed(pattern: tuple[str, ...], at: int, span: tuple[str, ...]) -> bool:
    """Whether a variable at `pattern[at]` may stand for `span`."""
    if span[0] in CLOSING_BRACKETS or span[-1] in OPENING_BRACKETS:
        return False
    if (span[0] in _PRECEDENCE and span[0] not in ("¬", "-", "∀", "∃", "fun", "λ")) or span[-1] in _PRECEDENCE:
        return False
    depth = 0
    for word in span:
        depth += word in OPENING_BRACKETS
        depth -= word in CLOSING_BRACKETS
        if depth < 0:
            return False
    if depth != 0:
        return False
    atomic = len(span) == 1 or _group_end(span, 0) == len(span)
    left = pattern[at - 1] if at > 0 else None
    right = pattern[at + 1] if at + 1 < len(pattern) else None
    if not atomic and (_juxtaposed(left) or _juxtaposed(right) or (right or "").startswith(".")):
        return False
    binds = _span_precedence(span)
    for neighbour, on_left in ((left, True), (right, False)):
        if neighbour not in _PRECEDENCE:
            continue
        needed = _PRECEDENCE[neighbour]
        associates = (neighbour in _RIGHT_ASSOCIATIVE) == on_left  # var on the side the operator groups
        if binds < needed or (binds == needed and not associates):
            return False
    return True


def _match(pattern: tuple[str, ...], text: tuple[str, ...], variables: frozenset[str],
           bound: dict[str, tuple[str, ...]], budget: list[int]) -> dict[str, tuple[str, ...]] | None:
    """Bindings that make `pattern` equal to all of `text` (extending `bound`), or None."""

    def walk(i: int, j: int, bindings: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]] | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if i == len(pattern):
            return bindings if j == len(text) else None
        word = pattern[i]
        if word in variables:
            if word in bindings:
                span = bindings[word]
                return walk(i + 1, j + len(span), bindings) if text[j:j + len(span)] == span else None
            for end in range(j + 1, len(text) + 1 - (len(pattern) - i - 1)):
                span = text[j:end]
                if _allowed(pattern, i, span):
                    found = walk(i + 1, end, {**bindings, word: span})
                    if found is not None:
                        return found
            return None
        return walk(i + 1, j + 1, bindings) if j < len(text) and text[j] == word else None

    return walk(0, 0, dict(bound))


def _constants(words: tuple[str, ...], variables: frozenset[str]) -> list[str]:
    return [w for w in words if w not in variables]


def _could_match(pattern: tuple[str, ...], variables: frozenset[str], text: tuple[str, ...]) -> bool:
    """A cheap necessary condition: every constant word of the pattern occurs in the text."""
    available = set(text)
    return all(w in available for w in _constants(pattern, variables))


@dataclass(frozen=True)
class GoalWords:
    """A goal's target and hypothesis types as word sequences (locals split off field names)."""

    target: tuple[str, ...]
    hypotheses: tuple[tuple[str, ...], ...]


def goal_words(state: str) -> GoalWords | None:
    """The first goal of a state as :class:`GoalWords`, or None when the state has no goal."""
    goals = parse_goals(state)
    if not goals:
        return None
    goal: Goal = goals[0]
    local = {name: type_head(h.type) for h in goal.hypotheses for name in h.names}
    return GoalWords(_words(goal.target, local), tuple(_words(h.type, local) for h in goal.hypotheses))


def fit(shape: LemmaShape, goal: GoalWords) -> Fit:
    """How the lemma fits the goal (module docstring)."""
    budget = [_MAX_STEPS]
    if _could_match(shape.conclusion, shape.variables, goal.target):
        bindings = _match(shape.conclusion, goal.target, shape.variables, {}, budget)
        if bindings is not None:
            for hypothesis in shape.hypotheses:
                found = None
                for local in goal.hypotheses:
                    if _could_match(hypothesis, shape.variables, local):
                        found = _match(hypothesis, local, shape.variables, bindings, budget)
                        if found is not None:
                            break
                if found is None:
                    return CONCLUSION
                bindings = found
            return EXACT
    side = shape.rewrite_side
    if side is not None and _could_match(side, shape.variables, goal.target):
        target = goal.target
        for start in range(len(target)):
            if side[0] not in shape.variables and target[start] != side[0]:
                continue
            end = _group_end(target, start)
            while end <= len(target):
                if _match(side, target[start:end], shape.variables, {}, budget) is not None:
                    return REWRITE
                if end == len(target) or budget[0] < 0:
                    break
                end = _group_end(target, end)
    return NONE
