"""The first pass: Lean's one-shot automation and Lean's suggestions for many theorems at once,
before any search, so that no theorem ends below what automation alone proves.

    first = run_first_pass(toolchain, theorems, FirstPassSettings(suggestion_tactics=("exact?",)))
    first.results[theorem_key(t)].proof        # 'by\\n  intros\\n  omega', or None
    first.suggestions                          # goal text -> Lean's suggestions for the root state

1. **Automation portfolio** (:data:`PORTFOLIO`): each theorem is tried with `intros` followed by
   one of `omega`, `grind`, `decide`, `simp_all`, and with `decide` alone (a bounded `∀ x < n`
   statement is decided before `intros` takes its bound apart), each attempt a renamed copy of
   the theorem (:meth:`lean_env.theorem.Theorem.probe_header`) under `maxHeartbeats` =
   `heartbeats` (200,000 as Lean's default and the bench's baseline). All attempts of theorems
   sharing a context go into one Lean file, judged by :func:`lean_env.verify.check_file`
   declaration by declaration (no error, no `sorry`, standard axioms, legal: an option in the
   context that switches checking off makes every attempt after it `illegal`). A file that
   faults (timeout, crash, out of memory) is split in halves and re-run, so one attempt that
   kills Lean costs the others nothing: the verdict of an attempt never depends on what else
   was in the file.
2. **Suggestions for the root states** of the theorems automation did not prove, in one more
   Lean run (:func:`lean_env.suggestions.query_suggestions`), keyed by the goal text Lean
   printed (`trace_state`), which is the text a search's root state has.

The prover (:class:`search.prove.SearchProver`) re-checks a first-pass proof like any proof before it
calls the theorem proved, and starts its search with the root suggestions as candidates and
without the attempts Lean refused on the root (:func:`known_root_failures`).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from lean_prover.lean_env.goals import intros_introduces
from lean_prover.lean_env.limits import BASELINE_TIMEOUT_S, DEFAULT_HEARTBEATS
from lean_prover.lean_env.results import render_script
from lean_prover.lean_env.suggestions import Suggestion, SuggestionQuery, SuggestionTactic, query_suggestions
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.verify import FAULTS, CheckOptions, FileResult, check_file
from lean_prover.prover.policy import Policy, StepContext, TacticSuggestion, ask, uses_context

AUTOMATION_TACTICS = ("omega", "grind", "decide", "simp_all")
PORTFOLIO: tuple[tuple[str, ...], ...] = (*(("intros", t) for t in AUTOMATION_TACTICS), ("decide",))
PORTFOLIO_HEARTBEATS = DEFAULT_HEARTBEATS


def theorem_key(theorem: Theorem) -> str:
    """Identifies a theorem by its statement. Not by its context: a file proved in order gets
    the proofs found so far added to the context of each next theorem, and a first pass run on
    the original file still applies (the prover re-checks a first-pass proof in the theorem's
    real context before using it)."""
    return hashlib.sha256(theorem.statement.encode()).hexdigest()[:24]


def attempt_label(tactics: tuple[str, ...]) -> str:
    """How an attempt is named in reports: its last tactic, `(no intros)` when it has no `intros`."""
    return tactics[-1] if tactics[:1] == ("intros",) else f"{tactics[-1]} (no intros)"


@dataclass(frozen=True)
class FirstPassSettings:
    """What the first pass tries: the automation portfolio and Lean's suggestion tactics."""

    portfolio: tuple[tuple[str, ...], ...] = PORTFOLIO
    heartbeats: int = PORTFOLIO_HEARTBEATS
    suggestion_tactics: tuple[SuggestionTactic, ...] = ()
    suggestion_heartbeats: int = DEFAULT_HEARTBEATS
    timeout_s: float = BASELINE_TIMEOUT_S


