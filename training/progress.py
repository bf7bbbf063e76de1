"""Whether a proof step made progress a reward may pay for (anti-farming rules for RLVR).

A step that Lean accepts is not progress by itself: `have : True := trivial`, `have h2 := h`
(restating a hypothesis) or an `intro h` undone by a later `revert h` all change the goal text
and cost nothing. So a step earns the step reward only on *verified* progress:

- the step's goals are not the prompt's goals padded with hypotheses that say nothing new
  (`True`, or a type some hypothesis of that goal already has) — :func:`is_padding`;
- the step's goals are not a state the proof path already went through (an `intro`/`revert`
  loop) — :func:`revisits`;
- a short closing search (:data:`DEFAULT_CLOSER`, one Lean probe) closes every goal after the
  step, and the same search does NOT close the prompt's state: the step turned a state that the
  search could not finish into one it finishes. A step on a state the search already closes
  earns nothing (the policy should close it instead, which earns the proof reward).

Goal states are compared by :func:`state_key`: per goal, the set of hypothesis types (with `let`
values; names dropped, `True` dropped, duplicates merged) and the target; case tags dropped.
"""

from __future__ import annotations

from typing import Sequence

from lean_prover.lean_env.goals import Goal, normalise, parse_goals

# One tactic that tries Lean's one-shot automation on every goal: the "short search" that
# certifies a step's progress. `intros` first so that a goal stated with binders is closed too.
DEFAULT_CLOSER = ("all_goals first | (intros; omega) | (intros; decide) | grind | simp_all | (intros; rfl) "
                  "| (intros; trivial) | (intros; assumption)")

_VACUOUS_TYPES = ("True",)


def goal_key(goal: Goal) -> tuple[frozenset[str], str]:
    """A goal up to hypothesis names and order: its informative hypothesis types and its target."""
    types = set()
    for hypothesis in goal.hypotheses:
        kind = normalise(hypothesis.type)
        if kind in _VACUOUS_TYPES:
            continue
        types.add(kind if hypothesis.value is None else f"{kind} := {normalise(hypothesis.value)}")
    return frozenset(types), normalise(goal.target)


def state_key(state: str) -> tuple[tuple[frozenset[str], str], ...]:
    """A goal display up to hypothesis names, order, duplicates, `True` hypotheses and case tags."""
    return tuple(goal_key(goal) for goal in parse_goals(state))


def is_padding(before: str, after: str) -> bool:
    """True when `after` is `before` with only uninformative hypotheses added (or renamed):
    `have : True := trivial`, `have h2 := h`, `obtain h2 := h`, … (also `skip`-like no-ops)."""
    return state_key(after) == state_key(before)


def revisits(after: str, path_states: Sequence[str]) -> bool:
    """True when `after` is (up to :func:`state_key`) a state the proof path already reached:
    an `intro`/`revert` (or any other) loop."""
    key = state_key(after)
    return any(state_key(state) == key for state in path_states)
