"""Lean-verified rewards for RLVR, with legality checks so the policy cannot reward-hack.

A task is one prompt: a theorem (statement and context), the tactic path that reached the
prompt's state and that state's text. A completion is one tactic (one line, ended by a newline
or EOS). Its reward is what Lean says about it. A step earns reward only through *verified
progress* (:mod:`training.progress`), so that no-op and padding steps cannot be farmed:

| verdict | reward | when |
| --- | --- | --- |
| `proof` | `proof` (1.0) | Lean closed the theorem with the path + tactic, and the verifier (:mod:`lean_env.verify`: Lean's own report, kernel re-check, standard axioms, legality rules) says `proved` |
| `step` | `step` (1.0) | Lean accepted the tactic, and the short closing search (`RewardConfig.closer`: Lean's one-shot automation on every goal, one probe) closes the state after the step but not the prompt's state |
| `unverified` | 0 | accepted and the goals changed, but the closing search does not finish the new state: no evidence of progress |
| `no_gain` | 0 | accepted, but the closing search already closes the prompt's state (closing it is the proof reward's job) |
| `no_progress` | 0 | the goals are the prompt's goals again, up to hypothesis names, `True` hypotheses and restated hypotheses (`skip`, `have : True := trivial`, `have h2 := h`) |
| `loop` | 0 | the goals are a state the proof path already went through (`intro h` after `revert h`, …) |
| `error`, `timeout`, `crash` | 0 | Lean refused the tactic, ran out of heartbeats / time, or died |
| `illegal` | 0 | refused before Lean (below), or the verifier does not vouch for the finished proof |
| `format` | 0 | not one tactic: empty, more than one line, unbalanced, prompt markers |

Legality is the project's one legality checker (:mod:`lean_env.legality`): each tactic passes
:func:`lean_env.tactic_guard.tactic_problem` before Lean sees it (no `sorry`/`admit`, no route to
a non-standard axiom, no option that switches checking off, no command or meta-code escape such
as `run_tac`, `by_elab`, attributes), the probe theorem is written by us from the task, and a
finished proof is verified whole by :func:`lean_env.verify.check_source` (positive evidence from
Lean, in one shared file per context and batch). :func:`whole_proof_reward` is the same judgement
for a whole candidate file against its problem file.

Batching: all probes of a reward batch run in ONE Lean process per distinct context (one
generated file holding a probe theorem per path, :class:`BatchEngine`): per completion the path +
tactic and the path + tactic + closer; per task not seen before, the path + closer (is the
prompt's state closed already?) and every proper prefix of the path (the states a loop could come
back to); those task facts are kept across batches. Tasks of the `core` suite have no context, so
a batch of them is always one Lean call.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Sequence

from lean_prover.lean_env.batching import BatchEngine
from lean_prover.lean_env.file_engine import DEFAULT_HEARTBEATS
from lean_prover.lean_env.results import (LeanCrash, LeanError, ProofFinished, TacticResult, TacticState, TacticTimeout,
                              render_script)
from lean_prover.lean_env.tactic_guard import tactic_problem
from lean_prover.lean_env.verify import CheckOptions, check_source
from lean_prover.lean_env.theorem import PROBE_PREFIX, Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.prompt import clean_tactic
from lean_prover.training.progress import DEFAULT_CLOSER, is_padding, revisits



class RewardError(ValueError):
    """Reward inputs that cannot be used (a task without a statement, mismatched lengths); one line."""


@dataclass(frozen=True)
class RewardConfig:
    """Reward values, Lean limits and the closing search that certifies a step's progress."""

    step: float = 1.0
    proof: float = 1.0
    closer: str = DEFAULT_CLOSER
    heartbeats: int = DEFAULT_HEARTBEATS
    timeout_s: float = 300.0


