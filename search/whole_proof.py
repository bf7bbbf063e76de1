"""Whole-proof mode: sample complete proofs, check them all in shared Lean runs, repair the failed
ones with Lean's errors.

    engine = WholeProofEngine(toolchain, generator, PRESETS["deepseek-prover-v2"],
                              WholeProofConfig(samples=8, repair_rounds=2))
    attempts = engine.prove_all(theorems, on_attempt)

For a chunk of theorems (`chunk` at a time):

1. **Samples.** Each theorem's prompt in the model's whole-proof format
   (`prover.prompt_formats.render_whole`); `samples` completions per theorem, all prompts in one
   `complete` call. The proof is read from each completion (`read_proof`: the last ```` ```lean4 ````
   block's proof of the theorem, or the continuation of the prompt's code).
2. **Legality** (:func:`proof_problem`), before Lean: the proof text passes the tactic guard
   (`lean_env.tactic_guard.tactic_problem`: no command, no `sorry`/`native_decide`, no unsound
   option, balanced comments and strings), and the file it makes passes the project's legality
   checker (`lean_env.legality.check_legality`) against the theorem's own problem text (the
   theorem with `sorry` in its context): every rule, with `statement_unchanged` and
   `nothing_added`. A candidate that fails is `inadmissible` and never reaches Lean.
3. **Lean.** Every admissible candidate of every theorem of the chunk is checked in the same
   round of a :class:`lean_env.batching.BatchingService` (`check_all`): each candidate is the
   theorem renamed `dojo_probe_<i>` (so that all fit in files of up to `max_checks` theorems,
   `processes` files at a time), judged by its own declaration by the verifier (compiled, then
   Lean's own report: no error, no `sorry`, standard axioms, kernel re-check); Lean's messages
   come back with lines as in the candidate's own file.
4. **Repair** (`repair_rounds` rounds): for every theorem still unproved, each candidate of the
   previous round that Lean rejected (or that was inadmissible, with the legality finding as its
   error) is sent back once, with Lean's errors rendered as the format's authors render them (Goedel-Prover-V2's `<error></error>`
   report, Kimina-Prover's error-fix turn; `prover.prompt_formats.render_repair`); the answers
   are checked as in step 3. A theorem stops as soon as one candidate is accepted.
5. **Re-check.** The first accepted proof of each theorem is checked once more under the
   theorem's own name, in its context, before the theorem is called proved (one shared round).

An attempt records, in `whole_proof`: `samples` and `correct` (accepted among the round-0
samples, all of which are checked: pass@k needs the count), `rounds` (candidates and accepted
per round), `proved_round`, and every candidate's round, verdict and first error line.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Literal, Mapping, Sequence, get_args

from lean_prover.lean_env.batching import BatchingService, CheckVerdict
from lean_prover.lean_env.legality import check_legality
from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.tactic_guard import tactic_problem
from lean_prover.lean_env.theorem import PROBE_PREFIX, Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.backends import Completer
from lean_prover.prover.prompt_formats import (Prompt, PromptFormat, WholeInput, error_report, read_proof, render_repair,
                                               render_whole, whole_input)
from lean_prover.search.attempt import OnAttempt, ProofAttempt, Prover, ProverFacade

if TYPE_CHECKING:
    from lean_prover.search.portfolio import FirstPassResult

Verdict = Literal["proved", "failed", "inadmissible", "no_proof", "unfinished"]
"""What became of one candidate: accepted by Lean, rejected by Lean, refused by the legality
checker before Lean, no proof of the theorem in the answer, or cut by the token limit."""

ProofMode = Literal["step", "whole", "hybrid"]
"""`--mode`: step search (default), whole-proof samples, or whole-proof samples then step search
under the planner's decomposition."""
PROOF_MODES: tuple[ProofMode, ...] = get_args(ProofMode)


@dataclass(frozen=True)
class WholeProofConfig:
    """How many proofs to sample per theorem, how many repair rounds, how long the answers may be,
    and how many theorems are sampled and checked together."""

    samples: int = 4
    repair_rounds: int = 0
    max_new_tokens: int | None = None  # None: the model config's max_new_tokens
    chunk: int = 64

    def __post_init__(self) -> None:
        if self.samples < 1 or self.repair_rounds < 0 or self.chunk < 1:
            raise ValueError("samples and chunk must be at least 1, repair_rounds at least 0")