@dataclass
class FirstPassResult:
    """One theorem's first pass: the proof automation found (a `by` block, re-checked later by
    the prover) and which attempts proved it; the Lean runs it took part in; why it could not
    be tried (`detail`, e.g. its statement does not elaborate)."""

    name: str
    proof: str | None = None
    solved_by: list[str] = field(default_factory=list)
    lean_calls: int = 0
    detail: str = ""
    failed: list[tuple[str, ...]] = field(default_factory=list)  # attempts Lean judged and refused
    heartbeats: int = PORTFOLIO_HEARTBEATS  # the limit they ran under

    @property
    def solved(self) -> bool:
        """True when some portfolio attempt proved the theorem."""
        return self.proof is not None


@dataclass
class FirstPass:
    """The first pass of many theorems: a result per theorem key, Lean's suggestions per root
    goal text, and the Lean processes it started."""

    results: dict[str, FirstPassResult] = field(default_factory=dict)
    suggestions: dict[str, list[Suggestion]] = field(default_factory=dict)
    asked: tuple[SuggestionTactic, ...] = ()
    lean_runs: int = 0


Runner = Callable[[Toolchain, Path, CheckOptions], FileResult]


def run_portfolio(toolchain: Toolchain, theorems: Sequence[Theorem], portfolio: tuple[tuple[str, ...], ...] = PORTFOLIO,
                  heartbeats: int = PORTFOLIO_HEARTBEATS, timeout_s: float = BASELINE_TIMEOUT_S,
                  checker: Runner = check_file) -> tuple[dict[str, FirstPassResult], int]:
    """Every theorem tried with every portfolio attempt (module docstring, step 1): a result per
    theorem key and the number of Lean processes started."""
    results = {theorem_key(t): FirstPassResult(t.name) for t in theorems}
    attempts = [(t, tactics) for t in theorems for tactics in portfolio]
    groups: dict[str, list[int]] = {}
    for index, (theorem, _) in enumerate(attempts):
        groups.setdefault(theorem.context.strip(), []).append(index)
    runs = [0]

    def check(members: list[int]) -> None:
        body = []
        for position, index in enumerate(members):
            theorem, tactics = attempts[index]
            header = theorem.probe_header(position)
            body.append(f"set_option maxHeartbeats {heartbeats} in\n{header} := {render_script(tactics)}\n")
        context = attempts[members[0]][0].context
        text = (context.rstrip() + "\n\n" if context.strip() else "") + "\n".join(body)
        with tempfile.TemporaryDirectory(prefix="prover-portfolio-") as tmp:
            path = Path(tmp) / "Portfolio.lean"
            path.write_text(text, encoding="utf-8")
            checked = checker(toolchain, path, CheckOptions(timeout_s=timeout_s, file_syntax="trusted"))
        runs[0] += 1
        for index in members:
            results[theorem_key(attempts[index][0])].lean_calls = 1
        if checked.status in FAULTS:  # nothing in this file can be trusted: split it
            if len(members) > 1:
                half = len(members) // 2
                check(members[:half])
                check(members[half:])
            return
        for position, index in enumerate(members):
            theorem, tactics = attempts[index]
            result = results[theorem_key(theorem)]
            result.heartbeats = heartbeats
            if checked.theorem_proved(f"dojo_probe_{position}"):
                result.solved_by.append(attempt_label(tactics))
                result.proof = result.proof or render_script(tactics)
            else:
                result.failed.append(tactics)

    for members in groups.values():
        check(members)
    return results, runs[0]