@dataclass(frozen=True)
class RewardTask:
    """One prompt: the theorem (`statement` without `:=`, `context` before it), the tactics that
    reached the prompt's state (`prefix`), and that state's goal text as Lean printed it."""

    statement: str
    state: str
    prefix: tuple[str, ...] = ()
    context: str = ""

    def theorem(self) -> Theorem:
        """The task's theorem (raises `RewardError` when the statement is not a theorem)."""
        try:
            bare = Theorem.from_statement(self.statement)
        except ValueError as exc:
            raise RewardError(f"bad task statement: {exc}") from None
        return dataclasses.replace(bare, context=self.context.rstrip("\n"))


@dataclass(frozen=True)
class RewardVerdict:
    """The reward of one completion, the verdict behind it and Lean's (or the rule's) words."""

    reward: float
    verdict: str
    tactic: str = ""
    detail: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def completion_tactic(completion: str) -> tuple[str | None, str | None]:
    """(tactic, None) for a legal one-tactic completion, else (None, "verdict: reason") where
    verdict is `format` or `illegal`. Checked before any Lean process is started."""
    text = completion.replace("\r\n", "\n")
    first, _, rest = text.lstrip("\n").partition("\n")
    if rest.strip():
        return None, "format: more than one line (a completion is one tactic)"
    problem = tactic_problem(first)
    if problem is not None:
        kind = "format" if problem in ("empty tactic",) or "unterminated" in problem else "illegal"
        return None, f"{kind}: {problem}"
    tactic = clean_tactic(first)
    if tactic is None:
        return None, "format: not a usable tactic (unbalanced, prompt marker or control characters)"
    return tactic, None


def verify_proofs(toolchain: Toolchain, items: Sequence[tuple[Theorem, tuple[str, ...]]],
                  timeout_s: float = 300.0) -> tuple[list[str | None], int]:
    """Why each finished proof (theorem, tactics) must not be rewarded, or None when the verifier
    proves it: one file per distinct context holds every proof, each theorem under a probe name
    (the statement is ours, so it cannot change). Returns the reasons and the Lean runs."""
    reasons: list[str | None] = ["no verdict"] * len(items)
    groups: dict[str, list[int]] = {}
    for index, (theorem, _tactics) in enumerate(items):
        groups.setdefault(theorem.context.strip(), []).append(index)
    runs = 0
    for context, members in groups.items():
        body = "\n\n".join(f"{items[i][0].probe_header(k)} := {render_script(items[i][1])}"
                           for k, i in enumerate(members))
        result = check_source(toolchain, (context + "\n\n" if context else "") + body + "\n",
                              CheckOptions(timeout_s=timeout_s, file_syntax="trusted"))
        runs += result.lean_runs
        by_name = {d.name.rsplit(".", 1)[-1]: d for d in result.declarations}
        loose = [m for m in result.messages if m.is_error or m.is_sorry_warning]
        for k, index in enumerate(members):
            verdict = by_name.get(f"{PROBE_PREFIX}{k}")
            if verdict is None:
                reasons[index] = f"the verifier found no proof ({result.status}: {result.detail})"
            elif verdict.status != "proved":
                reasons[index] = f"{verdict.status}: {verdict.detail}"
            elif loose:
                reasons[index] = f"an error outside the proof: {loose[0].text.splitlines()[0]}"
            else:
                reasons[index] = None
    return reasons, runs


def whole_proof_reward(toolchain: Toolchain, problem: str, candidate: str, config: RewardConfig = RewardConfig(),
                       untrusted: bool = True) -> RewardVerdict:
    """The reward of a whole candidate file (whole-proof mode) against its problem file: `proof`
    only when the verifier proves every theorem with the problem's statements and nothing added."""
    result = check_source(toolchain, candidate, CheckOptions(timeout_s=config.timeout_s, problem=problem,
                                                             untrusted=untrusted))
    if result.ok:
        return RewardVerdict(config.proof, "proof")
    verdict = "illegal" if result.status == "rejected" or not result.legality.ok else (
        result.status if result.status in ("timeout", "crash") else "error")
    return RewardVerdict(0.0, verdict, detail=result.detail[:300])


