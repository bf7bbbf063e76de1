"""Model configuration: one dataclass per model, from a dict or a YAML file.

A YAML file holds either one model's fields at top level, or one section per role:

```yaml
policy:                      # the step policy (prover suggest / prove)
  backend: hf                # hf | vllm | http | rules
  path: runs/tiny-policy     # HF folder (hf, vllm) or served model name (http)
  decoding: sample           # sample | beam
  temperature: 1.0
  num_samples: 16            # samples, or beams, per state (at least k are drawn)
  max_new_tokens: 48
  max_prompt_tokens: 1024
  device: cpu                # cpu | cuda | cuda:N | auto
  model_weight: 0.5          # mix with the rule-based prior (1, the default: the model alone)
  prompt: default            # a preset (bfs-prover, internlm-stepprover, reprover, deepseek-prover-v2, …)
                             # or {template, stop, chat} (see prover.prompt_formats)
  trust_remote_code: false   # let transformers / vLLM run the model repository's own code
  tactic_memory: runs/ei/round_3/model/tactic_memory.jsonl   # add tactics of similar remembered steps
critic:
  backend: rules             # rules (heuristic) | hf (sequence classifier, 1 logit)
planner:                     # optional: a model that proposes `have` chains
  backend: http
  url: http://127.0.0.1:8000
  path: my-model
```

Unknown fields, wrong types and impossible values raise :class:`ModelConfigError` naming the
field. `num_beams` is accepted as another name for `num_samples`. The mixing weight has one
name, `model_weight` (as in expert iteration's `--model-weight` and `prover.mixture`); the old
key `prior_weight` (the prior's share, = 1 − model_weight) is still read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.prompt_formats import PromptFormat, resolve_format

Backend = Literal["hf", "vllm", "http", "rules"]
Decoding = Literal["sample", "beam"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
DECODINGS: tuple[Decoding, ...] = get_args(Decoding)
ROLES = ("policy", "critic", "planner")
_ALIASES = {"num_beams": "num_samples", "model": "path"}


@dataclass(frozen=True)
class ModelConfig:
    """How to load and run one model.

    backend: `hf` (transformers, in process), `vllm` (vLLM offline engine, GPU), `http`
    (an OpenAI-compatible `/v1/completions` server) or `rules` (no model: the rule-based prior
    policy / heuristic critic). path: the model folder for hf/vllm, the served model name for
    http. num_samples: sequences drawn (sampling) or beams kept (beam search) per state; at least
    `k` are used. max_prompt_tokens: longer goal states are truncated (see `prover.prompt`).
    timeout_s/retries/backoff_s: per-request limit and retry schedule of the http backend
    (waits backoff_s · 2^attempt). api_key_env: name of an environment variable whose value is
    sent as a bearer token (http). engine_args: extra keyword arguments for `vllm.LLM(...)`.
    model_weight: a policy only — mix the model with the rule-based prior,
    p = model_weight · p_model + (1 − model_weight) · p_prior (`prover.mixture`); 1 uses the
    model alone. The old key `prior_weight` (= 1 − model_weight) is still read. prompt: the
    prompt format — a preset name or a custom `{template, stop, chat}` mapping
    (`prover.prompt_formats`); its `format` property is the resolved format.
    trust_remote_code: passed to `from_pretrained` (hf) and `vllm.LLM` (custom model code, e.g.
    InternLM2.5-StepProver). tactic_memory: a policy only — a JSON-lines file of remembered steps
    (`state`, `tactic`; expert iteration writes one beside each checkpoint, any training steps
    file works) whose tactics for similar states are added to the policy's (`prover.tactic_memory`);
    any backend, `rules` included.
    """

    backend: Backend = "rules"
    path: str = ""
    url: str = ""
    decoding: Decoding = "sample"
    temperature: float = 1.0
    top_p: float = 1.0
    num_samples: int = 16
    max_new_tokens: int = 48
    max_prompt_tokens: int = 1024
    batch_size: int = 32
    device: str = "cpu"
    dtype: str = "auto"
    seed: int | None = 0
    timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 0.5
    api_key_env: str = ""
    engine_args: dict[str, Any] = field(default_factory=dict)
    model_weight: float = 1.0
    prompt: Any = "default"
    trust_remote_code: bool = False
    tactic_memory: str = ""

    def __post_init__(self) -> None:
        resolve_format(self.prompt)  # a bad preset name or custom format is a ModelConfigError here
        if self.backend not in BACKENDS:
            raise ModelConfigError(f"unknown model backend {self.backend!r}: choose one of {', '.join(BACKENDS)}")
        if self.decoding not in DECODINGS:
            raise ModelConfigError(f"unknown decoding {self.decoding!r}: choose one of {', '.join(DECODINGS)}")
        for name in ("num_samples", "max_new_tokens", "max_prompt_tokens", "batch_size"):
            if getattr(self, name) < 1:
                raise ModelConfigError(f"model config: {name} must be at least 1 (got {getattr(self, name)})")
        if self.temperature < 0:
            raise ModelConfigError(f"model config: temperature must be >= 0 (got {self.temperature})")
        if not 0 < self.top_p <= 1:
            raise ModelConfigError(f"model config: top_p must be in (0, 1] (got {self.top_p})")
        if self.timeout_s <= 0 or self.retries < 0 or self.backoff_s < 0:
            raise ModelConfigError("model config: timeout_s must be positive, retries and backoff_s non-negative")
        if not 0.0 <= self.model_weight <= 1.0:
            raise ModelConfigError(f"model config: model_weight must be in [0, 1] (got {self.model_weight})")
        if self.dtype not in ("auto", "float32", "float16", "bfloat16"):
            raise ModelConfigError(f"model config: dtype {self.dtype!r} is not one of auto, float32, float16, bfloat16")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ModelConfig":
        """A config from a mapping (YAML/JSON); unknown keys and wrong types are errors."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ModelConfigError(f"a model config must be a mapping, not {type(data).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        data = _read_prior_weight(data)
        for key, value in data.items():
            name = _ALIASES.get(str(key), str(key))
            if name not in fields:
                raise ModelConfigError(f"unknown model config field {key!r} (known: {', '.join(fields)})")
            values[name] = _coerce(name, fields[name].type, value)
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | Path, role: str = "policy") -> "ModelConfig":
        """The config of `role` in a YAML file (or the file's top level when it has no sections)."""
        data = _read_yaml(path)
        if any(r in data for r in ROLES):
            section = data.get(role)
            if section is None:
                raise ModelConfigError(f"{path}: no `{role}` section")
            return cls.from_dict(section).beside(path)
        return cls.from_dict(data).beside(path)

    def beside(self, yaml_path: str | Path) -> "ModelConfig":
        """This config with a relative model folder resolved against the YAML file's folder,
        when the folder exists there (a shipped config names its models by relative path)."""
        if self.backend not in ("hf", "vllm") or not self.path or Path(self.path).is_absolute():
            return self
        candidate = Path(yaml_path).parent / self.path
        return dataclasses.replace(self, path=str(candidate)) if candidate.is_dir() else self

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (round-trips through `from_dict`)."""
        return dataclasses.asdict(self)

    @property
    def format(self) -> PromptFormat:
        """The prompt format `prompt` names or describes."""
        return resolve_format(self.prompt)


@dataclass(frozen=True)
class ModelsConfig:
    """The models of one run: a policy (default: rules), a critic (default: rules), an optional planner model."""

    policy: ModelConfig = field(default_factory=ModelConfig)
    critic: ModelConfig = field(default_factory=ModelConfig)
    planner: ModelConfig | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ModelsConfig":
        """From `{policy: …, critic: …, planner: …}`, or one model's fields (taken as the policy)."""
        data = data or {}
        if not isinstance(data, dict):
            raise ModelConfigError(f"a models config must be a mapping, not {type(data).__name__}")
        if not any(r in data for r in ROLES):
            return cls(policy=ModelConfig.from_dict(data))
        unknown = sorted(set(data) - set(ROLES))
        if unknown:
            raise ModelConfigError(f"unknown section(s) {', '.join(map(repr, unknown))} (known: {', '.join(ROLES)})")
        planner = data.get("planner")
        return cls(ModelConfig.from_dict(data.get("policy")), ModelConfig.from_dict(data.get("critic")),
                   ModelConfig.from_dict(planner) if planner is not None else None)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "ModelsConfig":
        """From a YAML file (see the module's example); relative model folders that exist
        beside the file are taken from there."""
        models = cls.from_dict(_read_yaml(path))
        return cls(models.policy.beside(path), models.critic.beside(path),
                   models.planner.beside(path) if models.planner is not None else None)


