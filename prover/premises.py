"""Premise retrieval: the library theorems most relevant to a goal, by BM25 over their
statements (:mod:`lean_env.library_index`), and what the prover does with them.

    retriever = PremiseRetriever(load_or_build_index(toolchain))
    retriever.retrieve("a b c : Nat\\nh : a ∣ b\\nh2 : a ∣ c\\n⊢ a ∣ b + c", k=5)   # [Nat.dvd_add, …]

Tokens (:func:`lean_tokens`, read from :mod:`lean_env.lexer`'s tokens; a goal's hypotheses and
target from :func:`lean_env.goals.parse_goals`): identifiers are split at `.` and `_` (`Nat.dvd_add` gives `nat`,
`dvd`, `add`; dot notation `n.gcd m` gives `gcd`), operators become the words a lemma's name
uses (`∣` → `dvd`, `%` → `mod`, `++` → `append`, `≤` → `le`, …), the literals 0, 1, 2 become
`zero`, `one`, `two`; one-letter names (bound variables) are dropped. A premise document is
its name (twice) and statement; a goal query is its hypotheses and target, with the target's
tokens counted twice, and binder and hypothesis names are left out of both. Only premises of
modules the theorem's file can see are returned (a file with no `import` sees `Init` only). BM25 is `bm25s` (Lucene variant, k1 = 1.2, b = 0.75).

Uses of retrieved premises:

- :func:`premise_tactics`: candidate tactics naming them — `rw [P]` and `simp [P]` for an
  equation or `↔`, `apply P` otherwise, and `simp [P₁, P₂, P₃]` for the top three — with
  small prior scores (they are guesses that Lean checks like any candidate);
- :func:`augmented_state`: ReProver's premise-augmented policy input (each premise as
  `<a>NAME</a> STATEMENT` and a blank line, best premise nearest the state, within a byte budget);
- :func:`premises_named`: the index premises a tactic names (training data keeps them).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from lean_prover.lean_env.goals import parse_goals
from lean_prover.lean_env.lexer import Token, code_tokens
from lean_prover.lean_env.shared_folder import publish_folder
from lean_prover.prover.premise_match import (CONCLUSION, EXACT, NONE, Fit, GoalWords, LemmaShape, conclusion, fit,
                                              goal_words, lemma_application, lemma_shape, top_level)

if TYPE_CHECKING:
    from lean_prover.lean_env.library_index import Premise, PremiseIndex

_SYMBOL_WORDS = {
    "++": "append", "::": "cons", "∣": "dvd", "%": "mod", "+": "add", "*": "mul", "-": "sub", "/": "div", "^": "pow",
    "≤": "le", "≥": "le", "<": "lt", ">": "lt", "≠": "ne", "=": "eq", "↔": "iff", "∧": "and", "∨": "or", "¬": "not",
    "∈": "mem", "∉": "mem", "∃": "exists", "→": "imp", "->": "imp", "⊆": "subset", "∘": "comp", "⁻¹": "inv",
    "<=": "le", ">=": "le", "==": "beq", "!=": "bne",
}
_JOINED_SYMBOLS = frozenset(s for s in _SYMBOL_WORDS if len(s) > 1)  # written as adjacent one-character tokens
TOKENIZER_VERSION = 2  # bump when the tokens change: cached BM25 matrices are keyed by it
_NUMBER_WORDS = {"0": "zero", "1": "one", "2": "two"}
_STOP = frozenset({"type", "prop", "sort"})
_INDEX_CHARS = frozenset("0123456789₀₁₂₃₄₅₆₇₈₉'")
_BINDER_OPENERS = frozenset({"(", "{", "⦃", "["})
_PROOF_SUFFIXES = ("mp", "mpr", "symm")


def _symbols(tokens: list[Token]) -> list[tuple[Token, str]]:
    """The tokens with adjacent one-character symbols joined where they spell one operator
    (`+` `+` → `++`, `⁻` `¹` → `⁻¹`): (first token, text)."""
    joined: list[tuple[Token, str]] = []
    for token in tokens:
        if joined and token.kind == "symbol" and joined[-1][0].kind == "symbol":
            first, text = joined[-1]
            previous_end = first.start + len(text)
            if previous_end == token.start and text + token.text in _JOINED_SYMBOLS:
                joined[-1] = (first, text + token.text)
                continue
        joined.append((token, token.text))
    return joined


def _name_words(name: str) -> list[str]:
    """The retrieval words of one name: its parts at `.` and `_`, lower-cased, without
    one-letter names and variable-like ones (`h2`, `x'`, `a₁`, `ih`) and kind words (`Type`)."""
    words = []
    for part in name.replace("_", ".").split("."):
        part = part.strip("'!?").lower()
        variable_like = part == "ih" or (part[:1].isascii() and part[:1].isalpha()
                                         and all(c in _INDEX_CHARS for c in part[1:]))
        if len(part) > 1 and part not in _STOP and not variable_like:
            words.append(part)
    return words


def lean_tokens(text: str, skip: Iterable[str] = frozenset()) -> list[str]:
    """The retrieval tokens of Lean text (module docstring), from the tokens of
    :mod:`lean_env.lexer`; identifiers in `skip` (local names) are left out."""
    skip = set(skip)
    words: list[str] = []
    for token, symbol in _symbols(code_tokens(text)):
        if token.kind == "symbol":
            if symbol in _SYMBOL_WORDS:
                words.append(_SYMBOL_WORDS[symbol])
        elif token.kind == "number":
            if token.text in _NUMBER_WORDS:
                words.append(_NUMBER_WORDS[token.text])
        elif token.kind == "ident" and token.value not in skip:
            parts = token.value.split(".")
            if parts[0] in skip:  # `xs.length`: dot notation on a local
                parts = parts[1:]
            words += _name_words(".".join(parts))
    return words


def binder_names(statement: str) -> set[str]:
    """The names a signature binds in brackets (`{xs ys : List α}` → xs, ys; `[inst : C]` → inst)."""
    tokens = code_tokens(statement)
    names: set[str] = set()
    for index, token in enumerate(tokens):
        if token.text not in _BINDER_OPENERS:
            continue
        group = []
        for follower in tokens[index + 1:]:
            if follower.kind != "ident":
                if follower.text == ":":
                    names.update(group)
                break
            group.append(follower.value)
    return names


def premise_tokens(name: str, statement: str) -> list[str]:
    """A premise document's tokens: its name's parts twice, then its statement without the
    binder names (`{xs ys : List α}` says nothing about what the lemma is for)."""
    rest = statement[len(name):] if statement.startswith(name) else statement
    return lean_tokens(name) * 2 + lean_tokens(rest, binder_names(statement))


def goal_query(state: str) -> list[str]:
    """Query tokens of a goal text (:func:`lean_env.goals.parse_goals`): hypothesis types once,
    targets twice; the names of hypotheses and variables are left out."""
    goals = parse_goals(state)
    if not goals:
        return lean_tokens(state)
    local = {name for goal in goals for name in goal.names}
    tokens: list[str] = []
    for goal in goals:
        for hypothesis in goal.hypotheses:
            tokens += lean_tokens(hypothesis.type, local)
        tokens += lean_tokens(goal.target, local) * 2
    return tokens


@dataclass(frozen=True)
class Retrieved:
    """A retrieved premise, its BM25 score, and how it fits the goal (:mod:`prover.premise_match`)."""

    premise: "Premise"
    score: float
    fit: Fit = NONE


RERANKED = 64  # BM25's best premises that retrieval orders by how they fit the goal


class PremiseRetriever:
    """BM25 over a :class:`lean_env.library_index.PremiseIndex` (module docstring)."""

    def __init__(self, index: "PremiseIndex", cache_folder: Path | None = None):
        """`cache_folder`: where the BM25 matrices are kept (built there on first use); by
        default beside the index's own cache."""
        import bm25s

        self.index = index
        if cache_folder is None and index.folder is not None:
            cache_folder = index.folder / f"bm25-v{TOKENIZER_VERSION}"
        if cache_folder is not None and (cache_folder / "params.index.json").is_file():
            self._bm25 = bm25s.BM25.load(str(cache_folder))
        else:
            self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self._bm25.index([premise_tokens(p.name, p.statement) for p in index.premises], show_progress=False)
            if cache_folder is not None:
                publish_folder(cache_folder, lambda scratch: self._bm25.save(str(scratch)))
        self._modules = np.array([p.module for p in index.premises])
        self._masks: dict[frozenset[str], np.ndarray] = {}
        self._shapes: dict[int, LemmaShape | None] = {}
        self._lock = threading.Lock()

    def mask(self, imports: Iterable[str]) -> np.ndarray:
        """1.0 for premises a file with these imports can use, else 0.0 (cached per import set)."""
        key = frozenset(imports)
        with self._lock:
            if key not in self._masks:
                visible = self.index.visible(key)
                self._masks[key] = np.isin(self._modules, list(visible)).astype(np.float32)
            return self._masks[key]

    def retrieve(self, state: str, k: int = 8, imports: Iterable[str] = (),
                 reranked: int = RERANKED) -> list[Retrieved]:
        """The `k` best premises for a goal text, best first (only those with a positive score):
        of BM25's best `reranked` (at least `k`), those that fit the goal best
        (:func:`prover.premise_match.fit`: closing it, then concluding it, then rewriting it),
        each fit level in BM25 order; `reranked=0`: BM25's order alone."""
        query = [t for t in goal_query(state) if t in self._bm25.vocab_dict]
        if not query or k <= 0:
            return []
        with self._lock:
            scores = self._bm25.get_scores(query)
        scores = scores * self.mask(imports)
        pool = min(max(k, reranked), len(scores))
        top = [i for i in np.argpartition(-scores, pool - 1)[:pool] if scores[i] > 0]
        goal = goal_words(state) if reranked else None
        fits = {i: self._fit(int(i), goal) for i in top}
        ranked = sorted(top, key=lambda i: (-fits[i], -scores[i], self.index.premises[i].name))[:k]
        return [Retrieved(self.index.premises[i], float(scores[i]), fits[i]) for i in ranked]

    def _fit(self, position: int, goal: GoalWords | None) -> Fit:
        """How the premise at `position` fits the goal (its pattern read once and kept)."""
        if goal is None:
            return NONE
        if position not in self._shapes:
            self._shapes[position] = lemma_shape(self.index.premises[position].statement)
        shape = self._shapes[position]
        return NONE if shape is None else fit(shape, goal)