def probe_paths(toolchain: Toolchain, theorems: Sequence[Theorem], paths: Sequence[tuple[str, ...]],
                config: RewardConfig = RewardConfig()) -> tuple[list[TacticResult], int]:
    """Lean's result for each (theorem, tactic path) pair: one Lean process per distinct context
    (one in all when the theorems share their context). Returns the results and the Lean runs."""
    if len(theorems) != len(paths):
        raise RewardError(f"{len(theorems)} theorems but {len(paths)} paths")
    results: list[TacticResult | None] = [None] * len(paths)
    groups: dict[str, list[int]] = {}
    for index, theorem in enumerate(theorems):
        groups.setdefault(theorem.context.strip(), []).append(index)
    runs = 0
    for members in groups.values():
        keyed = {str(k): theorems[i] for k, i in enumerate(members)}
        engine = BatchEngine(toolchain, theorems[members[0]], config.heartbeats, config.timeout_s, theorems=keyed)
        outcomes = engine.evaluate([(str(k), *paths[i]) for k, i in enumerate(members)])
        runs += engine.runs
        for index, outcome in zip(members, outcomes):
            results[index] = outcome
    return [r if r is not None else LeanCrash("no result") for r in results], runs


def _task_key(task: RewardTask) -> tuple:
    return task.statement, task.context, task.prefix


@dataclass(frozen=True)
class _TaskFacts:
    """What Lean says about a task itself: whether the closing search closes its state, and the
    goal displays of the states its path went through before it (for loop detection)."""

    closed_by_search: bool
    path_states: tuple[str, ...]