def _read_prior_weight(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the old key `prior_weight` (the prior's share) read as `model_weight` = 1 − it."""
    if "prior_weight" not in data:
        return data
    if "model_weight" in data:
        raise ModelConfigError("model config: give model_weight or the old prior_weight (= 1 − model_weight), not both")
    prior = _coerce("prior_weight", "float", data["prior_weight"])
    if not 0.0 <= prior <= 1.0:
        raise ModelConfigError(f"model config: prior_weight must be in [0, 1] (got {prior})")
    return {**{k: v for k, v in data.items() if k != "prior_weight"}, "model_weight": 1.0 - prior}


def _read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelConfigError(f"model config {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelConfigError(f"model config {path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise ModelConfigError(f"model config {path}: invalid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ModelConfigError(f"model config {path}: expected a mapping at top level, got {type(data).__name__}")
    return data


def _coerce(name: str, annotation: Any, value: Any) -> Any:
    kind = str(annotation)
    if value is None and "None" in kind:
        return None
    if kind == "Any":
        return value
    try:
        if kind == "bool":
            if not isinstance(value, bool):
                raise TypeError
            return value
        if kind.startswith("dict"):
            if not isinstance(value, dict):
                raise TypeError
            return dict(value)
        if kind.startswith("int"):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if kind == "str":
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise TypeError
            return str(value)
    except (TypeError, ValueError):
        raise ModelConfigError(f"model config field {name!r}: expected {kind}, got {value!r}") from None
    return value
