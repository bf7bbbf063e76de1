"""`prover train sft`: LoRA trains adapter weights only; a killed run resumes to the same end;
LeanDojo Benchmark 4 steps; defaults by model size. Tiny models trained here, no Lean."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lean_prover.prover.suite import load_suite
from lean_prover.training.data import Step, save_steps

STEPS = [Step(f"n : Nat\n⊢ n + {k} = {k} + n", tactic, f"t{k}")
         for k in range(12) for tactic in (("omega",) if k % 2 else ("rw [Nat.add_comm]", "simp"))]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    from lean_prover.training.base_model import build_base_model

    return build_base_model(tmp_path_factory.mktemp("sft") / "base", load_suite("core", split="dev"))


def test_lora_trains_only_adapter_weights(base, tmp_path) -> None:
    from safetensors import safe_open

    from lean_prover.app.cli import main
    from lean_prover.prover.models import load_policy

    data = tmp_path / "steps.jsonl"
    save_steps(STEPS, data)
    out = tmp_path / "lora"
    assert main(["train", "sft", "--data", str(data), "--base-model", str(base), "--out", str(out), "--lora",
                 "--lora-r", "4", "--max-steps", "6", "--threads", "1", "--json"]) == 0
    record = json.loads((out / "sft.json").read_text())
    assert record["lora"] and record["profile"] == "tiny" and record["steps"] == 6
    with safe_open(str(out / "adapter_model.safetensors"), "pt") as adapter:
        names = list(adapter.keys())
        saved = sum(adapter.get_tensor(n).numel() for n in names)
    assert names and all("lora_" in n for n in names)
    assert not (out / "model.safetensors").exists()  # the base weights are not saved again
    assert record["trainable_parameters"] == saved  # exactly the adapter weights were trained
    assert 0 < record["trainable_parameters"] < record["total_parameters"] / 5
    policy = load_policy({"backend": "hf", "path": str(out), "num_samples": 2, "max_prompt_tokens": 64})
    assert policy.suggest(["n : Nat\n⊢ n + 1 = 1 + n"], 2) is not None  # base + adapter load and generate


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from transformers import TrainerCallback
    from lean_prover.training.data import load_steps
    from lean_prover.training.sft import SFTSettings, train_sft

    class KillAt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == int(sys.argv[4]):
                os.kill(os.getpid(), signal.SIGKILL)  # no clean-up, as with the OOM killer

    settings = SFTSettings(**__import__("json").loads(sys.argv[5]))
    train_sft(Path(sys.argv[1]), load_steps(Path(sys.argv[2])), Path(sys.argv[3]), settings, callbacks=[KillAt()])
""")


def test_killed_sft_resumes_from_its_checkpoint_and_ends_where_an_uninterrupted_run_ends(base, tmp_path) -> None:
    from dataclasses import asdict

    from lean_prover.training.sft import SFTSettings, TrainingError, train_sft

    data = tmp_path / "steps.jsonl"
    save_steps(STEPS, data)
    settings = SFTSettings(min_steps=30, max_steps=30, batch_size=4, save_steps=10, threads=1)
    killed = tmp_path / "killed"
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    run = subprocess.run([sys.executable, str(script), str(base), str(data), str(killed), "15",
                          json.dumps(asdict(settings))], capture_output=True, text=True, timeout=600)
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    assert not killed.exists()  # nothing published
    assert sorted(p.name for p in (tmp_path / "killed.partial" / "trainer").glob("checkpoint-*")) == ["checkpoint-10"]
    with pytest.raises(TrainingError, match="pass --resume"):
        train_sft(base, STEPS, killed, settings)  # checkpoints are never thrown away silently
    from dataclasses import replace

    resumed = train_sft(base, STEPS, killed, replace(settings, resume=True))
    whole = train_sft(base, STEPS, tmp_path / "whole", settings)
    assert resumed.resumed_from == "checkpoint-10" and whole.resumed_from == ""
    assert resumed.steps == whole.steps == 30
    assert [s for s, _ in resumed.losses] == [s for s, _ in whole.losses]
    # The logged loss averages the steps since the last log; the first log after the resume point
    # averages only the steps after the checkpoint, not its whole window: skip that one.
    straddling = min(s for s, _ in whole.losses if s > 10)
    for (step, a), (_, b) in zip(resumed.losses, whole.losses):
        if step != straddling:
            assert a == pytest.approx(b, rel=1e-3, abs=1e-3), (step, resumed.losses, whole.losses)
    assert resumed.last_loss == pytest.approx(whole.last_loss, rel=1e-3, abs=1e-3)
    assert whole.last_loss < whole.first_loss  # it did learn
    assert not (tmp_path / "killed.partial").exists() and (killed / "sft.json").is_file()


