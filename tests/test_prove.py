"""Proof search end to end on real Lean: each algorithm, the cache, a false statement, a whole file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lean_prover.lean_env.dojo import Theorem
from lean_prover.prover.critic import ShapeCritic
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prior import PriorPolicy
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import SearchConfig
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("algorithm", ["bfs", "critic-bfs", "mcts"])
def test_each_algorithm_proves_and_rechecks(toolchain, algorithm):
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(algorithm=algorithm, budget=Budget(max_lean_calls=3)),
                    critic=ShapeCritic())
    attempt = prover.prove(Theorem.from_statement("theorem pq (p q : Prop) (hp : p) (hq : q) : q ∧ p"))
    assert attempt.status == "proved" and attempt.proof.startswith("by\n")
    assert attempt.lean_calls >= 1 and attempt.trace


class TwoTactics:
    """A scripted step policy (plumbing only): a wrong lemma first, the right one second."""

    def suggest(self, states, k):
        ranked = [TacticSuggestion("exact Nat.dvd_trans h1 h2", -0.1), TacticSuggestion("exact Nat.dvd_add h1 h2", -0.2)]
        return [ranked[:k] for _ in states]


@pytest.mark.parametrize("algorithm", ["bfs", "mcts"])
def test_width_one_widens_at_the_root_after_its_only_tactic_fails(toolchain, algorithm):
    """Real Lean: at width 1 the root's one tactic fails and nothing is left to expand; the
    search asks the root again at width 2 and its second Lean call proves the theorem with the
    new tactic alone (the failed one is not probed again)."""
    prover = SearchProver(toolchain, TwoTactics(), SearchConfig(algorithm=algorithm, width=1, nodes_per_call=1,
                                                                budget=Budget(max_lean_calls=2)))
    attempt = prover.prove(Theorem.from_statement("theorem dvd_sum (a b c : Nat) (h1 : a ∣ b) (h2 : a ∣ c) : a ∣ b + c"))
    assert attempt.status == "proved" and "Nat.dvd_add h1 h2" in attempt.proof, attempt
    assert [(step["tactic"], step["verdict"]) for step in attempt.trace] == [
        ("exact Nat.dvd_trans h1 h2", "error"), ("exact Nat.dvd_add h1 h2", "proved")]
    assert attempt.lean_calls == 2 and attempt.expansions == 2


def test_false_statement_not_proved(toolchain, tmp_path):
    cache = ProofCache(tmp_path / "cache.db")
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(budget=Budget(max_lean_calls=2)), cache=cache)
    attempt = prover.prove(Theorem.from_statement("theorem bogus (n : Nat) : n + 1 = n"))
    assert attempt.status == "not_proved" and attempt.proof == ""
    assert cache.stats()["failures"] == 1


def test_second_run_served_from_cache(toolchain, tmp_path):
    cache = ProofCache(tmp_path / "cache.db")
    prover = SearchProver(toolchain, PriorPolicy(), SearchConfig(budget=Budget(max_lean_calls=2)), cache=cache)
    theorem = Theorem.from_statement("theorem le_succ_demo (a b : Nat) (h : a ≤ b) : a < b + 1")
    first = prover.prove(theorem)
    second = prover.prove(theorem)
    assert first.status == "proved" and not first.from_cache
    assert second.status == "proved" and second.from_cache and second.lean_calls == 0
    assert second.proof == first.proof


def test_prove_file_with_three_sorries(tmp_path):
    """Statements are written back byte for byte: CRLF line endings, spacing before `:=`, a
    statement over two lines and a `«name with spaces»` survive; only the proofs change."""
    statements = ["theorem first_one (p q : Prop) (hp : p) (hq : q) : p ∧ q   :=",
                  "theorem «second one» (a b : Nat)\r\n    (h : a ≤ b)  :  a < b + 1 :=",
                  "theorem third_one (xs : List Nat) : (xs ++ []).length = xs.length:="]
    source = tmp_path / "three.lean"
    source.write_bytes("-- three sorries\r\n\r\n".encode() + "\r\n\r\n".join(
        f"{s} by\r\n  sorry" for s in statements).encode() + b"\r\n")
    out = tmp_path / "three.proved.lean"
    proc = subprocess.run([sys.executable, "-m", "lean_prover.app.cli", "prove", str(source), "--out", str(out),
                           "--json"], capture_output=True, text=True, cwd=ROOT, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["ok"] and [t["status"] for t in report["theorems"]] == ["proved"] * 3
    assert report["final_check"]["status"] == "proved"
    written = out.read_bytes()
    assert b"sorry" not in written and written.startswith(b"-- three sorries\r\n\r\n")
    assert all(s.encode() in written for s in statements)
    assert written.count(b"\n") == written.count(b"\r\n")  # every line ending is still CRLF
