"""The shipped default models (`prover/default_model/`: `policy/`, `critic/`, `models.yaml`),
produced by this pipeline.

1. expert iteration on the `core` suite's **dev** split only (`eval_split` none: no test
   theorem is searched, and none shapes the tokenizer), from the rule-based prior, with the dev
   split's reference first steps as seed data — or, with `from_run`, the kept steps of an
   existing expert-iteration run folder instead of searching again;
2. a final fine-tune of the untrained tiny GPT-2 base (2 layers, 64 wide, 640-token BPE) on the
   seed steps and every round's kept steps, saved with `save_pretrained` (about 0.7 MB).

3. the critic: a one-label sequence classifier on the same base, trained on the labelled
   states of the run's training-split search trees (`round_*/search.jsonl`; never the
   held-out `eval/` trees).

`policy/training.json` records data sizes, the run it came from and the losses;
`models.yaml` configures both (`prover prove --model prover/default_model/models.yaml`).

    prover train default-models --out prover/default_model [--from-run DIR]
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

from lean_prover.prover.suite import load_suite
from lean_prover.training.base_model import build_base_model
from lean_prover.training.critic_data import examples_from_rows, read_attempts
from lean_prover.training.critic_train import train_critic
from lean_prover.training.data import load_steps, reference_steps
from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig
from lean_prover.training.filters import drop_duplicates
from lean_prover.training.sft import SFTSettings, train_sft


def build_default_models(out: Path, work: Path, toolchain, limit: int = 12, rounds: int = 1,
                         from_run: Path | None = None,
                         on_event: Callable[[str, dict], None] = lambda _e, _i: None) -> dict:
    """Produce the default policy and critic into `out` (see the module docstring); returns
    their record."""
    dev = load_suite("core", split="dev")
    if from_run is None:
        config = ExpertIterationConfig(suite="core", split="dev", eval_split=None, limit=limit, eval_limit=None,
                                       rounds=rounds, seed_references=True, sft=SFTSettings())
        ExpertIteration(config, work, toolchain, on_event).run()
        from_run = work
    if not from_run.is_dir():
        raise FileNotFoundError(f"{from_run}: no such run folder")
    found = [s for path in sorted(from_run.glob("round_*/steps.jsonl")) for s in load_steps(path)]
    steps, _ = drop_duplicates(reference_steps(dev) + [s for s in found if s.source == "search"])
    base = build_base_model(work / "base", dev)
    final = work / "default_policy"
    result = train_sft(base, steps, final, SFTSettings(max_steps=600))
    on_event("sft", result.to_dict())
    policy_out = out / "policy"
    shutil.rmtree(policy_out, ignore_errors=True)
    shutil.copytree(final, policy_out)
    record = {"examples": result.examples, "reference_steps": sum(s.source == "reference" for s in steps),
              "search_steps": sum(s.source == "search" for s in steps), "from_run": from_run.name,
              "sft": result.to_dict(),
              "size_bytes": sum(p.stat().st_size for p in policy_out.rglob("*") if p.is_file())}
    (policy_out / "training.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    attempts = [a for path in sorted(from_run.glob("round_*/search.jsonl")) for a in read_attempts(path)]
    critic = train_critic(base, examples_from_rows(attempts), work / "default_critic")
    on_event("critic", critic.to_dict())
    critic_out = out / "critic"
    shutil.rmtree(critic_out, ignore_errors=True)
    shutil.copytree(work / "default_critic", critic_out)
    (out / "models.yaml").write_text(MODELS_YAML.format(critic_tokens=critic.max_prompt_tokens), encoding="utf-8")
    return {"policy": record, "critic": critic.to_dict()}


MODELS_YAML = """# The shipped default models (regenerate: prover train default-models --out prover/default_model).
# Paths are relative to this file.
policy:
  backend: hf
  path: policy
  model_weight: 0.5
critic:
  backend: hf
  path: critic
  max_prompt_tokens: {critic_tokens}
"""