class LazyRetriever:
    """A :class:`PremiseRetriever` built on its first query (building the index can take minutes
    on the embedded Lean; a run whose theorems all fall to the first pass never needs it). A
    load that failed is not tried again: with `on_failure`, the failure is reported there once
    (one line) and every query answers no premises, so the searches go on without them;
    without it, every query raises the same error."""

    def __init__(self, load: Callable[[], PremiseRetriever], on_failure: Callable[[str], None] | None = None):
        self._load, self._retriever = load, None
        self._on_failure = on_failure
        self._failure: Exception | None = None
        self._lock = threading.Lock()

    def retrieve(self, state: str, k: int = 8, imports: Iterable[str] = (),
                 reranked: int = RERANKED) -> list[Retrieved]:
        """The loaded retriever's answer."""
        with self._lock:
            if self._failure is None and self._retriever is None:
                try:
                    self._retriever = self._load()
                except Exception as exc:
                    self._failure = exc
                    if self._on_failure is not None:
                        self._on_failure(f"premise index unavailable ({exc}); searching without premises")
            if self._failure is not None:
                if self._on_failure is not None:
                    return []
                raise self._failure
        return self._retriever.retrieve(state, k, imports, reranked)


def is_rewrite_rule(statement: str) -> bool:
    """True when the conclusion is an equation or an `↔` at the top level."""
    joined = _symbols(top_level(code_tokens(conclusion(statement))))
    return any(text == "↔" or (token.kind == "symbol" and text == "=") for token, text in joined)


