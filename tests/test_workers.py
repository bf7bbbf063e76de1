"""Parallel workers: the shared SQLite cache under concurrent and killed writers, the pool's
retry of a killed worker's task, a three-`sorry` file proved by two workers on real Lean, the
same theorems on a local Ray instance (same proofs, same expansion counts), and determinism."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lean_prover.lean_env.dojo import Theorem
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.search.best_first import best_first_search
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import SearchConfig
from lean_prover.search.mcts import mcts_search
from lean_prover.search.prove import ProofAttempt
from lean_prover.app.prove_file import prove_file
from lean_prover.search.types import Budget
from lean_prover.search.spec import ProverSpec
from lean_prover.search.workers import WorkerPool

ROOT = Path(__file__).resolve().parent.parent
THREE = ("theorem first_one (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  sorry\n\n"
         "theorem second_one (a b : Nat) (h : a ≤ b) : a < b + 1 := by\n  sorry\n\n"
         "theorem third_one (xs : List Nat) : (xs ++ []).length = xs.length := sorry\n")


def _write_proofs(path: str, tag: str, count: int, shared_failures: int) -> None:
    cache = ProofCache(path)
    for i in range(count):
        cache.put_proof(f"⊢ goal_{tag}_{i}", [f"exact proof_{tag}_{i}"], source=tag)
        cache.record_failure(f"⊢ shared_{i % shared_failures}", i, 0.1)
    cache.close()


def _write_forever(path: str, started) -> None:
    cache = ProofCache(path)
    started.set()
    i = 0
    while True:
        cache.put_proof(f"⊢ doomed_{i}", ["rfl"] * 50)
        i += 1


def test_cache_concurrent_writers_lose_nothing_and_survive_a_kill(tmp_path):
    path = str(tmp_path / "cache.db")
    ctx = mp.get_context("spawn")
    started = ctx.Event()
    victim = ctx.Process(target=_write_forever, args=(path, started))
    victim.start()
    assert started.wait(60)
    writers = [ctx.Process(target=_write_proofs, args=(path, tag, 300, 7)) for tag in ("a", "b")]
    for w in writers:
        w.start()
    time.sleep(1.0)
    os.kill(victim.pid, signal.SIGKILL)  # killed in the middle of its write loop
    victim.join()
    for w in writers:
        w.join(120)
        assert w.exitcode == 0
    cache = ProofCache(path)
    assert cache.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for tag in ("a", "b"):
        for i in (0, 150, 299):
            assert cache.get_proof(f"⊢ goal_{tag}_{i}") == [f"exact proof_{tag}_{i}"]
    assert cache.db.execute("SELECT count(*) FROM proofs WHERE source IN ('a', 'b')").fetchone()[0] == 600
    # every read-modify-write of the shared failure rows counted: 2 writers × 300 updates
    assert sum(cache.get_failure(f"⊢ shared_{k}").attempts for k in range(7)) == 600
    assert cache.get_failure("⊢ shared_0").expansions == 294  # the max over both writers
    doomed = cache.db.execute("SELECT tactics FROM proofs WHERE goal LIKE '⊢ doomed_%'").fetchall()
    assert doomed and all(row[0].count("rfl") == 50 for row in doomed)  # no half-written row


class KillOnce:
    """A stand-in prover for the scheduler test: the first time it is given `boom` (marked by a
    file) its process dies by SIGKILL mid-task; every theorem is otherwise `proved` at once."""

    def __init__(self, marker: str):
        self.marker = marker

    def __call__(self) -> "KillOnce":
        return self

    def prove(self, theorem: Theorem) -> ProofAttempt:
        if theorem.name == "boom" and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return ProofAttempt(theorem.name, "proved", proof=f"by -- {os.getpid()}")


def _theorems(*names: str) -> list[Theorem]:
    return [Theorem(n, f"theorem {n} : True") for n in names]


@pytest.mark.parametrize("retries", [1, 0])
def test_killed_worker_loses_only_its_task(tmp_path, retries):
    starts: list[tuple[int, int]] = []
    pool = WorkerPool(KillOnce(str(tmp_path / "killed")), workers=2, retries=retries,
                      on_start=lambda index, pid: starts.append((index, pid)))
    attempts = pool.prove_all(_theorems("a", "boom", "c", "d", "e"))
    assert [a.name for a in attempts] == ["a", "boom", "c", "d", "e"]
    assert all(a.status == "proved" for i, a in enumerate(attempts) if i != 1)
    boom_pids = [pid for index, pid in starts if index == 1]
    killed = int((tmp_path / "killed").read_text())
    assert boom_pids[0] == killed
    if retries:
        assert attempts[1].status == "proved" and len(boom_pids) == 2 and boom_pids[1] != killed
    else:
        assert attempts[1].status == "error" and "worker died" in attempts[1].detail and len(boom_pids) == 1
    assert sorted(index for index, _ in starts if index != 1) == [0, 2, 3, 4]  # nobody else re-ran


@pytest.fixture(scope="module")
def two_worker_run(toolchain, tmp_path_factory):
    """THREE proved by a pool of two workers sharing a cache; the worker that takes the second
    theorem first is killed on the spot."""
    tmp = tmp_path_factory.mktemp("workers")
    source, output = tmp / "three.lean", tmp / "three.proved.lean"
    source.write_text(THREE, encoding="utf-8")
    spec = ProverSpec(toolchain, SearchConfig(budget=Budget(max_lean_calls=2)), cache_path=str(tmp / "cache.db"))
    killed: list[int] = []

    def kill_first_of_second(index: int, pid: int) -> None:
        if index == 1 and not killed:
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    pool = WorkerPool(spec, workers=2, retries=1, on_start=kill_first_of_second)
    report = prove_file(pool, source, output)
    return report, output, killed, ProofCache(tmp / "cache.db"), spec, source


def test_three_sorrys_two_workers_killed_worker_retried(two_worker_run):
    report, output, killed, cache, _, _ = two_worker_run
    assert killed, "the kill hook never fired"
    assert [a.status for a in report.attempts] == ["proved"] * 3
    assert report.final_check.status == "proved" and report.ok
    assert "sorry" not in output.read_text()
    assert cache.stats()["proofs"] == 3  # both workers wrote the shared cache


def test_ray_backend_gives_the_same_proofs(two_worker_run):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install ray)")
    from lean_prover.search.ray_backend import RayPool
    report, _, _, _, spec, source = two_worker_run
    text = source.read_text()
    theorems = [Theorem.from_source(text, name) for name in ("first_one", "second_one")]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a cluster already running here
    try:
        attempts = RayPool(spec.__class__(spec.toolchain, spec.config), workers=2).prove_all(theorems)
    finally:
        ray.shutdown()
    assert [a.status for a in attempts] == ["proved", "proved"]
    for mine, theirs in zip(attempts, report.attempts[:2]):
        assert (mine.proof, mine.expansions, mine.lean_calls) == (theirs.proof, theirs.expansions, theirs.lean_calls)


GRAPH = {"s0": ["x", "a", "b"], "s1": ["c", "d"], "s2": ["e", "f", "g"], "s3": ["h", "done"], "s4": ["done"]}
STEP = {("s0", "a"): "s1", ("s0", "b"): "s2", ("s1", "c"): "s3", ("s2", "e"): "s3", ("s2", "f"): "s4",
        ("s3", "h"): "s4", ("s4", "done"): "PROVED", ("s3", "done"): "PROVED"}


class _Policy:
    def suggest(self, states, k):
        return [[TacticSuggestion(t, -0.5 * (len(t) + i)) for i, t in enumerate(GRAPH.get(s, []))][:k] for s in states]


class _Env:
    """A scripted Lean stand-in (the search's bookkeeping only)."""

    def root(self):
        from lean_prover.search.types import Outcome
        return Outcome("state", key="s0", goals="s0", num_goals=1)

    def probe(self, pairs):
        from lean_prover.search.types import Outcome
        out = []
        for state, tactic in pairs:
            nxt = STEP.get((state.key, tactic), "ERROR")
            out.append(Outcome("proved") if nxt == "PROVED" else Outcome("error", message="no") if nxt == "ERROR"
                       else Outcome("state", key=nxt, goals=nxt, num_goals=1))
        return out


@pytest.mark.parametrize("algorithm", ["bfs", "critic-bfs", "mcts"])
def test_same_search_twice_same_result(algorithm):
    search = mcts_search if algorithm == "mcts" else best_first_search
    config = SearchConfig(algorithm=algorithm, nodes_per_call=2, seed=7)
    first, second = (search(_Env(), _Policy(), config) for _ in range(2))
    assert first.proved and (first.tactics, first.expansions, first.probes) == \
        (second.tactics, second.expansions, second.probes)
    assert [s["verdict"] for s in first.trace] == [s["verdict"] for s in second.trace]


def test_cli_rejects_bad_worker_count(tmp_path):
    source = tmp_path / "t.lean"
    source.write_text(THREE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "prove", str(source), "--workers", "0"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0 and proc.stderr.strip().count("\n") == 0 and "--workers" in proc.stderr


def test_failure_skips_a_budget_already_spent_in_lean_calls(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(str(path))  # a cache written before failures had a lean_calls column
    old.execute("CREATE TABLE failures (key TEXT PRIMARY KEY, goal TEXT, expansions INTEGER, time_s FLOAT, "
                "attempts INTEGER, updated FLOAT)")
    old.commit()
    old.close()
    cache = ProofCache(path)
    goal = "n : Nat\n⊢ n + 1 = n"
    cache.record_failure(goal, expansions=5, time_s=1.0, lean_calls=2)
    assert cache.should_skip(goal, 64, 2) and cache.should_skip(goal, 5, 12)
    assert not cache.should_skip(goal, 64, 3) and not cache.should_skip(goal, 64)
    cache.record_failure(goal, expansions=3, time_s=1.0, lean_calls=4)
    assert cache.get_failure(goal).lean_calls == 4 and cache.get_failure(goal).expansions == 5


def test_a_killed_parent_takes_its_lean_process_with_it():
    """`run_lean_file`'s command line dies with the thread that started it (no orphaned Lean)."""
    from lean_prover.lean_env.process import dies_with_parent

    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux-only")
    child = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; from lean_env.process import dies_with_parent; "
         "p = subprocess.Popen(dies_with_parent(['sleep', '300'])); print(p.pid, flush=True); p.wait()"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    grandchild = int(child.stdout.readline())
    deadline = time.monotonic() + 30
    while Path(f"/proc/{grandchild}/comm").read_text().strip() != "sleep":  # setpriv set the signal, then exec'd
        assert time.monotonic() < deadline, "setpriv never ran the command"
        time.sleep(0.05)
    child.kill()
    child.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:  # gone, or a zombie waiting for a reaper (a container's init may not reap)
            state = Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.1)
    else:
        os.kill(grandchild, signal.SIGKILL)
        pytest.fail("the grandchild outlived its killed parent")
    assert dies_with_parent(["lean"])[-1] == "lean"
