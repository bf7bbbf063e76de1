"""The session engine (one long-lived `lean --worker`) against the file engine, on real Lean."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest

from lean_prover.lean_env.embedded import embedded_location, install_embedded
from lean_prover.lean_env.file_engine import FileEngine
from lean_prover.lean_env.results import TacticState
from lean_prover.lean_env.session import LeanSession, SessionEngine, header_of, to_lean_message
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.prior import PriorPolicy

THEOREMS = [
    "theorem s_and (p q : Prop) (hp : p) (hq : q) : p ∧ q",
    "theorem s_add (n : Nat) : n + 0 = n",
    "theorem s_lt (a b : Nat) (h : a ≤ b) : a < b + 1",
    "theorem s_list (xs : List Nat) : (xs ++ []).length = xs.length",
    "theorem s_or (p q : Prop) : p ∨ q → q ∨ p",
]


@pytest.fixture(scope="module")
def session(toolchain):
    """One worker shared by every test here (its start-up is the expensive part)."""
    with LeanSession(toolchain) as shared:
        started = time.monotonic()
        shared.start()
        print(f"[session] start-up {time.monotonic() - started:.1f} s")
        yield shared


def _pairs(theorem: Theorem, engine: SessionEngine) -> list[tuple[str, ...]]:
    """Paths one and two tactics deep, proposed by the prior policy from the session's own states."""
    policy = PriorPolicy()
    initial = engine.evaluate([()])[0]
    assert isinstance(initial, TacticState), initial
    first = [(s.tactic,) for s in policy.suggest([initial.pp], 8)[0]]
    paths: list[tuple[str, ...]] = [(), *first]
    states = [r for r in engine.evaluate(first) if isinstance(r, TacticState)][:3]
    for state, suggestions in zip(states, policy.suggest([s.pp for s in states], 6)):
        paths.extend((*state.tactics, s.tactic) for s in suggestions)
    return paths


@pytest.mark.slow  # ~10 minutes: five theorems, each through both engines
def test_session_matches_file_engine(toolchain, session):
    compared = 0
    for statement in THEOREMS:
        theorem = Theorem.from_statement(statement)
        engine = SessionEngine(toolchain, theorem, session=session)
        paths = _pairs(theorem, engine)
        started = time.monotonic()
        by_session = engine.evaluate(paths)
        session_s = time.monotonic() - started
        started = time.monotonic()
        by_file = FileEngine(toolchain, theorem).evaluate(paths)
        file_s = time.monotonic() - started
        print(f"[session] {theorem.name}: {len(paths)} pairs, session {session_s:.1f} s, file {file_s:.1f} s")
        for path, mine, theirs in zip(paths, by_session, by_file):
            assert mine == theirs, f"{theorem.name} {path}: session {mine!r} != file {theirs!r}"
        compared += len(paths)
    assert compared >= 100
    assert session.starts >= 1


def test_second_edit_is_fast_and_restart_after_crash(session):
    text = "theorem q (n : Nat) : n + 1 > n := by\n  omega\n"
    first = session.check(text, 120)
    second = session.check(text.replace("omega", "simp"), 120)
    assert first.fault is None and second.fault is None, (first.fault_detail, second.fault_detail)
    assert second.messages == []
    startup = session.last_startup_s
    print(f"[session] edit {second.elapsed_s:.2f} s after a start-up of {startup:.1f} s")
    assert second.elapsed_s < startup
    os.killpg(session._proc.pid, signal.SIGKILL)  # the worker dies: the next request starts a new one
    session._proc.wait()
    starts = session.starts
    third = session.check(text.replace("omega", "skip"), 120)
    assert session.starts == starts + 1 and third.fault is None
    assert [m.text.split("\n")[0] for m in third.messages] == ["unsolved goals"]


def test_prover_searches_through_the_session(toolchain, session):
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.engines import SessionEngines
    from lean_prover.search.prove import SearchProver

    requests = session.requests
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(), engines=SessionEngines(session))
    attempt = prover.prove(Theorem.from_statement("theorem sp (p q : Prop) (hp : p) (hq : q) : q ∧ p"))
    assert attempt.status == "proved", attempt
    assert session.requests > requests  # the probes went through the session, the re-check through `lean`


def test_lsp_diagnostic_positions_become_codepoints():
    text = "theorem t : ∀ 𝔸 : Nat, 𝔸 = 𝔸 := by\n  intro x\n  rfl\n"
    diagnostic = {"range": {"start": {"line": 0, "character": 35}, "end": {"character": 37, "line": 0}},
                  "severity": 1, "message": "boom"}
    message = to_lean_message(diagnostic, text)
    assert (message.line, message.column, message.end_column) == (1, 32, 34)  # `by`; each 𝔸 is two UTF-16 units
    assert message.severity == "error" and message.text == "boom"


def test_header_is_the_leading_imports():
    assert header_of("-- hi\nimport Std\n/- c -/ import Lean.Data\n\ntheorem t : True := trivial\nimport X") == (
        "import Std", "import Lean.Data")
    assert header_of("theorem t : True := trivial") == ()


def test_stale_glue_is_repatched_without_download(toolchain, tmp_path, monkeypatch):
    """An install whose glue predates the current fixes (e.g. before `main-on-pthread-*`) is re-patched in place."""
    if not toolchain.is_embedded:
        pytest.skip("tests the embedded install")
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm: a download attempt would fail
    stale = embedded_location(tmp_path)
    (stale.glue.parent).mkdir(parents=True)
    shutil.copyfile(toolchain.embedded.glue.with_name("lean.js.orig"), stale.glue.with_name("lean.js.orig"))
    stale.glue.write_text("stale", encoding="utf-8")
    stale.node.parent.mkdir(parents=True)
    stale.node.write_text("")
    stale.library.mkdir()
    (stale.root / "installed.json").write_text("{}")
    assert not stale.is_installed()
    assert install_embedded(tmp_path).is_installed()
