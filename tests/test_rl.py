"""RLVR: the Lean-verified reward, its legality checks, and GRPO training end to end.

Real Lean: one reward batch with the farming steps (2 probe runs: two contexts; 4 runs verifying
the finished proofs), the prompts' initial states (1 run) and two GRPO steps (1 run per reward batch).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lean_prover.prover.suite import load_suite
from lean_prover.training.rewards import LeanReward, RewardError, RewardTask, completion_tactic

AND = RewardTask("theorem t_and (p q : Prop) (hp : p) (hq : q) : p ∧ q", "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q")
NAT = RewardTask("theorem t_nat (n : Nat) : n + 0 = n", "n : Nat\n⊢ n + 0 = n")
SQUARE = RewardTask("theorem t_sq (a b : Nat) (h : a ≤ b) : a * a ≤ b * b", "a b : Nat\nh : a ≤ b\n⊢ a * a ≤ b * b")
REVERTED = RewardTask(SQUARE.statement, "a b : Nat\n⊢ a ≤ b → a * a ≤ b * b", ("revert h",))
CHEAT = RewardTask("theorem t_cheat (n : Nat) : n = n + 1", "n : Nat\n⊢ n = n + 1", context="axiom cheat : False")
BATCH = [
    (SQUARE, "have := Nat.mul_le_mul h h", 1.0, "step"),  # the closing search finishes it only after this
    (AND, "constructor\n", 0.0, "no_gain"),  # the closing search already closes `p ∧ q`
    # farming attempts: padding, restating a hypothesis, an intro/revert loop, a step with no evidence
    (SQUARE, "have : True := trivial", 0.0, "no_progress"),
    (SQUARE, "have h2 := h", 0.0, "no_progress"),
    (SQUARE, "revert h", 0.0, "unverified"),
    (REVERTED, "intro h", 0.0, "loop"),
    (REVERTED, "intro h'", 0.0, "loop"),
    (AND, "exact ⟨hp, hq⟩", 1.0, "proof"),
    (NAT, "omega", 1.0, "proof"),
    (AND, "exact hp", 0.0, "error"),
    (AND, "skip", 0.0, "no_progress"),
    (AND, "sorry", 0.0, "illegal"),
    (NAT, "native_decide", 0.0, "illegal"),
    (NAT, "decide +native", 0.0, "illegal"),
    (NAT, "exact sorryAx _", 0.0, "illegal"),
    (NAT, "run_tac Lean.Elab.admitGoal", 0.0, "illegal"),
    (CHEAT, "exact cheat.elim", 0.0, "illegal"),  # Lean accepts it; the axiom audit refuses it
    (NAT, "simp\ntheorem x : False := sorry", 0.0, "format"),
]


@pytest.mark.parametrize("completion, expected", [
    ("omega\n", ("omega", None)),
    ("  simp [Nat.add_comm]  ", ("simp [Nat.add_comm]", None)),
    ("", (None, "format")),
    ("exact (h", (None, "format")),
    ("[PROOFSTEP] simp", (None, "format")),
    ("omega\nsorry", (None, "format")),
    ("admit", (None, "illegal")),
    ("set_option debug.skipKernelTC true in rfl", (None, "illegal")),
    ("exact Lean.ofReduceBool _ _ rfl", (None, "illegal")),
    ("by_elab pure ()", (None, "illegal")),
    ("@[simp] rfl", (None, "illegal")),
])
def test_completion_legality(completion: str, expected: tuple) -> None:
    tactic, problem = completion_tactic(completion)
    assert tactic == expected[0]
    assert (problem.split(":")[0] if problem else None) == expected[1]


def test_bad_reward_input_is_a_one_line_error() -> None:
    reward = LeanReward(toolchain=None)  # never reaches Lean
    with pytest.raises(RewardError, match="2 tasks but 1 completions"):
        reward.score([AND, AND], ["simp"])
    with pytest.raises(RewardError, match="bad task statement"):
        reward.score([RewardTask("def f : Nat", "")], ["rfl"])


def test_reward_is_what_lean_says(toolchain) -> None:
    reward = LeanReward(toolchain)
    verdicts = reward.score([b[0] for b in BATCH], [b[1] for b in BATCH])
    got = [(v.reward, v.verdict) for v in verdicts]
    assert got == [(b[2], b[3]) for b in BATCH], [v.to_dict() for v in verdicts]
    assert "non-standard axioms: cheat" in next(v.detail for v in verdicts if v.tactic == "exact cheat.elim")
    # probes: one Lean process per context (AND/NAT/SQUARE's, CHEAT's); verification of the finished
    # proofs: compile + evidence per context (the two AND/NAT proofs share a file)
    assert reward.lean_runs == 2 + 2 + 2
    assert reward.verdicts["illegal"] == 6 and reward.batches == 1
    assert sum(v.reward for v in verdicts if v.verdict not in ("step", "proof")) == 0


@pytest.fixture(scope="module")
def grpo_run(toolchain, tmp_path_factory):
    """Prompts from two core problems, a tiny policy primed by SFT on one step each, two GRPO steps."""
    from lean_prover.training.base_model import build_base_model
    from lean_prover.training.data import Step
    from lean_prover.training.grpo import GRPOSettings, suite_prompts, train_grpo
    from lean_prover.training.sft import SFTSettings, train_sft

    work = tmp_path_factory.mktemp("grpo")
    problems = [p for p in load_suite("core") if p.name in ("logic_and_swap", "nat_add_rearrange_three")]
    rows = suite_prompts(toolchain, problems)
    base = build_base_model(work / "base", load_suite("core", split="dev"))
    primer = [Step(r.task.state, "intro h" if r.name == "logic_and_swap" else "omega", r.name) for r in rows]
    primed = Path(train_sft(base, primer, work / "primed", SFTSettings(min_steps=60, max_steps=60, batch_size=4)).path)
    result = train_grpo(primed, rows, work / "grpo", toolchain,
                        GRPOSettings(max_steps=2, num_generations=4, prompts_per_step=2, max_completion_length=8,
                                     learning_rate=1e-4))
    return rows, result


def test_grpo_prompts_are_lean_states(grpo_run) -> None:
    rows, _ = grpo_run
    states = {r.name: r.task.state for r in rows}
    assert states["logic_and_swap"] == "p q : Prop\n⊢ p ∧ q → q ∧ p"
    assert states["nat_add_rearrange_three"] == "a b c : Nat\n⊢ a + b + c = c + b + a"
    assert all(r.task.prefix == () for r in rows)


def test_grpo_trains_with_lean_rewards_and_saves_a_loadable_policy(grpo_run) -> None:
    from lean_prover.prover.models import load_policy

    _, result = grpo_run
    assert result.steps == 2 and result.reward_batches == 2
    assert sum(result.verdicts.values()) == 2 * 8  # every completion judged
    # a fixed number of Lean processes per reward batch, never one per completion: the probe run,
    # and for finished proofs the verifier's compile, at most 2 repair compiles and its report
    assert result.reward_batches <= result.lean_runs <= 5 * result.reward_batches < 2 * 8
    rewarded = result.verdicts.get("step", 0) + result.verdicts.get("proof", 0)
    assert rewarded >= 1  # the primed policy writes tactics Lean accepts
    assert math.isclose(sum(result.rewards) * 8, rewarded, abs_tol=1e-3)  # logged reward = Lean's verdicts
    record = json.loads((Path(result.path) / "grpo.json").read_text())
    assert record["verdicts"] == result.verdicts
    policy = load_policy({"backend": "hf", "path": result.path, "num_samples": 4, "max_prompt_tokens": 200})
    completions = policy.complete([policy.generator.prompt("p q : Prop\n⊢ p ∧ q → q ∧ p")], 4)[0]
    assert completions and all(math.isfinite(c.logprob) for c in completions if c.finished)
    assert any(c.finished for c in completions)


def test_grpo_cli_rejects_bad_options() -> None:
    from lean_prover.app.cli import build_parser, dispatch
    from lean_prover.app.console import CommandError

    parser = build_parser()
    args = parser.parse_args(["train", "grpo", "--out", "/tmp/never", "--generations", "1"])
    with pytest.raises(CommandError, match="--generations must be at least 2"):
        dispatch(args)
    args = parser.parse_args(["train", "grpo", "--out", "/tmp/never", "--suite", "/nonexistent.jsonl"])
    with pytest.raises(CommandError, match="no suite named"):
        dispatch(args)


def test_step_prompts_rebuild_tactic_paths() -> None:
    from lean_prover.prover.suite import Problem
    from lean_prover.training.data import Step
    from lean_prover.training.grpo import step_prompts

    problem = Problem("swap", "theorem swap (p q : Prop) : p ∧ q → q ∧ p", "dev")
    proof = [Step("p q : Prop\n⊢ p ∧ q → q ∧ p", "intro h", "swap", depth=0, state_after="h : p ∧ q\n⊢ q ∧ p"),
             Step("h : p ∧ q\n⊢ q ∧ p", "exact ⟨h.2, h.1⟩", "swap", depth=1)]
    # another proof: its root is the same (theorem, path) as above, its second step does not follow its first
    gap = [Step("p q : Prop\n⊢ p ∧ q → q ∧ p", "intro x", "swap", round=1, depth=0, state_after="B"),
           Step("C", "t2", "swap", round=1, depth=1)]
    rows = step_prompts(proof + gap + [Step("X", "t", "unknown")], [problem])
    assert [(r.task.state, r.task.prefix) for r in rows] == [
        ("p q : Prop\n⊢ p ∧ q → q ∧ p", ()), ("h : p ∧ q\n⊢ q ∧ p", ("intro h",))]
    assert all(r.task.statement == problem.statement for r in rows)
