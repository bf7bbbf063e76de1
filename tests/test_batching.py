"""Lockstep batching of concurrent searches (lean_env.batching).

The scheduler tests replace the Lean run of a round (`_run_one`) to test the scheduling alone;
the last tests run real Lean: batched answers equal one-theorem answers, and concurrent
searches find the same proofs as sequential ones with fewer Lean processes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lean_prover.lean_env.batching import BatchingService
from lean_prover.lean_env.dojo import Dojo, LeanCrash, LeanError, TacticState
from lean_prover.lean_env.theorem import Theorem


class RecordingService(BatchingService):
    """Answers every path with a LeanError naming it; records each run's (theorem name, tactics…)."""

    def __init__(self, processes: int = 2, max_probes: int = 256, fail: bool = False):
        super().__init__(toolchain=None, processes=processes, max_probes=max_probes)
        self.batches: list[list[tuple[str, ...]]] = []
        self.fail = fail
        self.running = 0
        self.most_running = 0
        self._count = threading.Lock()

    def _probe_run(self, theorems: dict, keyed: list) -> list:
        if self.fail:
            raise RuntimeError("Lean vanished")
        with self._slots:
            with self._count:
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            time.sleep(0.05)
            with self._count:
                self.running -= 1
                self.batches.append([(theorems[path[0]].name, *path[1:]) for path in keyed])
        return [LeanError(f"{theorems[path[0]].name}:{'/'.join(path[1:])}") for path in keyed]


def theorem(name: str, context: str = "") -> Theorem:
    return Theorem(name, f"theorem {name} : True", context)


def run_threads(service: BatchingService, jobs: list) -> list:
    """Run each job(service) in its own participant thread; returns their results in order."""
    results: list = [None] * len(jobs)
    started = threading.Barrier(len(jobs))

    def work(index: int) -> None:
        with service.participant():
            started.wait()
            results[index] = jobs[index](service)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    service.expect(len(threads))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    assert not any(t.is_alive() for t in threads), "a participant never got its answer"
    return results


def test_requests_of_all_participants_share_one_round_and_get_their_own_answers() -> None:
    service = RecordingService()
    jobs = [lambda s, i=i: s.evaluate(theorem(f"t{i}"), [("a",), ("b", "c")]) for i in range(5)]
    results = run_threads(service, jobs)
    assert service.rounds == 1 and len(service.batches) == 1 and len(service.batches[0]) == 10
    for i, answer in enumerate(results):
        assert [r.error for r in answer] == [f"t{i}:a", f"t{i}:b/c"]


def test_a_round_waits_for_a_busy_participant_but_not_for_one_outside() -> None:
    service = RecordingService()
    order: list[str] = []

    def busy(s):  # thinks (policy time) before its request: the round waits for it
        time.sleep(0.3)
        order.append("busy submits")
        return s.evaluate(theorem("busy"), [("x",)])

    def outside(s):  # re-checks a proof: the round goes on without it
        with s.outside():
            time.sleep(0.6)
        order.append("outside done")
        return []

    def quick(s):
        answer = s.evaluate(theorem("quick"), [("y",)])
        order.append("quick answered")
        return answer

    run_threads(service, [busy, outside, quick])
    assert order == ["busy submits", "quick answered", "outside done"]
    assert service.rounds == 1 and sorted(p[1] for p in service.batches[0]) == ["x", "y"]


def test_runs_split_by_context_and_size_and_never_exceed_the_process_limit() -> None:
    service = RecordingService(processes=2, max_probes=3)
    jobs = [lambda s, i=i: s.evaluate(theorem(f"t{i}", context="open Nat" if i % 2 else ""),
                                      [(str(k),) for k in range(4)]) for i in range(4)]
    results = run_threads(service, jobs)
    assert service.rounds == 1
    assert all(len(batch) <= 3 for batch in service.batches)
    assert sum(len(batch) for batch in service.batches) == 16
    for batch in service.batches:  # one context per run
        assert len({int(path[0][1:]) % 2 for path in batch}) == 1
    assert service.most_running <= 2
    assert [[r.error for r in answer] for answer in results] == [[f"t{i}:{k}" for k in range(4)] for i in range(4)]


def test_a_failed_round_answers_every_waiter_with_a_crash() -> None:
    service = RecordingService(fail=True)
    outcomes: list = []

    def job(s):
        try:
            return s.evaluate(theorem("t"), [("a",)])
        except RuntimeError as exc:  # the thread that ran the round sees the error itself
            outcomes.append(str(exc))
            return None

    results = run_threads(service, [job, job, job])
    crashes = [r for r in results if r is not None]
    assert outcomes == ["Lean vanished"]
    assert len(crashes) == 2 and all(isinstance(r[0], LeanCrash) for r in crashes)


