"""The rule-based prior policy (backend `rules`): tactics from the shape of the first goal.

It needs no model, is deterministic, and is the default until a trained model exists. It
reads the goal text (hypothesis lines `name : type`, the `⊢` target; see
:func:`prover.statement.parse_goal`), lets every rule below propose tactics with a fixed prior
score, keeps the highest score per tactic, takes the `k` best (ties broken alphabetically) and
normalises their scores into a probability distribution over those `k`:
`logprob = log(score / Σ scores of the returned k)`, so the returned probabilities sum to 1.

Prior score table (names in the tactics are fresh and hypothesis-like: `p` gives `hp`, a
∀-binder keeps its own name, otherwise `h`, `h1`, `h2`, … avoiding every name in scope):

| goal or hypothesis shape | tactics (prior score) |
| --- | --- |
| target `∀ x …,` / `A → B` / `¬A` | `intro x hA …` naming every leading binder (6), `intro x` first one only (4, when several), `intros` (3) |
| target `A ∧ B` | `constructor` (6), `exact ⟨hA, hB⟩` when hypotheses prove every conjunct (10), `refine ⟨?_, ?_⟩` (3) |
| target `A ↔ B` | `constructor` (6), `exact ⟨h1, h2⟩` when `h1 : A → B` and `h2 : B → A` are hypotheses (10) |
| target `A ∨ B` | `left` (4), `right` (4); `exact Or.inl h` / `exact Or.inr h` with a hypothesis of that side (10) |
| target `∃ x, P` | `refine ⟨?_, ?_⟩` (2), `exists 0` (1) |
| target `True` | `trivial` (10) |
| hypothesis `h : target` | `exact h` (10) |
| hypothesis `h : A ∧ B` with `A` or `B` the target | `exact h.1` / `exact h.2` (8) |
| hypothesis `h : … → target` | `apply h` (5) |
| hypothesis `h : A ∧ B` / `A ↔ B` | `rcases h with ⟨hA, hB⟩` (5), `cases h` (2) |
| hypothesis `h : A ∨ B` | `rcases h with hA \\| hB` (5), `cases h` (2) |
| hypothesis `h : ∃ x, P` | `rcases h with ⟨x, hx⟩` (5), `cases h` (2) |
| hypothesis `h : False` | `contradiction` (10) |
| hypotheses `h : ¬A` and `h' : A` | `exact absurd h' h` (10), `contradiction` (6) |
| variable `n : Nat` (or `ℕ`) | `induction n with \\| zero => simp_all \\| succ k ih => simp_all <;> omega` (3), `induction n` (2), `cases n` (2) |
| variable `xs : List _` | `induction xs with \\| nil => simp_all \\| cons x xs ih => simp_all` (3), `induction xs` (2), `cases xs` (1) |
| target `=`/`↔`/`≤`/`<`/`≠`/`∣` over Nat/Int variables and literals (arithmetic) | `omega` (6), `decide` (4 if closed, no variables), `simp` (3), `grind` (3), `simp_all` (2 with hypotheses) |
| any other target | `simp` (3), `grind` (3), `omega` (1), `decide` (1 if closed), `simp_all` (2 with hypotheses) |
| target `a = a'` / `A ↔ A'` | `rfl` (3); otherwise `rfl` (1) |
| always | `trivial` (1), `contradiction` (1 with hypotheses) |
"""

from __future__ import annotations

import math
import re

from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.statement import (Goal, identifiers, normalize, parse_goal, split_top, strip_parens,
                              top_level_find)

_NAT_TYPES = ("Nat", "ℕ")
_NUMBER_TYPES = ("Nat", "ℕ", "Int", "ℤ")
_RELATIONS = ("=", "≠", "≤", "<", "≥", ">", "∣")
_ARITH_WORDS = {"True", "False"}


