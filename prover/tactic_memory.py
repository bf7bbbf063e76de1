"""A tactic memory: a step policy learned from our own proofs by remembering them.

Expert iteration collects (state, tactic) steps from proofs Lean checked; many name library
lemmas that Lean's suggestions or premise retrieval supplied (`exact Nat.dvd_add h h2`). A
tiny language model trained on a few dozen such steps does not learn to spell the names; this
memory does, the way retrieval-based provers reuse proofs of similar goals:

- **Similar states.** A state's tokens are :func:`prover.premises.goal_query`'s (hypothesis types
  once, targets twice, local names left out, operators as words); the similarity of two states
  is the weighted Jaccard index of their token counts (1.0: the same goal up to names). The
  `neighbours` most similar remembered states with similarity ≥ `min_similarity` are used, one
  per thing taught: a step whose tactic has the head and library lemmas of a closer one's
  (`exact Nat.le_of_lt h`, `exact @Nat.le_of_lt a b h`) takes no neighbour's place, so a
  lemma learned twice does not push out the next one, and neither does a step whose tactic
  cannot be adapted to the new state (it names a local the state lacks).
- **Their tactics, adapted.** A neighbour's tactic is proposed as it is when every local name it
  uses is a hypothesis of the new state (a value one of the same type); a tactic that names a
  library lemma and starts with `exact`/`apply`/`refine` is also proposed with the neighbour's
  local names replaced by what Lean can find for itself: `(by assumption)` for a proof, `_` for
  a value (`exact Nat.dvd_add h h2` → `exact Nat.dvd_add (by assumption) (by assumption)`),
  and as it is only when the proofs it names state the same here (`h : a * c < b * c` learned,
  `h : a < b` here: only the generalised form).
- **Their tactics' shapes, with the lemmas this goal needs.** With a premise retriever
  (:mod:`prover.premises`), a neighbour's `exact`/`apply`/`refine` that names one library lemma
  is also proposed with each of the `lemmas` premises retrieved for the new state in its place,
  applied to its own explicit arguments (:func:`lemma_application`: `_` for a value,
  `(by assumption)` for a proof; `apply P` for an `apply`): `exact Nat.dvd_trans h1 h2` learned
  on `a ∣ c` proposes `exact Nat.dvd_add (by assumption) (by assumption)` on `a ∣ b + c` and
  `exact Nat.gcd_eq_left (by assumption)` on `Nat.gcd m n = m`. The remembered step gives the
  shape of the tactic, retrieval the lemma; the r-th lemma (the neighbour's own last, in its
  generalised form, unless retrieved) scores `1/(1 + r)` of the generalised tactic.
- **Scores.** A proposal's probability is `SCALE · similarity` of the neighbour it came from
  (times `GENERALISED_FACTOR` for a generalised tactic; its best, when several propose it); a
  tactic the wrapped policy proposes too keeps the better of its two scores
  (:func:`prover.policy.merge`), so the memory also moves up what worked in similar states.

:class:`MemoryPolicy` wraps a step policy and adds up to `extra` memory proposals to its `k`
(as Lean's suggestions are added to the policy's width, :mod:`search.candidates`); the source of
each added tactic is `memory` and its premises the library names it uses, so the training data
keeps them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from lean_prover.lean_env.goals import Goal, parse_goals
from lean_prover.lean_env.lexer import code_tokens
from lean_prover.lean_env.suggestions import library_names
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.policy import Policy, StepContext, TacticSuggestion, ask, merge
from lean_prover.prover.premise_match import is_value_type, lemma_application
from lean_prover.prover.premises import goal_query
from lean_prover.prover.statement import replace_identifier

if TYPE_CHECKING:
    from lean_prover.lean_env.library_index import Premise
    from lean_prover.prover.premises import LazyRetriever, PremiseRetriever

MIN_SIMILARITY = 0.25  # a remembered state this similar or more is a neighbour (bench/memory.py)
SCALE = 0.6
GENERALISED_FACTOR = 0.9  # a generalised tactic ranks just below the tactic as it was
_GENERALISED_HEADS = ("exact", "apply", "refine")


@dataclass(frozen=True)
class Remembered:
    """One remembered step: the state before it and the tactic Lean accepted there."""

    state: str
    tactic: str


def _first_goal(state: str) -> Goal | None:
    goals = parse_goals(state)
    return goals[0] if goals else None


def _locals(goal: Goal | None) -> dict[str, str]:
    """Each hypothesis name of the goal and its type."""
    if goal is None:
        return {}
    return {name: hypothesis.type for hypothesis in goal.hypotheses for name in hypothesis.names}


def adapted_tactics(tactic: str, remembered_state: str, state: str) -> list[str]:
    """The tactic of a remembered step as proposed for `state` (module docstring): as it is when
    its local names are all hypotheses of `state` (a value of the same type: `a : Int` does not
    stand for `a : Nat`; for a tactic that has a generalised form, a proof of the same
    statement); generalised when it names a library lemma and starts with
    `exact`/`apply`/`refine`."""
    theirs, mine = _locals(_first_goal(remembered_state)), _locals(_first_goal(state))
    used = [t for t in code_tokens(tactic) if t.kind == "ident" and t.value in theirs]
    generalisable = bool(used) and bool(library_names(tactic)) and tactic.split()[0] in _GENERALISED_HEADS
    same_type_needed = {name for name, kind in theirs.items() if generalisable or is_value_type(kind)}
    proposals = []
    if all(t.value in mine and (t.value not in same_type_needed or mine[t.value] == theirs[t.value]) for t in used):
        proposals.append(tactic)
    if generalisable:
        pieces, position = [], 0
        for token in used:
            pieces.append(tactic[position:token.start])
            pieces.append("_" if is_value_type(theirs[token.value]) else "(by assumption)")
            position = token.end
        general = "".join(pieces) + tactic[position:]
        if general not in proposals:
            proposals.append(general)
    return proposals


def lemma_tactics(tactic: str, generalised: str, lemma: str, retrieved: list["Premise"]) -> list[str]:
    """A remembered `exact`/`apply`/`refine` naming `lemma` with each retrieved premise in its
    place (:func:`lemma_application`; `apply P` for an `apply`), best retrieved first, and the
    remembered lemma last (in `generalised`, the tactic with its local names replaced) unless
    it was retrieved."""
    head = tactic.split()[0]
    lemmas = [(p.name, p.statement) for p in retrieved]
    if lemma not in {p.name for p in retrieved}:
        lemmas.append((lemma, ""))
    tactics = []
    for name, statement in lemmas:
        application = lemma_application(statement) if statement else None
        if application is None:
            tactics.append(replace_identifier(generalised, lemma, name))
        else:
            tactics.append(f"apply {name}" if head == "apply" else f"{head} {application}")
    return tactics


def _lemma_use(tactic: str) -> tuple[str, ...]:
    """What a remembered tactic teaches: its head and the library lemmas it names (`exact
    @Nat.le_of_lt a b h` and `exact Nat.le_of_lt h` teach the same), or the tactic itself when
    it names none."""
    names = library_names(tactic)
    return (tactic.split()[0], *names) if names else (tactic,)


def similarity(a: Counter, b: Counter) -> float:
    """The weighted Jaccard index of two token counts (0 when both are empty)."""
    union = sum((a | b).values())
    return sum((a & b).values()) / union if union else 0.0


class TacticMemory:
    """Remembered steps and the tactics they propose for a new state (module docstring)."""

    def __init__(self, steps: Iterable[Remembered], neighbours: int = 4, min_similarity: float = MIN_SIMILARITY,
                 retriever: "PremiseRetriever | LazyRetriever | None" = None, lemmas: int = 3):
        self.steps = list(steps)
        self.neighbours, self.min_similarity = neighbours, min_similarity
        self.retriever, self.lemmas = retriever, lemmas
        self._tokens = [Counter(goal_query(step.state)) for step in self.steps]

    @classmethod
    def load(cls, path: str | Path) -> "TacticMemory":
        """The steps of a JSON-lines file (`state` and `tactic` of each line; a training steps
        file). A missing or unreadable file is a :class:`ModelConfigError` (one line)."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            rows = [json.loads(line) for line in lines if line.strip()]
            return cls(Remembered(str(row["state"]), str(row["tactic"])) for row in rows)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelConfigError(f"tactic memory {path}: cannot read it ({error})") from None

    def save(self, path: str | Path) -> None:
        """Write the remembered steps as JSON lines (`state`, `tactic`), readable by :meth:`load`."""
        Path(path).write_text("".join(json.dumps({"state": s.state, "tactic": s.tactic}, ensure_ascii=False) + "\n"
                                      for s in self.steps), encoding="utf-8")

    def __len__(self) -> int:
        return len(self.steps)

    def propose(self, state: str, k: int, imports: tuple[str, ...] = ()) -> list[TacticSuggestion]:
        """Up to `k` adapted tactics for `state`, best first (source `memory`); lemmas are
        retrieved among those a file with these `imports` sees (none: `Init`)."""
        if k <= 0 or not self.steps:
            return []
        query = Counter(goal_query(state))
        scored = sorted(((similarity(query, tokens), index) for index, tokens in enumerate(self._tokens)),
                        key=lambda item: (-item[0], item[1]))
        best: dict[str, float] = {}
        retrieved: list["Premise"] | None = None
        lemma_uses: set[tuple[str, ...]] = set()
        for score, index in scored:
            if score < self.min_similarity or len(lemma_uses) == self.neighbours:
                break
            step = self.steps[index]
            use = _lemma_use(step.tactic)
            if use in lemma_uses:
                continue
            adapted = adapted_tactics(step.tactic, step.state, state)
            if not adapted:
                continue
            lemma_uses.add(use)
            named = library_names(step.tactic)
            filled = (self.retriever is not None and len(named) == 1
                      and step.tactic.split()[0] in _GENERALISED_HEADS)
            for rank, tactic in enumerate(adapted):
                if not (filled and tactic == adapted[-1] and tactic != step.tactic):  # else scored by its lemma
                    best[tactic] = max(best.get(tactic, 0.0), SCALE * score * GENERALISED_FACTOR ** rank)
            if not filled:
                continue
            if retrieved is None:
                retrieved = [r.premise for r in self.retriever.retrieve(state, self.lemmas, imports)]
            for rank, tactic in enumerate(lemma_tactics(step.tactic, adapted[-1], named[0], retrieved)):
                best[tactic] = max(best.get(tactic, 0.0), SCALE * score * GENERALISED_FACTOR / (1 + rank))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [TacticSuggestion(tactic, math.log(score), "memory", tuple(library_names(tactic)))
                for tactic, score in ranked]