def test_leandojo_traced_tactics_become_steps(tmp_path) -> None:
    from lean_prover.training.data import DataError
    from lean_prover.training.step_formats import load_step_file

    theorem = {"url": "https://example.invalid/repo", "commit": "abc", "file_path": "Mathlib/X.lean",
               "full_name": "Nat.foo", "start": [1, 1], "end": [3, 1], "traced_tactics": [
                   {"tactic": "intro h", "annotated_tactic": ["intro h", []],
                    "state_before": "p q : Prop\n⊢ p → p ∨ q", "state_after": "p q : Prop\nh : p\n⊢ p ∨ q"},
                   {"tactic": "exact Or.inl h", "annotated_tactic": ["exact Or.inl h", []],
                    "state_before": "p q : Prop\nh : p\n⊢ p ∨ q", "state_after": "no goals"}]}
    (tmp_path / "train.json").write_text(json.dumps([theorem]))
    steps = load_step_file(tmp_path / "train.json")
    assert [(s.state, s.tactic, s.depth, s.state_after, s.theorem) for s in steps] == [
        ("p q : Prop\n⊢ p → p ∨ q", "intro h", 0, "p q : Prop\nh : p\n⊢ p ∨ q", "Nat.foo"),
        ("p q : Prop\nh : p\n⊢ p ∨ q", "exact Or.inl h", 1, "", "Nat.foo")]
    save_steps(steps, tmp_path / "ours.jsonl")
    assert load_step_file(tmp_path / "ours.jsonl") == steps  # our format, detected
    (tmp_path / "bad.json").write_text(json.dumps([{"full_name": "x"}]))
    with pytest.raises(DataError, match="no traced_tactics"):
        load_step_file(tmp_path / "bad.json")
    with pytest.raises(DataError, match="no such file"):
        load_step_file(tmp_path / "missing.json")


def test_defaults_follow_the_model_size(base, tmp_path) -> None:
    from lean_prover.training.model_profile import count_parameters, sft_defaults
    from lean_prover.training.sft import SFTSettings

    assert 0 < count_parameters(base) < 50_000_000
    tiny = SFTSettings().resolved(base)
    assert (tiny.learning_rate, tiny.epochs, tiny.min_steps) == (3e-3, 40.0, 60)
    big = tmp_path / "big"
    big.mkdir()
    header = json.dumps({"w": {"dtype": "BF16", "shape": [100_000, 1_000], "data_offsets": [0, 0]}}).encode()
    (big / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header)
    assert count_parameters(big) == 100_000_000
    full, lora = sft_defaults(big, lora=False), sft_defaults(big, lora=True)
    assert full.profile == "large" and full.learning_rate == 1e-5 and full.epochs == 1.0
    assert lora.learning_rate == 2e-4 and full.gradient_accumulation_steps == 8
    assert SFTSettings(learning_rate=5e-5).resolved(big).learning_rate == 5e-5  # a set value wins


def test_sft_cli_bad_input_is_one_line(tmp_path, capsys) -> None:
    from lean_prover.app.cli import main

    assert main(["train", "sft", "--data", str(tmp_path / "none.jsonl"), "--base-model", str(tmp_path),
                 "--out", str(tmp_path / "o")]) == 2
    assert "not a save_pretrained model folder" in capsys.readouterr().err


CRITIC_KILLER = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from transformers import TrainerCallback
    from lean_prover.training.critic_data import CriticExample
    from lean_prover.training.critic_train import CriticSettings, train_critic

    class KillAt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 6:
                os.kill(os.getpid(), signal.SIGKILL)

    examples = [CriticExample(**e) for e in json.loads(sys.argv[3])]
    train_critic(Path(sys.argv[1]), examples, Path(sys.argv[2]), CriticSettings(**json.loads(sys.argv[4])),
                 callbacks=[KillAt()])
""")


def test_critic_resumes_and_grpo_never_drops_checkpoints_silently(base, tmp_path) -> None:
    """Critic training SIGKILLed at step 6 resumes from its step-4 checkpoint to the uninterrupted
    run's loss; GRPO refuses a folder holding checkpoints unless asked to resume (no Lean: it
    stops before its first reward)."""
    from dataclasses import asdict, replace

    from lean_prover.training.critic_data import CriticExample
    from lean_prover.training.critic_train import CriticSettings, train_critic
    from lean_prover.training.grpo import GRPOSettings, PromptRow, train_grpo
    from lean_prover.training.rewards import RewardTask
    from lean_prover.training.sft import TrainingError

    examples = [CriticExample(f"n : Nat\n⊢ n + {k} = {k} + n", k % 2, 1, f"t{k}") for k in range(8)]
    settings = CriticSettings(epochs=8, batch_size=4, save_steps=4, threads=1)
    script = tmp_path / "critic_killer.py"
    script.write_text(CRITIC_KILLER)
    run = subprocess.run([sys.executable, str(script), str(base), str(tmp_path / "critic"),
                          json.dumps([asdict(e) for e in examples]), json.dumps(asdict(settings))],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    with pytest.raises(TrainingError, match="pass --resume"):
        train_critic(base, examples, tmp_path / "critic", settings)
    resumed = train_critic(base, examples, tmp_path / "critic", replace(settings, resume=True))
    whole = train_critic(base, examples, tmp_path / "whole", settings)
    assert resumed.steps == whole.steps == 16
    assert resumed.last_loss == pytest.approx(whole.last_loss, rel=1e-3, abs=1e-3)
    assert resumed.train_accuracy == whole.train_accuracy

    prompt = [PromptRow("t", RewardTask("theorem t (n : Nat) : n + 0 = n", "n : Nat\n⊢ n + 0 = n"))]
    (tmp_path / "grpo.partial" / "trainer" / "checkpoint-3").mkdir(parents=True)
    with pytest.raises(TrainingError, match="pass --resume"):
        train_grpo(base, prompt, tmp_path / "grpo", toolchain=None, settings=GRPOSettings(max_steps=1))
