"""What proving a theorem returns (:class:`ProofAttempt`) and what every prover offers
(:class:`Prover`): one search, decomposition, and the pools that run many searches at once.

    prover.prove(theorem)                        # one theorem
    prover.prove_all(theorems, on_attempt)       # many, `on_attempt` as each ends; input order
    prover.prepare(theorems, automation)         # shared work before proving them one by one

`independent` says how `prove_all` treats several theorems of one file: False (one prover,
in order: a caller may let each proof join the context of the next), True (a pool: every
theorem in the original context, in parallel, so results do not depend on the pool's size).
`prepare` runs what many theorems share before any is proved: the first pass of
:mod:`search.portfolio` (Lean's one-shot automation, and Lean's suggestions for the root
states) in one Lean run for all of them; `prove_all` does it itself, a caller that proves
theorems one by one (`prover prove FILE` in order) or holds automation results already (`prover
bench`'s baseline) calls it first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable, Literal, Mapping, Protocol, Sequence, Union

from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.search.types import StopReason

if TYPE_CHECKING:
    from lean_prover.search.portfolio import FirstPassResult

AttemptStatus = Literal["proved", "not_proved", "skipped", "error"]
"""proved (re-checked by Lean) | not_proved (the search ended without a proof) | skipped (a
cached failure with at least this budget) | error (the attempt could not run; `detail` says why)."""

AttemptStop = Union[StopReason, Literal["first pass", "cache", "cached failure", "decomposed", "samples", "whole-proof",
                                        ""]]
"""Why an attempt ended: the search's stop reason, a proof by the first pass's one-shot
automation, a cache hit or skip, a decomposition, or the whole-proof engine (`samples`: every
sample and repair was tried; `whole-proof`: in hybrid mode, a whole-proof sample proved it before
step search ran)."""

OnAttempt = Callable[["ProofAttempt"], None]


@dataclass
class ProofAttempt:
    """The end of one theorem's attempt.

    `proof` (the text after `:=`) is set only when Lean re-checked the whole theorem with it;
    an `error` attempt always says why in `detail`.
    """

    name: str
    status: AttemptStatus
    proof: str = ""
    tactics: list[str] = field(default_factory=list)
    from_cache: bool = False
    time_s: float = 0.0
    expansions: int = 0
    lean_calls: int = 0
    probes: int = 0
    stop_reason: AttemptStop = ""
    detail: str = ""
    trace: list[dict] = field(default_factory=list)
    root_state: str = ""  # the goals the search started from ("" when no search ran: cache, skip, error)
    decomposition: dict = field(default_factory=dict)  # set by search.decompose: sketches and pieces tried
    whole_proof: dict = field(default_factory=dict)  # set by search.whole_proof: samples, rounds, verdicts

    def to_dict(self, with_trace: bool = False) -> dict:
        """A JSON-ready dict (the search trace only on request)."""
        data = asdict(self)
        if not with_trace:
            data.pop("trace")
        return data


def error_attempt(name: str, exc: BaseException) -> ProofAttempt:
    """The `error` attempt of a theorem whose proving raised `exc` (one theorem's failure must
    not end a run of many)."""
    return ProofAttempt(name, "error", detail=f"{type(exc).__name__}: {exc}")


class Prover(Protocol):
    """What proves theorems: a search (:class:`search.prove.SearchProver`), decomposition
    (:class:`search.decompose.Decomposer`) or a pool (lockstep, worker processes, Ray)."""

    independent: bool

    @property
    def toolchain(self) -> Toolchain:
        """The Lean that checks the proofs."""

    @property
    def tactic_timeout_s(self) -> float:
        """Wall-clock limit of one Lean process."""

    def prove(self, theorem: Theorem) -> ProofAttempt:
        """Prove one theorem."""

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """Prove every theorem; attempts in the input's order, `on_attempt` as each ends."""

    def prepare(self, theorems: Sequence[Theorem], automation: "Mapping[str, FirstPassResult] | None" = None) -> None:
        """Run the work `theorems` share before they are proved (module docstring); `automation`:
        one-shot automation results already computed, by :func:`search.portfolio.theorem_key`."""


class ProverFacade:
    """A prover that wraps another (`self.prover`): its toolchain and timeout pass through, and
    `prove_all` proves one theorem after the other with the subclass's `prove` (an exception is
    that theorem's `error`)."""

    prover: Prover
    independent = False

    @property
    def toolchain(self) -> Toolchain:
        """The wrapped prover's Lean toolchain."""
        return self.prover.toolchain

    @property
    def tactic_timeout_s(self) -> float:
        """The wrapped prover's per-process Lean timeout."""
        return self.prover.tactic_timeout_s

    def prepare(self, theorems: Sequence[Theorem], automation: "Mapping[str, FirstPassResult] | None" = None) -> None:
        """The wrapped prover's shared work (its first pass)."""
        self.prover.prepare(theorems, automation)

    def prove_all(self, theorems: Sequence[Theorem], on_attempt: OnAttempt = lambda _a: None) -> list[ProofAttempt]:
        """The shared work first, then every theorem in turn, in this process; `on_attempt` as each ends."""
        self.prepare(theorems)
        return prove_in_turn(self, theorems, on_attempt)


def prove_in_turn(prover: Prover, theorems: Sequence[Theorem], on_attempt: OnAttempt) -> list[ProofAttempt]:
    """`prover.prove` of each theorem in order, an exception becoming that theorem's `error`."""
    attempts = []
    for theorem in theorems:
        try:
            attempt = prover.prove(theorem)
        except Exception as exc:  # one theorem's failure must not end the others
            attempt = error_attempt(theorem.name, exc)
        attempts.append(attempt)
        on_attempt(attempt)
    return attempts