@dataclass(frozen=True)
class WholeTask:
    """A theorem to prove whole, with its informal docstring (shown to the model, not checked)."""

    theorem: Theorem
    informal: str = ""


@dataclass
class Candidate:
    """One proof the model wrote: its round, the prompt and the answer, the proof read from it, and
    what became of it (`verdict`, `detail` = the first error line, `errors` = the error report a
    repair prompt shows)."""

    round: int
    prompt: Prompt
    completion: str
    finished: bool
    proof: str | None
    verdict: Verdict = "failed"
    detail: str = ""
    errors: str = ""

    def record(self) -> dict:
        """The JSON-ready summary kept in the attempt."""
        return {"round": self.round, "verdict": self.verdict, "detail": self.detail[:300]}


@dataclass
class _Job:
    task: WholeTask
    query: WholeInput
    first: Prompt
    candidates: list[Candidate] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)
    winner: Candidate | None = None
    lean_calls: int = 0

    @property
    def theorem(self) -> Theorem:
        return self.task.theorem


def proof_problem(theorem: Theorem, proof: str) -> str | None:
    """Why a whole proof must not be checked or counted (one line), or None: the tactic guard on
    the proof text, then the legality checker on the file it makes against the theorem's own
    problem text (statement unchanged, nothing added, and every other rule)."""
    problem = tactic_problem(proof)
    if problem is not None:
        return problem.replace("the tactic", "the proof")
    report = check_legality(theorem.lean_text(proof), problem=theorem.lean_text("sorry"))
    return None if report.ok else report.describe(limit=1)