class MemoryPolicy:
    """A step policy with up to `extra` tactic-memory proposals added to its own `k`; the step
    contexts (passed on to the wrapped policy when it uses them) give the imports that decide
    which lemmas the memory may name."""

    uses_context = True

    def __init__(self, policy: Policy, memory: TacticMemory, extra: int = 3):
        self.policy, self.memory, self.extra = policy, memory, extra

    def suggest(self, states: list[str], k: int,
                contexts: Sequence[StepContext] | None = None) -> list[list[TacticSuggestion]]:
        """The wrapped policy's `k` suggestions and the memory's new ones, best first."""
        answers = ask(self.policy, states, k, contexts)
        imported = [c.imports for c in contexts] if contexts is not None else [()] * len(states)
        return [self._merged(answer, self.memory.propose(state, self.extra + len(answer), imports))
                for state, answer, imports in zip(states, answers, imported)]

    def _merged(self, answer: list[TacticSuggestion], remembered: list[TacticSuggestion]) -> list[TacticSuggestion]:
        """The policy's suggestions (a remembered tactic among them keeps the better score) and
        up to `extra` remembered tactics the policy did not propose, best first."""
        known = {s.tactic for s in answer}
        new = [s for s in remembered if s.tactic not in known][: self.extra]
        return merge(answer, [s for s in remembered if s.tactic in known] + new)