class PriorPolicy:
    """Deterministic tactic suggestions from the goal's shape; see the module's score table."""

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first; log-probs sum (as probabilities) to 1."""
        return [self._one(state, k) for state in states]

    def _one(self, state: str, k: int) -> list[TacticSuggestion]:
        if k <= 0:
            return []
        scores = prior_scores(parse_goal(state))
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        total = sum(score for _, score in ranked)
        return [TacticSuggestion(tactic, math.log(score / total)) for tactic, score in ranked]


def prior_scores(goal: Goal) -> dict[str, float]:
    """Every proposed tactic with its prior score (the module's table)."""
    scores: dict[str, float] = {}

    def propose(tactic: str, score: float) -> None:
        scores[tactic] = max(scores.get(tactic, 0.0), score)

    hyps = list(goal.hypotheses)
    target = strip_parens(goal.target)
    names = _Names({name for name, _ in hyps})
    by_type: dict[str, str] = {}
    for name, kind in hyps:
        by_type.setdefault(strip_parens(kind), name)

    _target_rules(target, hyps, by_type, names, propose)
    _hypothesis_rules(target, hyps, by_type, names, propose)
    _automation_rules(target, hyps, propose)
    return scores


def _target_rules(target, hyps, by_type, names, propose) -> None:
    binders = _leading_binders(target, names)
    if binders:
        propose("intro " + " ".join(binders), 6)
        if len(binders) > 1:
            propose(f"intro {binders[0]}", 4)
        propose("intros", 3)
    if (parts := split_top(target, "↔")) is not None:
        propose("constructor", 6)
        forward = by_type.get(f"{parts[0]} → {parts[1]}")
        backward = by_type.get(f"{parts[1]} → {parts[0]}")
        if forward and backward:
            propose(f"exact ⟨{forward}, {backward}⟩", 10)
    elif split_top(target, "∧") is not None:
        propose("constructor", 6)
        propose("refine ⟨?_, ?_⟩", 3)
        conjuncts = _conjuncts(target)
        proofs = [by_type.get(c) for c in conjuncts]
        if all(proofs):
            propose(f"exact ⟨{', '.join(proofs)}⟩", 10)
    if (parts := split_top(target, "∨")) is not None:
        propose("left", 4)
        propose("right", 4)
        if by_type.get(strip_parens(parts[0])):
            propose(f"exact Or.inl {by_type[strip_parens(parts[0])]}", 10)
        if by_type.get(strip_parens(parts[1])):
            propose(f"exact Or.inr {by_type[strip_parens(parts[1])]}", 10)
    if target.startswith("∃"):
        propose("refine ⟨?_, ?_⟩", 2)
        propose("exists 0", 1)
    if target == "True":
        propose("trivial", 10)


def _hypothesis_rules(target, hyps, by_type, names, propose) -> None:
    for name, kind in hyps:
        kind = strip_parens(kind)
        if kind == target:
            propose(f"exact {name}", 10)
        arrow = _arrow_conclusion(kind)
        if arrow is not None and arrow == target:
            propose(f"apply {name}", 5)
        if (parts := split_top(kind, "∧")) is not None:
            if strip_parens(parts[0]) == target:
                propose(f"exact {name}.1", 8)
            if strip_parens(parts[1]) == target:
                propose(f"exact {name}.2", 8)
            propose(f"rcases {name} with ⟨{names.hyp(parts[0])}, {names.hyp(parts[1])}⟩", 5)
            propose(f"cases {name}", 2)
        elif (parts := split_top(kind, "↔")) is not None:
            propose(f"rcases {name} with ⟨{names.fresh(name + '1')}, {names.fresh(name + '2')}⟩", 5)
            propose(f"cases {name}", 2)
        if (parts := split_top(kind, "∨")) is not None:
            propose(f"rcases {name} with {names.hyp(parts[0])} | {names.hyp(parts[1])}", 5)
            propose(f"cases {name}", 2)
        if kind.startswith("∃") and not kind.startswith("∃!"):
            match = re.match(r"∃\s*\(?\s*([^\s,:()]+)", kind)
            var = names.fresh(match.group(1) if match else "x")
            propose(f"rcases {name} with ⟨{var}, {names.fresh('h' + var)}⟩", 5)
            propose(f"cases {name}", 2)
        if kind == "False":
            propose("contradiction", 10)
        if kind.startswith("¬"):
            positive = by_type.get(strip_parens(kind[1:]))
            if positive:
                propose(f"exact absurd {positive} {name}", 10)
                propose("contradiction", 6)
        if kind in _NAT_TYPES:
            k, ih = names.fresh("k"), names.fresh("ih")
            propose(f"induction {name} with\n| zero => simp_all\n| succ {k} {ih} => simp_all <;> omega", 3)
            propose(f"induction {name}", 2)
            propose(f"cases {name}", 2)
        if kind.startswith("List "):
            x, xs, ih = names.fresh("x"), names.fresh("xs"), names.fresh("ih")
            propose(f"induction {name} with\n| nil => simp_all\n| cons {x} {xs} {ih} => simp_all", 3)
            propose(f"induction {name}", 2)
            propose(f"cases {name}", 1)


def _automation_rules(target, hyps, propose) -> None:
    numeric = {name for name, kind in hyps if strip_parens(kind) in _NUMBER_TYPES}
    words = [w for w in identifiers(target) if w not in _ARITH_WORDS]
    closed = not any(w in {name for name, _ in hyps} for w in words)
    has_relation = any(symbol in target for symbol in _RELATIONS)
    arithmetic = has_relation and all(w in numeric for w in words) and "∀" not in target and "∃" not in target
    if arithmetic:
        propose("omega", 6)
        if closed:
            propose("decide", 4)
    else:
        propose("omega", 1)
        if closed:
            propose("decide", 1)
    propose("simp", 3)
    propose("grind", 3)
    if hyps:
        propose("simp_all", 2)
        propose("contradiction", 1)
    reflexive = split_top(target, "=") or split_top(target, "↔")
    propose("rfl", 3 if reflexive else 1)
    propose("trivial", 1)


def _leading_binders(target: str, names: "_Names") -> list[str]:
    """Fresh names for the binders `intro` would introduce: ∀-variables and → / ¬ premises."""
    found: list[str] = []
    text = target
    for _ in range(8):
        text = strip_parens(text)
        if text.startswith("∀"):
            comma = top_level_find(text, ",")
            if comma < 0:
                break
            binder_part = text[1:comma]
            # `∀ x ∈ s,` / `∀ x > 0,` introduce the variable and a hypothesis
            predicate = re.match(r"\s*([^\s(]+)\s*(∈|∉|>|<|≥|≤|≠|⊆)", binder_part)
            if predicate:
                found += [names.fresh(predicate.group(1)), names.fresh("h" + predicate.group(1))]
            else:
                for word in _binder_names(binder_part):
                    found.append(names.fresh("x" if word == "_" else word))
            text = text[comma + 1:]
        elif text.startswith("¬"):
            found.append(names.hyp(text[1:]))
            break
        elif (parts := split_top(text, "→")) is not None:
            found.append(names.hyp(parts[0]))
            text = parts[1]
        else:
            break
    return found


def _binder_names(binder_part: str) -> list[str]:
    """Names bound by `x y`, `x y : T`, `(x : T) {y : U}` (the text between `∀` and `,`)."""
    if re.search(r"[({\[⦃]", binder_part):
        groups = re.findall(r"[({\[⦃]\s*([^(){}\[\]⦃⦄:]*?)\s*:", binder_part)
        return [w for g in groups for w in g.split()]
    return binder_part.split(":")[0].split()


def _arrow_conclusion(kind: str) -> str | None:
    """The final conclusion of `A → B → C` (None when `kind` is no implication)."""
    parts = split_top(kind, "→")
    if parts is None:
        return None
    while parts is not None:
        last = parts[1]
        parts = split_top(last, "→")
    return strip_parens(last)


def _conjuncts(target: str) -> list[str]:
    parts, text = [], target
    while (split := split_top(text, "∧")) is not None:
        parts.append(strip_parens(split[0]))
        text = split[1]
    parts.append(strip_parens(text))
    return parts


class _Names:
    """Fresh, hypothesis-like names that avoid every name already in scope."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def fresh(self, base: str) -> str:
        base = base.replace("✝", "") or "h"
        name, index = base, 1
        while name in self.taken:
            index += 1
            name = f"{base}{index}"
        self.taken.add(name)
        return name

    def hyp(self, proposition: str) -> str:
        """`hp` for a proposition that is one identifier `p`, `h` otherwise."""
        prop = strip_parens(normalize(proposition))
        if re.fullmatch(r"[^\W\d][\w']*", prop) and len(prop) <= 8:
            return self.fresh("h" + prop)
        return self.fresh("h")
