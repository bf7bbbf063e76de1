"""Premise retrieval: the library theorems most relevant to a goal, by BM25 over their
statements (:mod:`lean_env.library_index`), and what the prover does with them.

    retriever = PremiseRetriever(load_or_build_index(toolchain))
    retriever.retrieve("a b c : Nat\\nh : a ∣ b\\nh2 : a ∣ c\\n⊢ a ∣ b + c", k=5)   # [Nat.dvd_add, …]

Tokens (:func:`lean_tokens`): identifiers are split at `.` and `_` (`Nat.dvd_add` gives `nat`,
`dvd`, `add`; dot notation `n.gcd m` gives `gcd`), operators become the words a lemma's name
uses (`∣` → `dvd`, `%` → `mod`, `++` → `append`, `≤` → `le`, …), the literals 0, 1, 2 become
`zero`, `one`, `two`; one-letter names (bound variables) are dropped. A premise document is
its name (twice) and statement; a goal query is its hypotheses and target, with the target's
tokens counted twice, and binder and hypothesis names are left out of both. Only premises of modules the theorem's file can see are returned (a file with
no `import` sees `Init` only). BM25 is `bm25s` (Lucene variant, k1 = 1.2, b = 0.75).

Uses of retrieved premises:

- :func:`premise_tactics`: candidate tactics naming them — `rw [P]` and `simp [P]` for an
  equation or `↔`, `apply P` otherwise, and `simp [P₁, P₂, P₃]` for the top three — with
  small prior scores (they are guesses that Lean checks like any candidate);
- :func:`augmented_state`: ReProver's premise-augmented policy input (each premise as
  `<a>NAME</a> STATEMENT` and a blank line, best premise nearest the state, within a byte budget);
- :func:`premises_named`: the index premises a tactic names (training data keeps them).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

if TYPE_CHECKING:
    from lean_prover.lean_env.library_index import Premise, PremiseIndex

_SYMBOL_WORDS = (
    ("++", "append"), ("::", "cons"), ("∣", "dvd"), ("%", "mod"), ("+", "add"), ("*", "mul"), ("-", "sub"),
    ("/", "div"), ("^", "pow"), ("≤", "le"), ("≥", "le"), ("<", "lt"), (">", "lt"), ("≠", "ne"), ("=", "eq"),
    ("↔", "iff"), ("∧", "and"), ("∨", "or"), ("¬", "not"), ("∈", "mem"), ("∉", "mem"), ("∃", "exists"),
    ("→", "imp"), ("⊆", "subset"), ("∘", "comp"), ("⁻¹", "inv"),
)
TOKENIZER_VERSION = 1  # bump when the tokens change: cached BM25 matrices are keyed by it
_NUMBER_WORDS = {"0": "zero", "1": "one", "2": "two"}
_TOKEN_RE = re.compile(r"[^\W\d][\w'!?₀-₉]*(?:\.[^\W\d][\w'!?₀-₉]*)*|\d+|" +
                       "|".join(re.escape(s) for s, _ in _SYMBOL_WORDS))
_SYMBOLS = dict(_SYMBOL_WORDS)
_STOP = {"type", "prop", "sort", "fun", "by", "let", "have", "with", "then", "else", "if", "in"}


def lean_tokens(text: str, skip: set[str] = frozenset()) -> list[str]:
    """The retrieval tokens of Lean text (module docstring); identifiers in `skip` (local names)
    are left out."""
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        word = match.group(0)
        if word in _SYMBOLS:
            tokens.append(_SYMBOLS[word])
        elif word.isdigit():
            if word in _NUMBER_WORDS:
                tokens.append(_NUMBER_WORDS[word])
        elif word not in skip:
            dotted = word.split(".")
            if dotted[0] in skip:  # `xs.length`: dot notation on a local
                dotted = dotted[1:]
            for part in re.split(r"[._]", ".".join(dotted)):
                part = part.strip("'!?").lower()
                if len(part) > 1 and part not in _STOP and not re.fullmatch(r"[a-z][0-9₀-₉']*|ih", part):
                    tokens.append(part)
    return tokens


_BINDER_NAMES_RE = re.compile(r"[({⦃\[]\s*([^:(){}\[\]⦃⦄]+?)\s*:")


def premise_tokens(name: str, statement: str) -> list[str]:
    """A premise document's tokens: its name's parts twice, then its statement without the
    binder names (`{xs ys : List α}` says nothing about what the lemma is for)."""
    binders = {word for group in _BINDER_NAMES_RE.findall(statement) for word in group.split()}
    rest = statement[len(name):] if statement.startswith(name) else statement
    return lean_tokens(name) * 2 + lean_tokens(rest, binders)


def goal_query(state: str) -> list[str]:
    """Query tokens of a goal text: hypothesis types once, targets (`⊢ …` lines) twice; the
    names of hypotheses and variables are left out."""
    local = {name for line in state.split("\n") if " : " in line and not line.strip().startswith("⊢")
             for name in line.split(" : ", 1)[0].split()}
    tokens: list[str] = []
    for line in state.split("\n"):
        stripped = line.strip()
        if stripped.startswith("⊢"):
            tokens += lean_tokens(stripped[1:], local) * 2
        elif " : " in stripped:
            tokens += lean_tokens(stripped.split(" : ", 1)[1], local)
        elif not stripped.startswith("case "):
            tokens += lean_tokens(stripped, local)
    return tokens


@dataclass(frozen=True)
class Retrieved:
    """A retrieved premise and its BM25 score."""

    premise: "Premise"
    score: float


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
                partial = cache_folder.with_name(cache_folder.name + ".partial")
                self._bm25.save(str(partial))
                partial.rename(cache_folder)
        self._modules = np.array([p.module for p in index.premises])
        self._masks: dict[frozenset[str], np.ndarray] = {}
        self._lock = threading.Lock()

    def mask(self, imports: Iterable[str]) -> np.ndarray:
        """1.0 for premises a file with these imports can use, else 0.0 (cached per import set)."""
        key = frozenset(imports)
        with self._lock:
            if key not in self._masks:
                visible = self.index.visible(key)
                self._masks[key] = np.isin(self._modules, list(visible)).astype(np.float32)
            return self._masks[key]

    def retrieve(self, state: str, k: int = 8, imports: Iterable[str] = ()) -> list[Retrieved]:
        """The `k` best premises for a goal text, best first (only those with a positive score)."""
        query = [t for t in goal_query(state) if t in self._bm25.vocab_dict]
        if not query or k <= 0:
            return []
        with self._lock:
            scores = self._bm25.get_scores(query)
        scores = scores * self.mask(imports)
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        ranked = sorted(top, key=lambda i: (-scores[i], self.index.premises[i].name))
        return [Retrieved(self.index.premises[i], float(scores[i])) for i in ranked if scores[i] > 0]


class LazyRetriever:
    """A :class:`PremiseRetriever` built on its first query (building the index can take minutes
    on the embedded Lean; a run whose theorems all fall to the first pass never needs it)."""

    def __init__(self, load: Callable[[], PremiseRetriever]):
        self._load, self._retriever = load, None
        self._lock = threading.Lock()

    def retrieve(self, state: str, k: int = 8, imports: Iterable[str] = ()) -> list[Retrieved]:
        """The loaded retriever's answer."""
        with self._lock:
            if self._retriever is None:
                self._retriever = self._load()
        return self._retriever.retrieve(state, k, imports)