def test_batched_answers_equal_one_theorem_answers(toolchain) -> None:
    """Real Lean: the same probes through Dojos on a shared service and alone."""
    theorems = [Theorem.from_statement("theorem b_and (p q : Prop) (hp : p) (hq : q) : p ∧ q"),
                Theorem.from_statement("theorem b_add (n : Nat) : n + 0 = n"),
                Theorem.from_statement("theorem b_lt (n : Nat) : n < n + 1")]
    tactics = ["constructor", "omega", "exact hp", "simp", "intro h"]

    def probe(dojo_factory) -> list[str]:
        answers = []
        for t in theorems:
            with dojo_factory(t) as (dojo, initial):
                assert isinstance(initial, TacticState)
                answers.append([type(r).__name__ + ":" + (r.pp if isinstance(r, TacticState) else "")
                                for r in dojo.run_tacs([(initial, tac) for tac in tactics])])
        return answers

    alone = probe(lambda t: Dojo(t, toolchain=toolchain))
    service = BatchingService(toolchain, processes=2)

    def job(theorem):
        def run(s):
            with Dojo(theorem, engine=s.engine(theorem)) as (dojo, initial):
                return [type(r).__name__ + ":" + (r.pp if isinstance(r, TacticState) else "")
                        for r in dojo.run_tacs([(initial, tac) for tac in tactics])]
        return run

    shared = run_threads(service, [job(t) for t in theorems])
    assert shared == alone
    assert "ProofFinished:" in alone[1] and any(a.startswith("TacticState:") for a in alone[0])
    assert service.rounds == 2 and service.runs == 2  # the initial states together, then the probes together


def test_shared_rechecks_judge_each_theorem_like_a_recheck_alone(toolchain) -> None:
    """Real Lean: a proof, a wrong proof, a `sorry` and a name met twice, re-checked together."""
    from lean_prover.prover.models import load_policy
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.engines import BatchedEngines
    from lean_prover.search.prove import SearchProver

    cases = [(Theorem.from_statement("theorem rc_ok (p q : Prop) (hp : p) (hq : q) : p ∧ q"), "⟨hp, hq⟩"),
             (Theorem.from_statement("theorem rc_wrong (n : Nat) : n + 1 = n"), "by omega"),
             (Theorem.from_statement("theorem rc_sorry (n : Nat) : n = n"), "by sorry"),
             (Theorem.from_statement("theorem rc_ok (n : Nat) : n ≤ n + 1"), "by omega")]
    prover = SearchProver(toolchain, load_policy(None), SearchConfig())
    alone = [prover.verify(t, proof) for t, proof in cases]
    assert alone == [True, False, False, True]
    service = BatchingService(toolchain, processes=2)
    shared = run_threads(service, [lambda s, c=c: prover.replace(engines=BatchedEngines(s)).verify(*c) for c in cases])
    assert shared == alone
    assert service.rounds == 1 and service.runs == 2  # rc_ok twice: two files


@pytest.mark.parametrize("concurrency", [3])
def test_concurrent_searches_find_the_sequential_proofs(toolchain, tmp_path: Path, concurrency: int) -> None:
    from lean_prover.prover.models import load_policy
    from lean_prover.prover.suite import Problem
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.types import Budget
    from lean_prover.training.search_runs import search_problems

    problems = [Problem("cs_swap", "theorem cs_swap (p q : Prop) : p ∧ q → q ∧ p", "dev"),
                Problem("cs_add", "theorem cs_add (a b : Nat) (h : a = b) : a + 1 = b + 1", "dev"),
                Problem("cs_false", "theorem cs_false (p : Prop) : p", "dev")]
    prover = SearchProver(toolchain, load_policy(None), SearchConfig(width=4, budget=Budget(8, 2, 600)))
    sequential = search_problems(prover, problems, tmp_path / "seq.jsonl", "cs", {"round": 1})
    concurrent = search_problems(prover, problems, tmp_path / "conc.jsonl", "cs", {"round": 1},
                                 concurrency=concurrency)
    assert [r["status"] for r in sequential] == ["proved", "proved", "not_proved"]
    key = lambda r: (r["name"], r["status"], r["tactics"], r["proof"], r["lean_calls"], r["expansions"], r["steps"])  # noqa: E731
    assert [key(r) for r in concurrent] == [key(r) for r in sequential]


THREE = ("theorem first_one (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  sorry\n\n"
         "theorem second_one (a b : Nat) (h : a ≤ b) : a < b + 1 := by\n  sorry\n\n"
         "theorem third_one (xs : List Nat) : (xs ++ []).length = xs.length := sorry\n")


def test_cli_prove_with_concurrency_proves_every_sorry_and_rechecks(toolchain, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    source = tmp_path / "three.lean"
    source.write_text(THREE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "prove", str(source), "--concurrency", "3",
                           "--json", "--width", "6", "--max-lean-calls", "3"],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert [t["name"] for t in report["theorems"]] == ["first_one", "second_one", "third_one"]
    assert all(t["status"] == "proved" for t in report["theorems"])
    assert report["final_check"]["status"] == "proved" and report["ok"]
    assert "sorry" not in Path(report["output"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("options", [["--concurrency", "0"], ["--concurrency", "2", "--workers", "2"]])
def test_cli_rejects_bad_concurrency(tmp_path: Path, options: list[str]) -> None:
    import subprocess
    import sys

    source = tmp_path / "t.lean"
    source.write_text(THREE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "prove", str(source), *options],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "--concurrency" in proc.stderr


def test_batch_engine_context_check_probes_the_shared_theorem() -> None:
    """After a fault with no context marker the engine probes the empty path alone: a batch
    engine must turn it into the shared theorem's initial state (it used to raise KeyError/IndexError)."""
    from lean_prover.lean_env.batching import BatchEngine
    from lean_prover.lean_env.theorem import Theorem

    first = Theorem.from_statement("theorem b1 (n : Nat) : n + 0 = n")
    engine = BatchEngine(None, first, theorems={"a": first, "b": Theorem.from_statement("theorem b2 : True")})
    text, probes, _ = engine.batch_file([(), ("b", "trivial")])
    assert "theorem dojo_probe_0 (n : Nat) : n + 0 = n := by\n  skip" in text
    assert "theorem dojo_probe_1 : True := by\n  trivial" in text and len(probes) == 2