def known_root_failures(result: FirstPassResult, root_goals: str, heartbeats: int) -> frozenset[str]:
    """Tactics a search need not try on the root state `root_goals` (Lean's text of the theorem's
    goal): the portfolio attempts Lean refused at a heartbeat limit at least the search's
    (`heartbeats`). Tactics are deterministic under a heartbeat limit, so the same tactic on the
    same goal fails again. An attempt `intros; t` counts for `t` only when `intros` can do nothing
    there: one goal, whose target has no leading binder and no arrow outside brackets
    (:func:`lean_env.goals.intros_introduces`)."""
    if result.proof is not None or result.heartbeats < heartbeats:
        return frozenset()
    intros_is_noop = root_goals.count("⊢") == 1 and not intros_introduces(root_goals.rsplit("⊢", 1)[-1])
    skipped = {tactics[0] for tactics in result.failed if len(tactics) == 1}
    if intros_is_noop:
        skipped |= {tactics[1] for tactics in result.failed if len(tactics) == 2 and tactics[0] == "intros"}
    return frozenset(skipped)


class RootSkippingPolicy:
    """A policy that leaves out `skipped` tactics on the state `root` (:func:`known_root_failures`)
    and fills their places with its next candidates; every other state as the wrapped policy."""

    def __init__(self, policy: Policy, root: str, skipped: frozenset[str]):
        self.policy, self.root, self.skipped = policy, root, skipped
        self.uses_context = uses_context(policy)

    def suggest(self, states: list[str], k: int, contexts: list[StepContext] | None = None) -> list[list[TacticSuggestion]]:
        """The wrapped policy's suggestions for each state; on the root, its answer for `k` with
        the `skipped` tactics in it replaced by its next candidates, best first, so the root gets
        as many candidates as any other state (those a policy adds beyond `k`,
        :mod:`prover.tactic_memory`, included). The next candidates come from a second answer,
        asked only when a skipped tactic was in the first, for the first's length + len(skipped)
        + the places to fill: however much of the first answer and of `skipped` it repeats,
        enough new ones remain when the policy has them."""
        answers = ask(self.policy, states, k, contexts)
        if self.root not in states:
            return answers
        at = states.index(self.root)
        answer = answers[at]
        kept = [s for s in answer if s.tactic not in self.skipped]
        if len(kept) < len(answer):
            places = len(answer) - len(kept)
            [longer] = ask(self.policy, [self.root], len(answer) + len(self.skipped) + places,
                           [contexts[at]] if contexts is not None else None)
            asked = {s.tactic for s in answer}
            kept += [s for s in longer if s.tactic not in self.skipped and s.tactic not in asked][:places]
        answers[at] = sorted(kept, key=lambda s: -s.logprob)
        return answers


def run_first_pass(toolchain: Toolchain, theorems: Sequence[Theorem], settings: FirstPassSettings,
                   automation: dict[str, FirstPassResult] | None = None,
                   progress: Callable[[str], None] = lambda _m: None) -> FirstPass:
    """Both steps of the module docstring for `theorems`. `automation`: portfolio results
    already computed (the bench's baseline), so that step 1 is not run twice."""
    first = FirstPass(asked=tuple(settings.suggestion_tactics))
    unique = list({theorem_key(t): t for t in theorems}.values())
    if automation is None:
        progress(f"first pass: one-shot automation on {len(unique)} theorem(s)")
        automation, runs = run_portfolio(toolchain, unique, settings.portfolio, settings.heartbeats,
                                         settings.timeout_s)
        first.lean_runs += runs
    first.results.update(automation)
    todo = [t for t in unique if not first.results[theorem_key(t)].proof]
    if settings.suggestion_tactics and todo:
        progress(f"first pass: Lean's suggestions ({', '.join(settings.suggestion_tactics)}) "
                 f"for {len(todo)} theorem(s) automation did not prove")
        queries = [SuggestionQuery(t, (), tactic) for t in todo for tactic in settings.suggestion_tactics]
        answers, runs = query_suggestions(toolchain, queries, heartbeats=settings.suggestion_heartbeats,
                                          timeout_s=settings.timeout_s)
        first.lean_runs += runs
        for theorem in todo:
            first.results[theorem_key(theorem)].lean_calls += 1
        for query, answer in zip(queries, answers):
            if answer.goals:
                first.suggestions.setdefault(answer.goals, []).extend(answer.suggestions)
    return first
