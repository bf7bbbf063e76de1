"""Lean-verified rewards for RLVR, with legality checks so the policy cannot reward-hack.

A task is one prompt: a theorem (statement and context), the tactic path that reached the
prompt's state and that state's text. A completion is one tactic (one line, ended by a newline
or EOS). Its reward is what Lean says about it:

| verdict | reward | when |
| --- | --- | --- |
| `proof` | `proof` (1.0) | Lean closed the theorem with the path + tactic, no error, no `sorry`, and the source audit finds only standard axioms |
| `step` | `step` (1.0) | Lean accepted the tactic and the goals changed |
| `no_progress` | 0 | accepted, but the goals are the prompt's goals again (`skip`, `repeat fail`, …) |
| `error`, `timeout`, `crash` | 0 | Lean refused the tactic, ran out of heartbeats / time, or died |
| `illegal` | 0 | refused before Lean (below), or the finished proof fails the audit |
| `format` | 0 | not one tactic: empty, more than one line, unbalanced, prompt markers |

Legality (LongCat-Flash-Prover's rules, as they apply to one tactic): the statement is
unchanged (the probe theorem is written by us from the task, a tactic cannot contain a command
— :func:`lean_env.tactic_guard.tactic_problem` — and the finished proof is re-read to hold
exactly the original statement); no `sorry`/`admit`, no route to a non-standard axiom
(`native_decide`, `decide +native`, `sorryAx`, `ofReduceBool`, …), no option that switches
checking off, no meta-code escapes (`run_tac`, `by_elab`, `Lean.Elab…`, attributes).

Batching: all completions of a reward batch are probed in ONE Lean process (one generated file
holding a probe theorem per completion, :class:`BatchEngine`); completions whose theorems have
different contexts (header text) need one process per distinct context. Tasks of the `core`
suite have no context, so a batch of them is always one Lean call.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Sequence

from lean_prover.lean_env.audit import STANDARD_AXIOMS, source_axioms, unsound_findings
from lean_prover.lean_env.batching import BatchEngine
from lean_prover.lean_env.file_engine import DEFAULT_HEARTBEATS
from lean_prover.lean_env.results import (LeanCrash, LeanError, ProofFinished, TacticResult, TacticState, TacticTimeout,
                              render_script)
from lean_prover.lean_env.source import find_declarations, mask_comments_and_strings, split_statement
from lean_prover.lean_env.tactic_guard import tactic_problem
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.prompt import clean_tactic

# Words that reach meta-code or declarations from inside a tactic (beyond tactic_guard's list).
_ESCAPES = ("run_tac", "by_elab", "unsafe", "implemented_by", "extern", "axiom", "opaque", "Lean.Elab",
            "Lean.Meta", "Lean.ofReduceBool", "Lean.trustCompiler", "decreasing_by", "termination_by")
_ESCAPE_RE = re.compile(r"(?<![\w'.])(" + "|".join(re.escape(e) for e in _ESCAPES) + r")(?![\w'])")


class RewardError(ValueError):
    """Reward inputs that cannot be used (a task without a statement, mismatched lengths); one line."""


@dataclass(frozen=True)
class RewardConfig:
    """Reward values and Lean limits."""

    step: float = 1.0
    proof: float = 1.0
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
    masked = mask_comments_and_strings(first)
    escape = _ESCAPE_RE.search(masked)
    if escape is not None or "@[" in masked:
        return None, f"illegal: `{escape.group(1) if escape else '@['}` is not allowed in a tactic"
    tactic = clean_tactic(first)
    if tactic is None:
        return None, "format: not a usable tactic (unbalanced, prompt marker or control characters)"
    return tactic, None


def proof_problem(theorem: Theorem, tactics: Sequence[str]) -> str | None:
    """Why a finished proof must not be rewarded, or None: the theorem as re-read from the proved
    text must be the original statement, and the source audit must find only standard axioms."""
    text = theorem.lean_text(render_script(tactics))
    unsound = unsound_findings(text)
    if unsound:
        return f"the proof switches checking off ({unsound[0].construct})"
    declarations = find_declarations(text)
    proofs = [d for d in declarations if d.is_proof or d.keyword == "axiom"]
    own = [d for d in proofs if d.name.rsplit(".", 1)[-1] == theorem.name]
    if len(own) != 1 or len(proofs) != len([d for d in find_declarations(theorem.context) if d.is_proof or
                                                d.keyword == "axiom"]) + 1:
        return "the proof adds or removes declarations"
    lines = text.split("\n")
    restated = split_statement("\n".join(lines[own[0].start_line - 1: own[0].end_line]))
    if restated is None or " ".join(restated.split()) != " ".join(theorem.statement.split()):
        return "the statement changed"
    extra = sorted(source_axioms(declarations).get(own[0].name, set()) - STANDARD_AXIOMS)
    if extra:
        return f"the proof reaches non-standard axioms: {', '.join(extra)}"
    return None


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


def _norm(text: str) -> str:
    return " ".join(text.split())


class LeanReward:
    """The reward function: `score(tasks, completions)` → verdicts (one Lean call per batch and
    context), and TRL's reward-function protocol through `__call__`."""

    __name__ = "lean_reward"  # TRL logs a reward function by its name

    def __init__(self, toolchain: Toolchain, config: RewardConfig = RewardConfig()):
        self.toolchain, self.config = toolchain, config
        self.lean_runs = 0
        self.batches = 0
        self.verdicts: Counter[str] = Counter()

    def score(self, tasks: Sequence[RewardTask], completions: Sequence[str]) -> list[RewardVerdict]:
        """The verdict on each completion of its task (same order)."""
        if len(tasks) != len(completions):
            raise RewardError(f"{len(tasks)} tasks but {len(completions)} completions")
        verdicts: list[RewardVerdict | None] = [None] * len(tasks)
        wanted: list[int] = []
        tactics: dict[int, str] = {}
        theorems: dict[int, Theorem] = {}
        for index, (task, completion) in enumerate(zip(tasks, completions)):
            tactic, problem = completion_tactic(completion)
            if problem is not None:
                kind, _, reason = problem.partition(": ")
                verdicts[index] = RewardVerdict(0.0, kind, completion.strip()[:200], reason)
                continue
            tactics[index], theorems[index] = tactic, task.theorem()
            wanted.append(index)
        if wanted:
            results, runs = probe_paths(self.toolchain, [theorems[i] for i in wanted],
                                        [(*tasks[i].prefix, tactics[i]) for i in wanted], self.config)
            self.lean_runs += runs
            for index, result in zip(wanted, results):
                verdicts[index] = self._judge(tasks[index], theorems[index], tactics[index], result)
        self.batches += 1
        final = [v if v is not None else RewardVerdict(0.0, "crash", detail="no result") for v in verdicts]
        self.verdicts.update(v.verdict for v in final)
        return final

    def _judge(self, task: RewardTask, theorem: Theorem, tactic: str, result: TacticResult) -> RewardVerdict:
        if isinstance(result, ProofFinished):
            problem = proof_problem(theorem, (*task.prefix, tactic))
            if problem is not None:
                return RewardVerdict(0.0, "illegal", tactic, problem)
            return RewardVerdict(self.config.proof, "proof", tactic)
        if isinstance(result, TacticState):
            if _norm(result.pp) == _norm(task.state):
                return RewardVerdict(0.0, "no_progress", tactic, "the goals did not change")
            return RewardVerdict(self.config.step, "step", tactic)
        if isinstance(result, LeanError):
            return RewardVerdict(0.0, "error", tactic, result.error[:300])
        if isinstance(result, TacticTimeout):
            return RewardVerdict(0.0, "timeout", tactic, result.detail[:300])
        return RewardVerdict(0.0, "crash", tactic, getattr(result, "detail", "")[:300])

    def __call__(self, prompts: list, completions: list, statement: list[str], state: list[str],
                 prefix: list[str], context: list[str] | None = None, **_: object) -> list[float]:
        """TRL reward function: dataset columns `statement`, `state`, `prefix` (a JSON list of
        tactics) and `context` arrive as lists aligned with the completions."""
        contexts = context or [""] * len(completions)
        tasks = [RewardTask(s, st, tuple(json.loads(p or "[]")), c)
                 for s, st, p, c in zip(statement, state, prefix, contexts)]
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        return [v.reward for v in self.score(tasks, texts)]