class LeanReward:
    """The reward function: `score(tasks, completions)` → verdicts (one Lean call per batch and
    context), and TRL's reward-function protocol through `__call__`."""

    __name__ = "lean_reward"  # TRL logs a reward function by its name

    def __init__(self, toolchain: Toolchain, config: RewardConfig = RewardConfig()):
        self.toolchain, self.config = toolchain, config
        self.lean_runs = 0  # probe runs and verification runs
        self.batches = 0
        self.verdicts: Counter[str] = Counter()
        self._facts: dict[tuple, _TaskFacts] = {}  # per task (statement, context, prefix), across batches

    def score(self, tasks: Sequence[RewardTask], completions: Sequence[str]) -> list[RewardVerdict]:
        """The verdict on each completion of its task (same order)."""
        if len(tasks) != len(completions):
            raise RewardError(f"{len(tasks)} tasks but {len(completions)} completions")
        verdicts: list[RewardVerdict | None] = [None] * len(tasks)
        tactics: dict[int, str] = {}
        theorems: dict[int, Theorem] = {}
        for index, (task, completion) in enumerate(zip(tasks, completions)):
            tactic, problem = completion_tactic(completion)
            if problem is not None:
                kind, _, reason = problem.partition(": ")
                verdicts[index] = RewardVerdict(0.0, kind, completion.strip()[:200], reason)
                continue
            tactics[index], theorems[index] = tactic, task.theorem()
        if tactics:
            probes: list[tuple[Theorem, tuple[str, ...]]] = []
            for index, tactic in tactics.items():
                path = (*tasks[index].prefix, tactic)
                probes += [(theorems[index], path), (theorems[index], (*path, self.config.closer))]
            new_tasks: dict[tuple, tuple[Theorem, RewardTask]] = {}
            for index in tactics:
                key = _task_key(tasks[index])
                if key not in self._facts and key not in new_tasks:
                    new_tasks[key] = (theorems[index], tasks[index])
            for theorem, task in new_tasks.values():
                probes.append((theorem, (*task.prefix, self.config.closer)))
                probes += [(theorem, task.prefix[:length]) for length in range(len(task.prefix))]
            results, runs = probe_paths(self.toolchain, [t for t, _ in probes], [p for _, p in probes], self.config)
            self.lean_runs += runs
            position = 2 * len(tactics)
            for key, (_, task) in new_tasks.items():
                closed, states = results[position], results[position + 1: position + 1 + len(task.prefix)]
                position += 1 + len(task.prefix)
                if isinstance(closed, LeanCrash) or not all(isinstance(s, TacticState) for s in states):
                    continue  # a fault: decide again next time rather than remember a wrong fact
                self._facts[key] = _TaskFacts(isinstance(closed, ProofFinished), tuple(s.pp for s in states))
            slots = list(tactics)  # completion indices; results[2 * slot] is the path + tactic
            finished = [index for slot, index in enumerate(slots) if isinstance(results[2 * slot], ProofFinished)]
            if finished:  # a proof is rewarded only when the verifier proves it whole
                reasons, runs = verify_proofs(self.toolchain, [(theorems[i], (*tasks[i].prefix, tactics[i]))
                                                               for i in finished], self.config.timeout_s)
                self.lean_runs += runs
                for index, reason in zip(finished, reasons):
                    verdicts[index] = RewardVerdict(self.config.proof, "proof", tactics[index]) if reason is None \
                        else RewardVerdict(0.0, "illegal", tactics[index], reason[:300])
            for slot, index in enumerate(slots):
                if verdicts[index] is None:
                    result, after_closer = results[2 * slot], results[2 * slot + 1]
                    verdicts[index] = self._judge(tasks[index], tactics[index], result, after_closer,
                                                  self._facts.get(_task_key(tasks[index])))
        self.batches += 1
        final = [v if v is not None else RewardVerdict(0.0, "crash", detail="no result") for v in verdicts]
        self.verdicts.update(v.verdict for v in final)
        return final

    def _judge(self, task: RewardTask, tactic: str, result: TacticResult, after_closer: TacticResult,
               facts: _TaskFacts | None) -> RewardVerdict:
        """The verdict on a tactic whose path did not finish the proof (a finished one is verified whole)."""
        if isinstance(result, TacticState):
            return self._judge_step(task, tactic, result, after_closer, facts)
        if isinstance(result, LeanError):
            return RewardVerdict(0.0, "error", tactic, result.error[:300])
        if isinstance(result, TacticTimeout):
            return RewardVerdict(0.0, "timeout", tactic, result.detail[:300])
        return RewardVerdict(0.0, "crash", tactic, getattr(result, "detail", "")[:300])

    def _judge_step(self, task: RewardTask, tactic: str, result: TacticState, after_closer: TacticResult,
                    facts: _TaskFacts | None) -> RewardVerdict:
        """An accepted step that leaves goals: rewarded only on verified progress (module doc)."""
        if is_padding(task.state, result.pp):
            return RewardVerdict(0.0, "no_progress", tactic,
                                 "the goals did not change (up to names, `True` and restated hypotheses)")
        if facts is None:
            return RewardVerdict(0.0, "crash", tactic, "Lean faulted while checking the prompt's state")
        if revisits(result.pp, facts.path_states):
            return RewardVerdict(0.0, "loop", tactic, "the goals are a state the proof path already went through")
        if facts.closed_by_search:
            return RewardVerdict(0.0, "no_gain", tactic, "the closing search already closes the prompt's state")
        if not isinstance(after_closer, ProofFinished):
            return RewardVerdict(0.0, "unverified", tactic, "the closing search does not finish the state after it")
        return RewardVerdict(self.config.step, "step", tactic)

    def __call__(self, prompts: list, completions: list, statement: list[str], state: list[str],
                 prefix: list[str], context: list[str] | None = None, **_: object) -> list[float]:
        """TRL reward function: dataset columns `statement`, `state`, `prefix` (a JSON list of
        tactics) and `context` arrive as lists aligned with the completions."""
        contexts = context or [""] * len(completions)
        tasks = [RewardTask(s, st, tuple(json.loads(p or "[]")), c)
                 for s, st, p, c in zip(statement, state, prefix, contexts)]
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        return [v.reward for v in self.score(tasks, texts)]