PREMISE_SCORES = {"exact": 0.3, "concludes": 0.1, "rw": 0.06, "simp": 0.05, "apply": 0.05, "simp_all": 0.03}


def premise_tactics(retrieved: list[Retrieved], per_premise: int = 3, combined: int = 3) -> list[tuple[str, float, str]]:
    """Candidate tactics naming the retrieved premises: (tactic, prior score, premise names
    joined by spaces), best first. Scores are small and fall with the premise's rank; a premise
    that closes the goal (fit `EXACT`) also gives `exact NAME ARGS` (:func:`lemma_application`)
    and one whose conclusion is the target gives `apply NAME`, both scored higher."""
    tactics: dict[str, tuple[float, str]] = {}

    def add(tactic: str, score: float, names: str) -> None:
        if tactic not in tactics or tactics[tactic][0] < score:
            tactics[tactic] = (score, names)

    for rank, item in enumerate(retrieved[:per_premise]):
        name, decay = item.premise.name, 1.0 / (1 + rank)
        application = lemma_application(item.premise.statement) if item.fit == EXACT else None
        if application is not None:
            add(f"exact {application}", PREMISE_SCORES["exact"] * decay, name)
        if item.fit >= CONCLUSION:
            add(f"apply {name}", PREMISE_SCORES["concludes"] * decay, name)
        if is_rewrite_rule(item.premise.statement):
            add(f"rw [{name}]", PREMISE_SCORES["rw"] * decay, name)
            add(f"simp [{name}]", PREMISE_SCORES["simp"] * decay, name)
        else:
            add(f"apply {name}", PREMISE_SCORES["apply"] * decay, name)
    names = [item.premise.name for item in retrieved[:combined]]
    if len(names) > 1:
        add(f"simp [{', '.join(names)}]", PREMISE_SCORES["simp"] * 0.8, " ".join(names))
        add(f"simp_all [{', '.join(names)}]", PREMISE_SCORES["simp_all"], " ".join(names))
    return sorted(((t, s, n) for t, (s, n) in tactics.items()), key=lambda x: (-x[1], x[0]))


def augmented_state(state: str, premises: list["Premise"], max_bytes: int = 2048) -> str:
    """ReProver's premise-augmented input: premises (best first in `premises`) each as
    `<a>NAME</a> STATEMENT` and a blank line, the best one nearest the state, as many as fit in
    `max_bytes` together with the state, then the state."""
    budget = max_bytes - len(state.encode("utf-8"))
    text, used = "", 0
    for premise in premises:
        rest = premise.statement[len(premise.name):].lstrip() if premise.statement.startswith(premise.name) \
            else premise.statement
        block = f"<a>{premise.name}</a> {rest}\n\n"
        size = len(block.encode("utf-8"))
        if used + size > budget:
            continue
        used += size
        text = block + text
    return text + state


def premises_named(tactic: str, index: "PremiseIndex") -> list[str]:
    """The index premises a tactic names (full names as written), in order of appearance."""
    found: list[str] = []
    for token in code_tokens(tactic):
        if token.kind != "ident":
            continue
        name = token.value
        stem, _, last = name.rpartition(".")
        for candidate in (name, stem if last in _PROOF_SUFFIXES else ""):
            if candidate and index.get(candidate) is not None and candidate not in found:
                found.append(candidate)
                break
    return found