def conclusion(statement: str) -> str:
    """The conclusion of a `#check`-style signature (`NAME BINDERS : TYPE` → the text after the
    first top-level ` : `, then after the last top-level `→` or `∀ …,`)."""
    depth, cut = 0, -1
    for i, ch in enumerate(statement):
        if ch in "([{⦃⟨":
            depth += 1
        elif ch in ")]}⦄⟩":
            depth -= 1
        elif depth == 0 and statement.startswith(" : ", i):
            cut = i + 3
            break
    text = statement[cut:] if cut >= 0 else statement
    depth, last = 0, 0
    for i, ch in enumerate(text):
        if ch in "([{⦃⟨":
            depth += 1
        elif ch in ")]}⦄⟩":
            depth -= 1
        elif depth == 0 and ch == "→":
            last = i + 1
        elif depth == 0 and ch == "," and text.lstrip().startswith("∀"):
            last = i + 1
    return text[last:].strip()


def is_rewrite_rule(statement: str) -> bool:
    """True when the conclusion is an equation or an `↔` at the top level."""
    text, depth = conclusion(statement), 0
    for i, ch in enumerate(text):
        if ch in "([{⦃⟨":
            depth += 1
        elif ch in ")]}⦄⟩":
            depth -= 1
        elif depth == 0 and (ch == "↔" or (ch == "=" and text[i - 1:i] not in ("≠", ":", "<", ">", "!")
                                            and text[i + 1:i + 2] != ">")):
            return True
    return False


PREMISE_SCORES = {"rw": 0.06, "simp": 0.05, "apply": 0.05, "simp_all": 0.03}


def premise_tactics(retrieved: list[Retrieved], per_premise: int = 3, combined: int = 3) -> list[tuple[str, float, str]]:
    """Candidate tactics naming the retrieved premises: (tactic, prior score, premise names
    joined by spaces), best first. Scores are small and fall with the premise's rank."""
    tactics: dict[str, tuple[float, str]] = {}

    def add(tactic: str, score: float, names: str) -> None:
        if tactic not in tactics or tactics[tactic][0] < score:
            tactics[tactic] = (score, names)

    for rank, item in enumerate(retrieved[:per_premise]):
        name, decay = item.premise.name, 1.0 / (1 + rank)
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
    for word in re.findall(r"[^\W\d][\w'!?.]*", tactic):
        name = word.rstrip(".")
        for candidate in (name, name.rsplit(".", 1)[0] if name.endswith((".mp", ".mpr", ".1", ".2", ".symm")) else ""):
            if candidate and index.get(candidate) is not None and candidate not in found:
                found.append(candidate)
                break
    return found
