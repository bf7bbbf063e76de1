"""Build policies and critics from configuration.

    policy = load_policy({"backend": "hf", "path": "runs/tiny"})     # or a ModelConfig, a YAML path, None
    critic = load_critic(None)                                        # the heuristic critic

| backend | policy | critic |
| --- | --- | --- |
| `rules` (default) | `prover.prior.PriorPolicy` (rule-based prior) | `prover.critic.ShapeCritic` (goal count and size) |
| `hf` | `prover.backends.hf.HFPolicy` (causal LM or encoder-decoder) | `prover.backends.hf.HFCritic` (sequence classifier) |
| `vllm` | `prover.backends.vllm_backend.VLLMPolicy` | — |
| `http` | `prover.backends.http.HTTPPolicy` | — |

A malformed model path, an unknown backend, a bad field or a critic backend without a critic
raises :class:`ModelConfigError` with a one-line message. Heavy libraries (torch,
transformers, vllm) are imported only by the backend that needs them.

`load_generator(config)` gives the backend's completer alone (`complete(prompts, n, stop)`), for
the whole-proof engine and the planner; a step policy is that completer in a step prompt format.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from lean_prover.prover.critic import Critic, ShapeCritic
from lean_prover.prover.model_config import BACKENDS, ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.policy import Policy

if TYPE_CHECKING:
    from lean_prover.prover.backends import Completer

ConfigLike = Union[ModelConfig, dict, str, Path, None]


def as_config(config: ConfigLike, role: str = "policy") -> ModelConfig:
    """A `ModelConfig` from a config, a dict, a YAML file path (its `role` section) or None (rules)."""
    if config is None:
        return ModelConfig()
    if isinstance(config, ModelConfig):
        return config
    if isinstance(config, dict):
        return ModelConfig.from_dict(config)
    if isinstance(config, (str, Path)):
        return ModelConfig.from_yaml(config, role)
    raise ModelConfigError(f"cannot read a model config from {type(config).__name__}")


def load_policy(config: ConfigLike = None) -> Policy:
    """The step policy a config describes (mixed with the rule-based prior when its
    `model_weight` is below 1; with its `tactic_memory`'s tactics added when it has one)."""
    config = as_config(config, "policy")
    policy = _load_model_policy(config)
    if config.backend != "rules" and config.model_weight < 1.0:
        from lean_prover.prover.mixture import MixturePolicy
        from lean_prover.prover.prior import PriorPolicy

        policy = MixturePolicy(PriorPolicy(), policy, config.model_weight)
    if config.tactic_memory:
        from lean_prover.prover.tactic_memory import MemoryPolicy, TacticMemory

        policy = MemoryPolicy(policy, TacticMemory.load(config.tactic_memory))
    return policy


def load_generator(config: ConfigLike = None) -> "Completer":
    """The completer of a model backend (hf, vllm, http): prompts in, completions out."""
    config = as_config(config, "policy")
    if config.backend == "hf":
        from lean_prover.prover.backends.hf import HFGenerator

        return HFGenerator(config)
    if config.backend == "vllm":
        from lean_prover.prover.backends.vllm_backend import VLLMCompleter

        return VLLMCompleter(config)
    if config.backend == "http":
        from lean_prover.prover.backends.http import HTTPCompleter

        return HTTPCompleter(config)
    raise ModelConfigError(f"backend {config.backend!r} has no language model: use hf, vllm or http")


def _load_model_policy(config: ModelConfig) -> Policy:
    if config.backend == "rules":
        from lean_prover.prover.prior import PriorPolicy

        return PriorPolicy()
    if config.backend == "hf":
        from lean_prover.prover.backends.hf import HFPolicy

        return HFPolicy(config)
    if config.backend == "vllm":
        from lean_prover.prover.backends.vllm_backend import VLLMPolicy

        return VLLMPolicy(config)
    if config.backend == "http":
        from lean_prover.prover.backends.http import HTTPPolicy

        return HTTPPolicy(config)
    raise ModelConfigError(f"unknown model backend {config.backend!r}: choose one of {', '.join(BACKENDS)}")


def load_planner_model(config: ConfigLike = None) -> "Completer | None":
    """The model of a `planner:` section, which proposes `have` chains through its `complete` in
    the section's prompt format (None for no section or `rules`: the planner's structural
    sketches only)."""
    if config is None:
        return None
    config = as_config(config, "planner")
    return None if config.backend == "rules" else load_generator(config)


def load_critic(config: ConfigLike = None) -> Critic:
    """The critic a config describes (`rules`: the heuristic `ShapeCritic`)."""
    config = as_config(config, "critic")
    if config.backend == "rules":
        return ShapeCritic()
    if config.backend == "hf":
        from lean_prover.prover.backends.hf import HFCritic

        return HFCritic(config)
    raise ModelConfigError(f"critic backend {config.backend!r} is not available: use rules or hf")


def describe(config: ModelConfig) -> dict[str, Any]:
    """A short JSON-ready description of a model config (for reports)."""
    if config.backend == "rules":
        return {"backend": "rules"}
    keys = ("backend", "path", "url", "prompt", "decoding", "temperature", "num_samples", "model_weight")
    return {key: getattr(config, key) for key in keys if getattr(config, key) not in ("", None)}
