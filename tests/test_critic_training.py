"""Critic training: labelled states from real search trees, a fine-tuned classifier that HFCritic loads.

Real Lean: two searches with the rule-based prior (a provable theorem and an unprovable one).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lean_prover.training.critic_data import CriticDataError, CriticExample, examples_from_rows, examples_from_trace


def _entry(parent: int, verdict: str, child: int | None, goals: str = "") -> dict:
    return {"parent": parent, "tactic": "t", "verdict": verdict, "child": child, "goals": goals}


def test_labels_follow_the_tree() -> None:
    # 0 → 1 → 2 (proof); 0 → 3 (expanded, its only tactic failed: dead); 0 → 4 (never expanded:
    # unlabeled); 1 → duplicate of 0 (a cycle: 1 stays provable through 2).
    trace = [_entry(0, "new", 1, "A"), _entry(0, "new", 3, "C"), _entry(0, "new", 4, "D"),
             _entry(1, "proved", 2), _entry(1, "duplicate", 0), _entry(3, "error", None)]
    examples = {e.state: e for e in examples_from_trace(trace, "ROOT", "t", proved=True)}
    assert examples["ROOT"] == CriticExample("ROOT", 1, 2, "t")
    assert examples["A"] == CriticExample("A", 1, 1, "t")
    assert examples["C"] == CriticExample("C", 0, -1, "t")
    assert "D" not in examples
    # the same tree when the final re-check failed: no positives, and nothing that reaches the "proof" is negative
    unproved = {e.state: e for e in examples_from_trace(trace, "ROOT", "t", proved=False)}
    assert set(unproved) == {"C"}


def test_a_node_reaching_the_frontier_is_not_a_dead_end() -> None:
    trace = [_entry(0, "new", 1, "A"), _entry(1, "new", 2, "B"), _entry(0, "error", None)]
    assert examples_from_trace(trace, "ROOT", "t", proved=False) == []  # B is unexpanded: A and the root undecided


def test_bad_traces_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(CriticDataError, match="without a search trace"):
        examples_from_rows([{"name": "x", "status": "proved"}])
    with pytest.raises(CriticDataError, match="not a search-trace entry"):
        examples_from_rows([{"name": "x", "trace": [{"tactic": "simp"}]}])
    from lean_prover.app.cli import build_parser, dispatch
    from lean_prover.app.console import CommandError

    args = build_parser().parse_args(["train", "critic", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "c")])
    with pytest.raises(CommandError, match="no such trace file"):
        dispatch(args)


@pytest.fixture(scope="module")
def search_rows(toolchain, tmp_path_factory) -> Path:
    """Search rows (with whole trees) of a provable and an unprovable theorem, prior policy, bfs."""
    from lean_prover.prover.models import load_policy
    from lean_prover.prover.suite import Problem
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.types import Budget
    from lean_prover.training.search_runs import search_problems

    path = tmp_path_factory.mktemp("critic") / "search.jsonl"
    problems = [Problem("crit_swap", "theorem crit_swap (p q : Prop) : p ∧ q → q ∧ p", "dev"),
                Problem("crit_false", "theorem crit_false (p q : Prop) (hq : q) : p", "dev")]
    prover = SearchProver(toolchain, load_policy(None), SearchConfig(algorithm="bfs", width=6, budget=Budget(8, 3, 600)))
    rows = search_problems(prover, problems, path, "critic-test", {"round": 0}, concurrency=2)
    assert [r["status"] for r in rows] == ["proved", "not_proved"]
    return path


def test_trained_critic_loads_in_hf_critic_and_guides_search(search_rows: Path, toolchain, tmp_path: Path) -> None:
    from lean_prover.prover.models import load_critic
    from lean_prover.app.cli import build_parser, dispatch

    out, examples_path = tmp_path / "critic", tmp_path / "examples.jsonl"
    args = build_parser().parse_args(["train", "critic", str(search_rows), "--out", str(out), "--examples-out",
                              str(examples_path), "--epochs", "60", "--max-prompt-tokens", "200", "--json"])
    assert dispatch(args) == 0
    examples = [json.loads(line) for line in examples_path.read_text().splitlines()]
    provable = [e for e in examples if e["label"] == 1]
    dead = [e for e in examples if e["label"] == 0]
    assert provable and dead
    assert {e["theorem"] for e in provable} == {"crit_swap"}  # positives only from the re-checked proof
    assert any(e["distance"] >= 1 and e["state"].startswith("p q : Prop") for e in provable)
    record = json.loads((out / "critic.json").read_text())
    assert record["examples"] == len(examples) and record["last_loss"] < record["first_loss"]
    critic = load_critic({"backend": "hf", "path": str(out), "max_prompt_tokens": record["max_prompt_tokens"]})
    values = critic.score([e["state"] for e in examples])
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values)
    mean_provable = sum(v for v, e in zip(values, examples) if e["label"]) / len(provable)
    mean_dead = sum(v for v, e in zip(values, examples) if not e["label"]) / len(dead)
    assert mean_provable > mean_dead  # the critic learned its training labels
    # the trained critic guides a critic-bfs search in Lean
    from lean_prover.lean_env.dojo import Theorem
    from lean_prover.prover.models import load_policy
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.types import Budget

    prover = SearchProver(toolchain, load_policy(None), SearchConfig(algorithm="critic-bfs", width=4, budget=Budget(4, 2, 600)),
                    critic=critic)
    attempt = prover.prove(Theorem.from_statement("theorem crit_and (p q : Prop) (hp : p) (hq : q) : p ∧ q"))
    assert attempt.status == "proved", attempt.detail


def test_run_folders_are_searched_for_trace_files(tmp_path: Path) -> None:
    from lean_prover.training.critic_data import read_attempts, trace_files

    (tmp_path / "round_0").mkdir()
    row = {"name": "t", "status": "not_proved", "root_state": "⊢ p", "trace": [_entry(0, "error", None)]}
    (tmp_path / "round_0" / "search.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "trace.json").write_text(json.dumps([row]))
    files = trace_files([tmp_path])
    assert files == [tmp_path / "round_0" / "search.jsonl"]
    assert read_attempts(tmp_path / "trace.json") == read_attempts(files[0]) == [row]
    assert examples_from_rows([row]) == [CriticExample("⊢ p", 0, -1, "t")]  # expanded, every tactic failed
    with pytest.raises(CriticDataError, match="no trace files"):
        trace_files([])
