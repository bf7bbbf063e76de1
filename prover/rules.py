"""The rule-based prior policy: tactics chosen from the shape of the first goal.

It needs no model and bootstraps expert iteration. Each rule proposes tactics with a fixed
prior score (table below); the scores of the proposals for a state are normalised into a
probability distribution, and the log of that probability is the suggestion's log-prob.

| goal or hypothesis shape | tactics (prior score) |
| --- | --- |
| always | `omega` (3), `simp` (3), `simp_all` (2), `grind` (3), `decide` (1), `rfl` (2), `trivial` (1), `contradiction` (1) |
| target `∀`/`→` | `intro x` with fresh names (6), `intros` (4) |
| target `∧`, `↔` | `constructor` (6) |
| target `∨` | `left` (3), `right` (3) |
| target `∃` | `constructor` (2), `exists 0` (1) |
| target `¬` | `intro h` (5) |
| hypothesis `h : A ∧ B` / `∃` | `obtain ⟨h1, h2⟩ := h` (5) |
| hypothesis `h : A ∨ B` | `rcases h with h1 \\| h2` (5) |
| hypothesis of the target's type | `exact h` (8) |
| hypothesis `h : … → target` | `apply h` (4) |
| variable `n : Nat` | `induction n with …` (3), `cases n` (2) |
| variable `xs : List _` | `induction xs with …` (3), `cases xs` (1) |
"""

from __future__ import annotations

import math
import re

from prover.policy import TacticSuggestion

_ALWAYS = (("omega", 3), ("simp", 3), ("grind", 3), ("simp_all", 2), ("rfl", 2), ("decide", 1),
           ("trivial", 1), ("contradiction", 1))


def parse_first_goal(state: str) -> tuple[list[tuple[str, str]], str]:
    """The hypotheses (name, type) and target of the first goal of a Lean goal text."""
    first = re.split(r"\n\s*\n", state.strip(), maxsplit=1)[0]
    hypotheses, target, current = [], "", None
    for line in first.split("\n"):
        if line.startswith("⊢"):
            target, current = line[1:].strip(), "target"
        elif line.startswith((" ", "\t")) and current is not None:
            if current == "target":
                target += " " + line.strip()
            else:
                names, kind = hypotheses[-1]
                hypotheses[-1] = (names, kind + " " + line.strip())
        elif " : " in line and not line.startswith("case "):
            names, kind = line.split(" : ", 1)
            hypotheses.append((names.strip(), kind.strip()))
            current = "hyp"
    flat = [(name, kind) for names, kind in hypotheses for name in names.split()]
    return flat, target


class RulePolicy:
    """Deterministic tactic suggestions from goal shape; see the module's table."""

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` tactics per state, best first, log-probs normalised over the proposals."""
        return [self._one(state, k) for state in states]

    def _one(self, state: str, k: int) -> list[TacticSuggestion]:
        hypotheses, target = parse_first_goal(state)
        scores: dict[str, float] = {}

        def propose(tactic: str, score: float) -> None:
            scores[tactic] = max(scores.get(tactic, 0.0), score)

        taken = {name for name, _ in hypotheses}
        if target.startswith("∀") or _top_level(target, "→"):
            names = _fresh_names(target, taken)
            propose(f"intro {' '.join(names)}" if names else "intro h", 6)
            propose("intros", 4)
        if target.startswith("¬"):
            propose(f"intro {_fresh('h', taken)}", 5)
        if _top_level(target, "∧") or _top_level(target, "↔"):
            propose("constructor", 6)
        if _top_level(target, "∨"):
            propose("left", 3)
            propose("right", 3)
        if target.startswith("∃"):
            propose("constructor", 2)
            propose("exists 0", 1)
        for name, kind in hypotheses:
            if kind == target:
                propose(f"exact {name}", 8)
            elif kind.endswith("→ " + target):
                propose(f"apply {name}", 4)
            if _top_level(kind, "∧") or kind.startswith("∃"):
                propose(f"obtain ⟨{_fresh(name + '₁', taken)}, {_fresh(name + '₂', taken)}⟩ := {name}", 5)
            if _top_level(kind, "∨"):
                propose(f"rcases {name} with {_fresh(name + '₁', taken)} | {_fresh(name + '₂', taken)}", 5)
            if kind == "Nat" or kind == "ℕ":
                propose(f"induction {name} with\n| zero => simp\n| succ k ih => simp_all; omega", 3)
                propose(f"cases {name}", 2)
            if kind.startswith("List "):
                propose(f"induction {name} with\n| nil => simp\n| cons x xs ih => simp_all", 3)
                propose(f"cases {name}", 1)
        for tactic, score in _ALWAYS:
            propose(tactic, score)
        total = sum(scores.values())
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [TacticSuggestion(tactic, math.log(score / total)) for tactic, score in ranked]


def _fresh(base: str, taken: set[str]) -> str:
    name, index = base, 1
    while name in taken:
        index += 1
        name = f"{base}{index}"
    taken.add(name)
    return name


def _fresh_names(target: str, taken: set[str]) -> list[str]:
    match = re.match(r"∀\s*([^,:]+?)\s*(?::[^,]*)?,", target)
    if match:
        return [_fresh(n.strip("()"), taken) for n in match.group(1).split() if n.strip("()")]
    return [_fresh("h", taken)]


def _top_level(text: str, symbol: str) -> bool:
    depth = 0
    for char in text:
        depth += char in "([{⟨"
        depth -= char in ")]}⟩"
        if char == symbol and depth == 0:
            return True
    return False
