"""The SQLite proof cache: round trips, concurrent writers, a writer killed mid-write."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time

from lean_prover.search.cache import ProofCache, goal_key


def test_round_trip_and_normalisation(tmp_path):
    cache = ProofCache(tmp_path / "c.db")
    goal = "n : Nat\n⊢ n + 0 = n"
    assert cache.get_proof(goal) is None
    cache.record_failure(goal, expansions=8, time_s=1.0)
    assert cache.should_skip(goal, 8) and not cache.should_skip(goal, 16)
    cache.record_failure(goal, expansions=4, time_s=3.0)
    failure = cache.get_failure(goal)
    assert (failure.expansions, failure.time_s, failure.attempts) == (8, 3.0, 2)
    cache.put_proof(goal, ["simp"], source="test")
    assert cache.get_proof("n   : Nat\n⊢ n + 0 =  n") == ["simp"]  # whitespace-insensitive
    assert cache.get_failure(goal) is None
    assert goal_key("x✝¹ : Nat ⊢ True") == goal_key("x✝ : Nat ⊢ True")
    cache.close()
    assert ProofCache(tmp_path / "c.db").stats() == {"proofs": 1, "failures": 0, "suggestions": 0}  # kept across runs


def _writer(path, worker, count):
    cache = ProofCache(path)
    for i in range(count):
        cache.put_proof(f"⊢ goal {worker} {i}", [f"tac{i}"], source=f"w{worker}")


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "c.db"
    ProofCache(path).close()
    procs = [multiprocessing.Process(target=_writer, args=(path, w, 150)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = ProofCache(path)
    assert cache.stats()["proofs"] == 450
    assert cache.get_proof("⊢ goal 2 149") == ["tac149"]


def test_writer_killed_mid_write_leaves_cache_usable(tmp_path):
    path = tmp_path / "c.db"
    ProofCache(path).close()
    proc = multiprocessing.Process(target=_writer, args=(path, 9, 1_000_000))
    proc.start()
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    cache = ProofCache(path)
    written = cache.stats()["proofs"]
    assert written > 0
    assert cache.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for i in range(written):  # every committed write is whole
        assert cache.get_proof(f"⊢ goal 9 {i}") == [f"tac{i}"]
    cache.put_proof("⊢ after crash", ["rfl"])
    assert sqlite3.connect(str(path)).execute("SELECT count(*) FROM proofs").fetchone()[0] == written + 1