class WholeProofEngine:
    """Samples, checks and repairs whole proofs (module docstring). A :class:`Prover` whose
    `prove_all` proves every theorem in its own context, all together (`independent`)."""

    independent = True

    def __init__(self, toolchain: Toolchain, generator: Completer, fmt: PromptFormat, config: WholeProofConfig,
                 tactic_timeout_s: float = LEAN_PROCESS_TIMEOUT_S, processes: int = 2,
                 batching: BatchingService | None = None, progress: Callable[[str], None] | None = None,
                 max_new_tokens: int = 2048):
        if fmt.kind != "whole":
            raise ValueError(f"prompt format {fmt.name!r} is a step format: whole-proof mode needs a whole-proof "
                             "format (deepseek-prover-v1.5, deepseek-prover-v2, goedel-prover-v2, kimina-prover)")
        self.toolchain, self.generator, self.format, self.config = toolchain, generator, fmt, config
        self.tactic_timeout_s, self.processes, self.batching = tactic_timeout_s, processes, batching
        self.progress = progress or (lambda _m: None)
        self.max_new_tokens = config.max_new_tokens or max_new_tokens
        self._model_lock = threading.Lock()  # backends are not thread-safe (lockstep pools share one engine)

    def replace(self, **changes) -> "WholeProofEngine":
        """A copy with some attributes changed (e.g. the batching service of a lockstep pool's
        thread); the copy shares the model and its lock."""
        twin = copy.copy(self)
        vars(twin).update(changes)
        return twin

    def prepare(self, theorems: Sequence[Theorem], automation: "Mapping[str, FirstPassResult] | None" = None) -> None:
        """Nothing: whole proofs share no work before sampling (the first pass belongs to step search)."""

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """One theorem, whole."""
        return self.prove_tasks([WholeTask(theorem)])[0]

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Every theorem, `chunk` at a time; `on_attempt` as each chunk ends; results in input order."""
        return self.prove_tasks([WholeTask(t) for t in theorems], on_attempt)

    def prove_tasks(self, tasks: Sequence[WholeTask], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Like :meth:`prove_all`, with informal docstrings."""
        attempts: list[ProofAttempt] = []
        for start in range(0, len(tasks), self.config.chunk):
            for attempt in self._prove_chunk(list(tasks[start:start + self.config.chunk])):
                attempts.append(attempt)
                on_attempt(attempt)
        return attempts

    # -- one chunk ----------------------------------------------------------------------------
    def _prove_chunk(self, tasks: list[WholeTask]) -> list[ProofAttempt]:
        started = time.monotonic()
        jobs = []
        for task in tasks:
            query = whole_input(task.theorem.context, task.theorem.statement, task.informal)
            jobs.append(_Job(task, query, render_whole(self.format, query)))
        service = self.batching or BatchingService(self.toolchain, processes=self.processes,
                                                   timeout_s=self.tactic_timeout_s)
        answers = self._complete([job.first for job in jobs], self.config.samples)
        self._check(service, [(job, self._candidate(job, 0, job.first, a)) for job, answers_ in zip(jobs, answers)
                              for a in answers_], round_index=0)
        for round_index in range(1, self.config.repair_rounds + 1):
            pending = [(job, c) for job in jobs if job.winner is None for c in job.candidates
                       if c.round == round_index - 1 and c.verdict in ("failed", "inadmissible") and c.errors]
            if not pending:
                break
            prompts = [render_repair(self.format, c.prompt, c.completion, c.errors, c.round, job.query)
                       for job, c in pending]
            answers = self._complete(prompts, 1)
            self._check(service, [(job, self._candidate(job, round_index, prompt, a))
                                  for (job, _), prompt, found in zip(pending, prompts, answers) for a in found[:1]],
                        round_index)
        self._recheck(service, [job for job in jobs if job.winner is not None])
        elapsed = round(time.monotonic() - started, 3)
        return [self._attempt(job, elapsed) for job in jobs]

    def _complete(self, prompts: list[Prompt], n: int):
        with self._model_lock:
            return self.generator.complete(prompts, n, self.format.stop_list, self.max_new_tokens)

    def _candidate(self, job: _Job, round_index: int, prompt: Prompt, completion) -> Candidate:
        proof = read_proof(self.format, completion.text, job.theorem.name)
        candidate = Candidate(round_index, prompt, completion.text, completion.finished, proof)
        if not completion.finished and (proof is None or self.format.reader == "continuation"):
            candidate.verdict, candidate.detail = "unfinished", "the answer reached the token limit"
        elif proof is None:
            candidate.verdict, candidate.detail = "no_proof", f"no proof of {job.theorem.name} in the answer"
        elif (reason := proof_problem(job.theorem, proof)) is not None:
            candidate.verdict, candidate.detail = "inadmissible", reason
            candidate.errors = error_report(self.format.errors, job.theorem.lean_text(proof),
                                            [_message(job.theorem, reason)])
        job.candidates.append(candidate)
        return candidate

    def _check(self, service: BatchingService, pairs: list[tuple[_Job, Candidate]], round_index: int) -> None:
        """All checkable candidates of the round in one `check_all` (a proof drawn twice for the same
        theorem is checked once); then each job's round record."""
        checkable = [(job, c) for job, c in pairs if c.verdict == "failed" and c.proof is not None]
        slot: dict[tuple[int, str], int] = {}
        items: list[tuple[Theorem, str]] = []
        for job, candidate in checkable:
            if (id(job), candidate.proof) not in slot:
                slot[(id(job), candidate.proof)] = len(items)
                items.append((_renamed(job.theorem, len(items)), candidate.proof))
        runs_before = service.runs
        verdicts = service.check_all(items) if items else []
        for job, candidate in checkable:
            renamed, verdict = items[slot[(id(job), candidate.proof)]][0], verdicts[slot[(id(job), candidate.proof)]]
            messages = [_restore(m, renamed, job.theorem) for m in verdict.messages]
            if verdict.proved:
                candidate.verdict, candidate.detail = "proved", ""
                if job.winner is None:
                    job.winner = candidate
            else:
                candidate.detail = _first_error(verdict, messages)
                candidate.errors = error_report(self.format.errors, job.theorem.lean_text(candidate.proof), messages)
        touched = {id(job) for job, _ in checkable}
        for job in {id(job): job for job, _ in pairs}.values():
            mine = [c for c in job.candidates if c.round == round_index]
            job.rounds.append({"round": round_index, "candidates": len(mine),
                               "accepted": sum(c.verdict == "proved" for c in mine)})
            job.lean_calls += id(job) in touched
        self.progress(f"whole-proof round {round_index}: {len(pairs)} answers, {len(items)} checked in "
                      f"{service.runs - runs_before} Lean run(s), {sum(c.verdict == 'proved' for _, c in pairs)} accepted")

    def _recheck(self, service: BatchingService, jobs: list[_Job]) -> None:
        """The winner of each job, under the theorem's own name (distinct names share a file)."""
        if not jobs:
            return
        verdicts = service.check_all([(job.theorem, job.winner.proof) for job in jobs])
        for job, verdict in zip(jobs, verdicts):
            job.lean_calls += 1
            if not verdict.proved:
                job.winner.verdict, job.winner.detail = "failed", "the final re-check failed: " + _first_error(
                    verdict, list(verdict.messages))
                job.winner = None

    def _attempt(self, job: _Job, elapsed: float) -> ProofAttempt:
        first_round = [c for c in job.candidates if c.round == 0]
        proved = job.winner is not None
        attempt = ProofAttempt(job.theorem.name, "proved" if proved else "not_proved",
                               proof=job.winner.proof if proved else "", time_s=elapsed,
                               lean_calls=job.lean_calls, stop_reason="proved" if proved else "samples",
                               detail="" if proved else _summary(job.candidates))
        attempt.whole_proof = {
            "format": self.format.name, "samples": len(first_round),
            "correct": sum(c.verdict == "proved" for c in first_round),
            "proved_round": job.winner.round if proved else None, "rounds": job.rounds,
            "candidates": [c.record() for c in job.candidates],
        }
        return attempt


