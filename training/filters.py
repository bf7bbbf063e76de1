"""Filters on proof-path steps; each returns the kept steps and a :class:`FilterReport`.

| filter | drops | why |
| --- | --- | --- |
| :func:`drop_duplicates` | a (state, tactic) pair seen before (states compared with whitespace collapsed); the first occurrence is kept | the same example twice only re-weights the data |
| :func:`drop_unusable` | `sorry`/`admit`/`native_decide` tactics | the search refuses them; multi-line tactics (`induction n with` and its alternatives) are kept: a tactic memory reuses them, and fine-tuning a line model skips them (:func:`training.sft.train_sft`) |
| :func:`drop_no_progress` | steps whose goal text after the tactic equals the one before (whitespace collapsed) | the tactic did nothing visible (MPS-Prover: steps that do not change the goal) |
| :func:`drop_confident` | steps the current policy already ranks first with probability ≥ `threshold` | BFS-Prover-V2 tactic-level filtering: the policy finds these already; training keeps the hard ones |
| :func:`prune_redundant` | steps whose deletion from their proof still gives a proof Lean accepts | MPS-Prover redundancy pruning: the step did not contribute to the proof |

Redundancy is decided by Lean, not guessed: for each proved theorem with at least two steps,
every variant of its tactic script with one step deleted is checked (all variants of all
theorems in one Lean file, one Lean run per pass); the earliest removable step of each theorem
is dropped and the pass repeats on the shortened scripts (at most `max_passes` passes), so the
steps kept always form a script Lean accepted. The states recorded for the kept steps are the
ones Lean produced on the original path: each kept example is still a Lean-checked transition.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.lean_env.limits import FILE_CHECK_TIMEOUT_S
from lean_prover.training.data import Step

if TYPE_CHECKING:
    from lean_prover.lean_env.toolchain import Toolchain
    from lean_prover.prover.policy import Policy


@dataclass(frozen=True)
class FilterReport:
    """What one filter did: steps in, kept, dropped."""

    name: str
    kept: int
    dropped: int

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def _split(name: str, steps: list[Step], drop: Callable[[int, Step], bool]) -> tuple[list[Step], FilterReport]:
    kept = [s for i, s in enumerate(steps) if not drop(i, s)]
    return kept, FilterReport(name, len(kept), len(steps) - len(kept))


def drop_duplicates(steps: list[Step], seen: set[tuple[str, str]] | None = None) -> tuple[list[Step], FilterReport]:
    """Keep the first occurrence of each (state, tactic); pairs already in `seen` (earlier
    rounds' data) are dropped too. `seen` is updated with the kept pairs."""
    seen = set() if seen is None else seen

    def drop(_i: int, step: Step) -> bool:
        if step.key() in seen:
            return True
        seen.add(step.key())
        return False

    return _split("duplicates", steps, drop)


def drop_unusable(steps: list[Step]) -> tuple[list[Step], FilterReport]:
    """Drop tactics with `sorry`/`admit`/`native_decide` (multi-line tactics are kept)."""
    return _split("unusable", steps, lambda _i, s: not is_usable_tactic(s.tactic))


def drop_no_progress(steps: list[Step]) -> tuple[list[Step], FilterReport]:
    """Drop steps whose goal text after the tactic equals the goal text before it."""
    return _split("no_progress", steps,
                  lambda _i, s: bool(s.state_after) and " ".join(s.state_after.split()) == " ".join(s.state.split()))


def drop_confident(steps: list[Step], policy: "Policy", threshold: float = 0.5, k: int = 8,
                   batch_size: int = 32) -> tuple[list[Step], FilterReport]:
    """Drop steps whose tactic is the policy's first suggestion with probability ≥ `threshold`.

    The probability is exp(log-prob) of the policy's top suggestion; for the rule-based prior and
    the mixture it is normalised over the suggestions, for a language model it is the model's
    probability of emitting exactly that tactic."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"confidence threshold must be in (0, 1], got {threshold}")
    confident: set[int] = set()
    for start in range(0, len(steps), batch_size):
        chunk = steps[start:start + batch_size]
        for offset, (step, ranked) in enumerate(zip(chunk, policy.suggest([s.state for s in chunk], k))):
            if ranked and ranked[0].tactic.strip() == step.tactic.strip() and math.exp(ranked[0].logprob) >= threshold:
                confident.add(start + offset)
    return _split("confident", steps, lambda i, _s: i in confident)


def prune_redundant(steps: list[Step], statements: dict[str, str], toolchain: "Toolchain",
                    max_passes: int = 2, timeout_s: float = FILE_CHECK_TIMEOUT_S) -> tuple[list[Step], FilterReport]:
    """Drop steps whose deletion still leaves a proof Lean accepts (see the module docstring).

    `steps` may hold several theorems' paths (grouped by theorem, in path order); `statements`
    maps a theorem name to its statement (`theorem name … : type`, without `:=`). Reference
    steps and theorems missing from `statements` are kept unchecked."""
    scripts: dict[str, list[int]] = {}
    for index, step in enumerate(steps):
        if step.source == "search" and step.theorem in statements:
            scripts.setdefault(step.theorem, []).append(index)
    removed: set[int] = set()
    for _ in range(max_passes):
        candidates = {name: idx for name, idx in scripts.items() if len(idx) >= 2}
        if not candidates:
            break
        accepted = _removable(candidates, steps, statements, toolchain, timeout_s)
        if not accepted:
            break
        for name, position in accepted.items():
            removed.add(scripts[name][position])
            scripts[name] = scripts[name][:position] + scripts[name][position + 1:]
    return _split("redundant", steps, lambda i, _s: i in removed)


def _removable(candidates: dict[str, list[int]], steps: list[Step], statements: dict[str, str],
               toolchain: "Toolchain", timeout_s: float) -> dict[str, int]:
    """For each theorem, the earliest position whose deletion Lean accepts (one Lean run)."""
    from lean_prover.lean_env.dojo import Theorem, render_script
    from lean_prover.lean_env.theorem import PROBE_PREFIX
    from lean_prover.lean_env.verify import CheckOptions, check_file

    blocks, variants = [], {}
    for name, indices in candidates.items():
        theorem = Theorem.from_statement(statements[name], name=name)
        tactics = [steps[i].tactic for i in indices]
        for position in range(len(tactics) - 1):  # deleting the last step never leaves a proof
            number = len(variants)
            variants[f"{PROBE_PREFIX}{number}"] = (name, position)
            script = render_script(tactics[:position] + tactics[position + 1:])
            blocks.append((theorem.context, f"{theorem.probe_header(number)} := {script}"))
    if not variants:
        return {}
    contexts = {context for context, _ in blocks}
    accepted: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="prover-prune-") as tmp:
        for number, context in enumerate(sorted(contexts)):
            path = Path(tmp) / f"Prune{number}.lean"
            body = "\n\n".join(text for ctx, text in blocks if ctx == context)
            path.write_text((context + "\n\n" if context.strip() else "") + body + "\n", encoding="utf-8")
            result = check_file(toolchain, path, CheckOptions(timeout_s=timeout_s, file_syntax="trusted"))
            for declaration in result.declarations:
                short = declaration.name.rsplit(".", 1)[-1]
                if declaration.status == "proved" and short in variants:
                    name, position = variants[short]
                    accepted[name] = min(position, accepted.get(name, position))
    return accepted


def report_dict(reports: list[FilterReport]) -> list[dict]:
    """Reports as JSON-ready dicts, in the order the filters ran."""
    return [r.to_dict() for r in reports]
