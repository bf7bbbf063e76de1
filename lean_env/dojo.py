"""Tactic-level interaction in LeanDojo's vocabulary.

    with Dojo(theorem) as (dojo, state):
        result = dojo.run_tac(state, "intro h")
        results = dojo.run_tacs([(state, "constructor"), (result, "omega")])   # one Lean round trip

A state is the tactic path that reached it; an engine (:mod:`lean_env.file_engine`) evaluates
batches of paths. Results are values, never exceptions: :class:`TacticState`,
:class:`ProofFinished`, :class:`LeanError`, :class:`TacticTimeout`, :class:`LeanCrash`
(:mod:`lean_env.results`). Tactics refused by :func:`lean_env.tactic_guard.tactic_problem`
(`sorry`, `native_decide`, commands, unsound options, …) are answered with a `LeanError`
without running Lean.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from lean_prover.lean_env.file_engine import DEFAULT_HEARTBEATS, DEFAULT_TIMEOUT_S, Engine, FileEngine
from lean_prover.lean_env.results import (LeanCrash, LeanError, ProofFinished, TacticResult, TacticState, TacticTimeout,
                              render_script)
from lean_prover.lean_env.tactic_guard import tactic_problem
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain

__all__ = ["Dojo", "Theorem", "TacticState", "ProofFinished", "LeanError", "TacticTimeout", "LeanCrash",
           "TacticResult", "render_script", "tactic_problem"]


class Dojo:
    """An interaction session for one theorem.

    `__enter__` runs Lean once for the initial state and returns `(dojo, initial)`; `initial`
    is a `TacticState` unless the statement itself does not elaborate (then it is the
    `LeanError`/`TacticTimeout`/`LeanCrash` saying why). Results are never exceptions.
    """

    def __init__(self, theorem: Theorem, toolchain: Toolchain | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, heartbeats: int = DEFAULT_HEARTBEATS,
                 engine: Engine | None = None):
        self.theorem = theorem
        self.engine: Engine = engine or FileEngine(toolchain or resolve_toolchain(), theorem, heartbeats, timeout_s)
        self._next_id = 1
        self._cache: dict[tuple[str, ...], TacticResult] = {}
        self.initial: TacticResult | None = None

    def __enter__(self) -> tuple["Dojo", TacticResult]:
        initial = self.engine.evaluate([()])[0]
        if isinstance(initial, TacticState):
            initial = dataclasses.replace(initial, id=0, tactics=())
        self.initial = initial
        return self, initial

    def __exit__(self, *exc) -> None:
        self.engine.close()

    def run_tac(self, state: TacticState, tactic: str) -> TacticResult:
        """Run one tactic on a state (one Lean run)."""
        return self.run_tacs([(state, tactic)])[0]

    def run_tacs(self, pairs: Sequence[tuple[TacticState, str]]) -> list[TacticResult]:
        """Run many (state, tactic) pairs in one Lean run; results in the same order."""
        results: list[TacticResult | None] = [None] * len(pairs)
        wanted: dict[tuple[str, ...], list[int]] = {}
        for index, (state, tactic) in enumerate(pairs):
            if not isinstance(state, TacticState):
                results[index] = LeanError(f"not a tactic state: {type(state).__name__}")
                continue
            problem = tactic_problem(tactic)
            if problem is not None:
                results[index] = LeanError(problem)
                continue
            path = (*state.tactics, tactic.strip("\n"))
            if path in self._cache:
                results[index] = self._cache[path]
            else:
                wanted.setdefault(path, []).append(index)
        paths = list(wanted)
        for path, result in zip(paths, self.engine.evaluate(paths) if paths else []):
            if isinstance(result, TacticState):
                result = dataclasses.replace(result, id=self._next_id, tactics=path)
                self._next_id += 1
            if not isinstance(result, LeanCrash) and not (isinstance(result, TacticTimeout) and "heartbeats" not in result.detail):
                self._cache[path] = result
            for index in wanted[path]:
                results[index] = result
        return [r if r is not None else LeanCrash("no result") for r in results]