class HybridProver(ProverFacade):
    """Whole-proof samples first, then step search: what `--mode hybrid` puts under the
    decomposer, so that the theorem and each piece of a planner sketch are closed either way
    (DeepSeek-Prover-V2's subgoal recipe). Everything else (re-checks, cache, Lean gate) is the
    step prover's."""

    def __init__(self, step: Prover, whole: WholeProofEngine):
        self.prover, self.whole = step, whole

    @property
    def cache(self):
        """The step prover's proof cache (the decomposer records assembled proofs there)."""
        return self.prover.cache

    def verify(self, theorem: Theorem, proof: str) -> bool:
        """The step prover's re-check."""
        return self.prover.verify(theorem, proof)

    def lean_gate(self):
        """The step prover's Lean gate (a batching slot in a lockstep pool)."""
        return self.prover.lean_gate()

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Whole-proof samples (and repairs); if none is accepted, step search."""
        whole = self.whole.prove(theorem)
        if whole.status == "proved":
            whole.stop_reason = "whole-proof"
            return whole
        step = self.prover.prove(theorem)
        step.lean_calls += whole.lean_calls
        step.time_s = round(step.time_s + whole.time_s, 3)
        step.whole_proof = whole.whole_proof
        return step


def _renamed(theorem: Theorem, index: int) -> Theorem:
    """The theorem as the `index`-th candidate of a shared check file (`dojo_probe_<index>`)."""
    return Theorem(f"{PROBE_PREFIX}{index}", theorem.probe_header(index), theorem.context)


def _statement_line(theorem: Theorem) -> int:
    """The line where the statement starts in `theorem.lean_text(…)`."""
    return theorem.context.count("\n") + 3 if theorem.context.strip() else 1


def _restore(message: LeanMessage, renamed: Theorem, original: Theorem) -> LeanMessage:
    """A message about a renamed candidate as it reads for the original theorem's own file: its
    name back, lines shifted by what the original statement has before its name (a docstring,
    attributes), columns after the name on its line shifted back. (Everything after the name is
    the same text in both statements.)"""
    before = original.statement.count("\n") - renamed.statement.count("\n")
    name_line = _statement_line(renamed)
    delta = len(renamed.statement.split("\n")[0]) - len(original.statement.split("\n")[before])
    after_name = len(f"theorem {renamed.name}")

    def column(line: int, value: int) -> int:
        return max(0, value - delta) if line == name_line and value >= after_name else value

    text = re.sub(rf"\b{re.escape(renamed.name)}\b", original.name.rsplit(".", 1)[-1], message.text)
    return replace(message, text=text, line=message.line + before, end_line=message.end_line + before,
                   column=column(message.line, message.column),
                   end_column=column(message.end_line, message.end_column))


def _message(theorem: Theorem, reason: str) -> LeanMessage:
    """A pseudo-message at the theorem's first line, for a reason found before Lean."""
    line = _statement_line(theorem)
    return LeanMessage("error", line, 0, line, 0, reason)


def _first_error(verdict: CheckVerdict, messages: Sequence[LeanMessage]) -> str:
    errors = [m for m in messages if m.is_error]
    if errors:
        return f"{errors[0].location()}: " + errors[0].text.strip().split("\n")[0]
    return f"not proved ({verdict.status})"


def _summary(candidates: list[Candidate]) -> str:
    counts: dict[str, int] = {}
    for candidate in candidates:
        counts[candidate.verdict] = counts.get(candidate.verdict, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "no answers"


__all__ = ["Candidate", "HybridProver", "PROOF_MODES", "ProofMode", "WholeProofConfig", "WholeProofEngine", "WholeTask",
           "proof_problem"]
