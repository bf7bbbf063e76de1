"""What a Ray prover actor asks the cluster for, read from the model config.

Ray hides from an actor every GPU it did not ask for (`CUDA_VISIBLE_DEVICES` is set to its own
share), so a local `hf` or `vllm` policy (or `hf` critic) on a GPU must ask for one. The rule:

| models | actor resources |
| --- | --- |
| `rules` / `http` policy and critic (the http server is shared, e.g. one per node at `127.0.0.1`) | 1 CPU |
| `hf` / `vllm` with `device` not `cpu` | 1 CPU + `gpus_per_actor` GPUs (default 1; `vllm`: its `tensor_parallel_size`) |
| `hf` with `device: cpu` | 1 CPU |

`gpus_per_actor` may be fractional (`0.5`: two actors share a GPU, each model must fit in half).
On a cluster without GPUs a GPU model config is an error (one line), not a silent CPU run.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_GPU_BACKENDS = ("hf", "vllm")


class ResourceError(ValueError):
    """Actor resources that the cluster cannot provide; one line."""


@dataclass(frozen=True)
class ActorResources:
    """Ray actor options: CPUs and GPUs per prover actor."""

    num_cpus: float = 1.0
    num_gpus: float = 0.0

    def options(self) -> dict:
        """Keyword arguments for `ray.remote(...)`."""
        return {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}


def actor_resources(models, cluster_gpus: float, gpus_per_actor: float | None = None) -> ActorResources:
    """The resources of one prover actor for `models` (a `ModelsConfig` or None: rules)."""
    if models is None:
        return ActorResources()
    wanted = 0.0
    for config in (models.policy, models.critic):
        if config.backend in LOCAL_GPU_BACKENDS and config.device != "cpu":
            default = float(config.engine_args.get("tensor_parallel_size", 1)) if config.backend == "vllm" else 1.0
            wanted = max(wanted, gpus_per_actor if gpus_per_actor is not None else default)
    if wanted and cluster_gpus < wanted:
        raise ResourceError(f"the model config runs a local model on GPU ({wanted:g} per actor) but the Ray "
                            f"cluster has {cluster_gpus:g} GPU(s): set `device: cpu`, use `backend: http` "
                            "with a model server, or add GPU nodes")
    return ActorResources(1.0, wanted)
