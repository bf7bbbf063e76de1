"""The session engine (one long-lived `lean --worker`) against the file engine, on real Lean."""

from __future__ import annotations

import os
import shutil
import signal
import threading
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


_SHARED: list[LeanSession] = []  # the fixture's session, stopped by the pool test (one worker at a time)


@pytest.fixture(scope="module")
def session(toolchain):
    """One worker shared by every test here (its start-up is the expensive part)."""
    with LeanSession(toolchain) as shared:
        _SHARED.append(shared)
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


# -- the pool keyed by header (lean_env.pool): one session at a time, so the fixture's worker is stopped first


POOL_THEOREMS = [
    ("theorem s_and (p q : Prop) (hp : p) (hq : q) : p ∧ q",
     [(), ("constructor",), ("exact ⟨hp, hq⟩",), ("intro x",), ("constructor", "exact hp"), ("constructor", "exact hq"),
      ("constructor", "all_goals assumption"), ("simp",)]),
    ("theorem s_add (n : Nat) : n + 0 = n",
     [(), ("omega",), ("induction n",), ("induction n", "rfl"), ("simp",), ("rfl",), ("cases n",), ("exact foo",)]),
]


def _kill_worker_while_it_starts(pool, after_s: float) -> threading.Thread:
    """Kill the pool's (only) worker from outside `after_s` seconds into its start-up, as the OOM killer would."""
    def kill() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            proc = pool.sessions[0]._proc if pool.sessions else None
            if proc is not None and proc.poll() is None:
                time.sleep(after_s)
                os.killpg(proc.pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


def test_pool_matches_file_engine_restarts_by_uses_and_retries_a_killed_worker(toolchain):
    from lean_prover.lean_env.pool import LeanPool, PoolPolicy

    for shared in _SHARED:
        shared.close()  # never two 7.6 GB workers at once
    with LeanPool(toolchain, PoolPolicy(size=1, max_uses=3, chunk=4)) as pool:
        killer = _kill_worker_while_it_starts(pool, after_s=3.0)
        for number, (statement, paths) in enumerate(POOL_THEOREMS):
            theorem = Theorem.from_statement(statement)
            engine = SessionEngine(toolchain, theorem, session=pool, chunk=pool.chunk)
            by_pool = engine.evaluate(paths)
            by_file = FileEngine(toolchain, theorem).evaluate(paths)
            assert by_pool == by_file, [(p, a, b) for p, a, b in zip(paths, by_pool, by_file) if a != b]
            if number == 0:
                killer.join()
                assert engine.killed_runs == 1  # the killed start-up cost a retry, not a result
        stats = pool.stats
        assert stats.faults == {"killed": 1}
        assert stats.restarts_by_uses >= 1 and stats.requests == 2 * 2 + 1  # 8 paths / 4 a request, + the killed one
        assert len(pool.sessions) == 1


def test_pool_keys_sessions_by_header_and_restarts_by_memory(toolchain, monkeypatch):
    """The pool's scheduling alone, with a scripted session (no Lean): keyed reuse, LRU restart, memory limit."""
    import lean_prover.lean_env.pool as pool_module
    from lean_prover.lean_env.process import LeanRun

    class ScriptedSession:
        def __init__(self, toolchain, startup_timeout_s, max_uses):
            self.loaded_header, self.served, self.starts, self.max_uses = None, 0, 0, max_uses
            self.rss = 1_000_000_000

        def check(self, text, timeout_s):
            header = header_of(text)
            if self.loaded_header != header or self.served >= self.max_uses:
                self.loaded_header, self.served, self.starts = header, 0, self.starts + 1
                self.rss = 1_000_000_000
            self.served += 1
            self.rss += 500_000_000 if "heavy" in text else 0
            if "bloat" in text and self.served > 2:  # the heap filled up over earlier requests
                self.loaded_header, self.served = None, 0
                return LeanRun([], None, 0.0, "oom", "Lean ran out of memory", "", self.rss)
            return LeanRun([], 0, 0.0, None, "", "", self.rss)

        def close(self):
            self.loaded_header, self.served = None, 0

    monkeypatch.setattr(pool_module, "LeanSession", ScriptedSession)
    pool = pool_module.LeanPool(toolchain, pool_module.PoolPolicy(size=2, max_uses=3, max_rss_gb=100))
    pool.check("import Std\ntheorem a : True := trivial", 10)
    pool.check("theorem b : True := trivial", 10)
    assert sorted(s.loaded_header for s in pool.sessions) == [(), ("import Std",)]
    for _ in range(2):
        pool.check("import Std\ntheorem c : True := trivial", 10)  # back to the session that has Std loaded
    assert [s.starts for s in pool.sessions] == [1, 1] and pool.stats.header_switches == 0
    pool.check("import Std\ntheorem c : True := trivial", 10)  # its 4th use: replaced (max_uses 3)
    assert pool.stats.restarts_by_uses == 1
    pool.check("import Lean\ntheorem d : True := trivial", 10)  # a third header: the session used longest ago
    assert pool.stats.header_switches == 1 and len(pool.sessions) == 2
    assert sorted(s.loaded_header for s in pool.sessions) == [("import Lean",), ("import Std",)]

    heavy = pool_module.LeanPool(toolchain, pool_module.PoolPolicy(size=1, max_uses=100, max_rss_gb=2.0))
    for _ in range(3):  # 1.5, 2.0 (not above the limit), 2.5 GB: replaced once
        heavy.check("theorem heavy : True := trivial", 10)
    assert heavy.stats.restarts_by_memory == 1 and heavy.sessions[0].loaded_header is None

    bloated = pool_module.LeanPool(toolchain, pool_module.PoolPolicy(size=1, max_uses=100))
    runs = [bloated.check("theorem bloat : True := trivial", 10) for _ in range(3)]
    assert [r.fault for r in runs] == [None, None, None]  # the third ran out of memory, then ran on a fresh worker
    assert bloated.stats.oom_retries == 1 and bloated.sessions[0].starts == 2


def test_file_engine_lean_killed_from_outside_costs_a_retry(toolchain):
    """A real Lean process SIGKILLed mid-run by someone else: its probes are re-run, every result is real."""
    import psutil

    from lean_prover.lean_env.process import run_lean_file
    from lean_prover.lean_env.results import LeanError, ProofFinished

    def kill_first_lean(toolchain, path, timeout_s):
        if not kills:
            def kill() -> None:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    # only the Lean process of this probe file (other children of this test
                    # process, e.g. a server of an earlier test, are not ours to kill)
                    children = [c for c in psutil.Process().children(recursive=True) if _runs_file(c, path)]
                    if children:
                        time.sleep(1.0)
                        for child in children:
                            child.kill()
                        kills.append(len(children))
                        return
                    time.sleep(0.05)
            threading.Thread(target=kill, daemon=True).start()
        return run_lean_file(toolchain, path, timeout_s)

    def _runs_file(process: psutil.Process, path) -> bool:
        try:
            return any(str(path) in arg for arg in process.cmdline())
        except psutil.Error:  # it ended meanwhile
            return False

    kills: list[int] = []
    theorem = Theorem.from_statement("theorem k (p q : Prop) (hp : p) (hq : q) : p ∧ q")
    engine = FileEngine(toolchain, theorem, runner=kill_first_lean)
    results = engine.evaluate([(), ("constructor",), ("exact ⟨hp, hq⟩",), ("intro x",)])
    assert kills and engine.killed_runs == 1 and engine.runs == 2
    assert [type(r) for r in results] == [TacticState, TacticState, ProofFinished, LeanError], results
