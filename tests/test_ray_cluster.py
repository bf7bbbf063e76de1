"""Ray on a local two-node cluster (`ray.cluster_utils.Cluster`, 127.0.0.1 only, small object
stores), real Lean: the proof cache lives in a cache actor shared by both nodes, a node killed
mid-run loses only its in-flight task, and the results match the single-process run.
Also: actor resources from the model config (no Lean)."""

from __future__ import annotations

import threading
import time

import pytest

from lean_prover.lean_env.dojo import Theorem
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.search.config import SearchConfig
from lean_prover.search.ray_resources import ResourceError, actor_resources
from lean_prover.search.types import Budget

STATEMENTS = ["theorem rc_and (p q : Prop) (hp : p) (hq : q) : p ∧ q",
              "theorem rc_lt (a b : Nat) (h : a ≤ b) : a < b + 1"]
SMALL_STORE = 80 * 1024 * 1024


@pytest.fixture
def loopback_cluster(monkeypatch):
    """A two-node Ray cluster on 127.0.0.1 only (Ray would otherwise resolve 127.0.0.1 to the
    machine's interface address): head with `head_cpus` CPUs, one worker node with 1 CPU."""
    ray = pytest.importorskip("ray")
    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    monkeypatch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)  # get_node_ip_address() -> 127.0.0.1
    monkeypatch.setenv(ray_constants.ENABLE_RAY_CLUSTERS_ENV_VAR, "0")
    made = []

    def make(head_cpus: int):
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": head_cpus, "object_store_memory": SMALL_STORE, "node_ip_address": "127.0.0.1",
            "include_dashboard": False})
        worker = cluster.add_node(num_cpus=1, object_store_memory=SMALL_STORE, node_ip_address="127.0.0.1")
        made.append(cluster)
        ray.init(address=cluster.address, log_to_driver=False, _node_ip_address="127.0.0.1")
        return cluster, worker

    yield make
    ray.shutdown()
    for cluster in made:
        cluster.shutdown()


def outcome(attempt) -> tuple:
    return attempt.status, attempt.proof, attempt.expansions, attempt.lean_calls


@pytest.mark.parametrize("models, gpus, expected", [
    (None, 0, (1.0, 0.0)),
    ({"policy": {"backend": "hf", "path": "m", "device": "cuda"}}, 8, (1.0, 1.0)),
    ({"policy": {"backend": "hf", "path": "m", "device": "cpu"}}, 8, (1.0, 0.0)),
    ({"policy": {"backend": "vllm", "path": "m", "device": "cuda", "engine_args": {"tensor_parallel_size": 2}}},
     8, (1.0, 2.0)),
    ({"policy": {"backend": "http", "path": "m", "url": "http://127.0.0.1:8000"}}, 0, (1.0, 0.0)),
    ({"critic": {"backend": "hf", "path": "c", "device": "auto"}}, 1, (1.0, 1.0)),
])
def test_actor_resources_follow_the_model_config(models, gpus, expected) -> None:
    config = ModelsConfig.from_dict(models) if models else None
    resources = actor_resources(config, gpus)
    assert (resources.num_cpus, resources.num_gpus) == expected


def test_gpu_models_on_a_cluster_without_gpus_is_an_error() -> None:
    config = ModelsConfig.from_dict({"policy": {"backend": "hf", "path": "m", "device": "cuda"}})
    with pytest.raises(ResourceError, match="0 GPU"):
        actor_resources(config, 0)
    assert actor_resources(config, 1, gpus_per_actor=0.5).num_gpus == 0.5


@pytest.mark.slow  # 5–9 minutes on 2 cores: a Ray cluster, two actors and six Lean runs (pytest -m slow)
def test_two_node_cluster_shares_the_cache_and_survives_a_killed_node(toolchain, tmp_path, loopback_cluster) -> None:
    import ray

    from lean_prover.prover.prior import PriorPolicy
    from lean_prover.search.cache import ProofCache
    from lean_prover.search.lockstep import LockstepPool
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.ray_backend import RayPool
    from lean_prover.search.spec import ProverSpec

    config = SearchConfig(budget=Budget(16, 4, 600.0))
    theorems = [Theorem.from_statement(s) for s in STATEMENTS]
    single = LockstepPool(SearchProver(toolchain, PriorPolicy(), config), concurrency=len(theorems)).prove_all(theorems)
    assert [a.status for a in single] == ["proved", "proved"]

    cache_path = tmp_path / "cache.db"
    cluster, worker_node = loopback_cluster(head_cpus=2)
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    spec = ProverSpec(toolchain, config, cache_path=str(cache_path))
    # 1. two actors spread over the two nodes; both write the one cache (an actor on the head node)
    first = RayPool(spec, address=None, workers=2)
    attempts = first.prove_all(theorems)
    assert [outcome(a) for a in attempts] == [outcome(a) for a in single]  # = the single-process run
    assert not any(a.from_cache for a in attempts) and first.lost_tasks == 0
    written = ProofCache(cache_path)
    assert written.stats()["proofs"] == 2  # the cache actor's SQLite file, on the driver's local disk
    written.close()

    # 2. again: every proof comes from the shared cache; the worker node is killed mid-run
    def kill_worker_node() -> None:
        """Once a prover actor on the worker node is running its task, kill the node (SIGKILL)."""
        import psutil

        def command(process) -> str:
            try:
                return " ".join(process.cmdline())
            except psutil.Error:  # gone, or a zombie
                return ""

        raylet = psutil.Process(worker_node.all_processes["raylet"][0].process.pid)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            proving = [c for c in raylet.children(recursive=True) if "_ProverActor.prove" in command(c)]
            if proving:
                time.sleep(2.0)
                killed.append(proving[0].pid)
                cluster.remove_node(worker_node, allow_graceful=False)
                return
            time.sleep(0.2)

    killed: list[int] = []
    killer = threading.Thread(target=kill_worker_node, daemon=True)
    second = RayPool(spec, address=None, workers=2, retries=1)
    killer.start()
    again = second.prove_all(theorems)
    killer.join()
    assert killed, "no prover actor ran on the worker node"
    assert [a.status for a in again] == ["proved", "proved"]
    assert all(a.from_cache for a in again)  # the actor on either node read what the first run wrote
    assert [a.proof for a in again] == [a.proof for a in single]
    assert second.lost_tasks == 1  # only the killed node's in-flight task was run again


def test_cache_actor_records_writers_from_both_nodes(tmp_path, loopback_cluster) -> None:
    """The cache actor (no Lean): writes from tasks on two nodes land in one SQLite file."""
    import ray

    from lean_prover.search.cache_backends import RayProofCache, start_cache_actor

    loopback_cluster(head_cpus=1)
    cache_actor = start_cache_actor(str(tmp_path / "c.db"), "test-cache")  # a named actor lives while referenced

    @ray.remote(num_cpus=1)
    def write(tag: str) -> str:
        cache = RayProofCache("test-cache")
        cache.put_proof(f"⊢ goal_{tag}", [f"exact {tag}"], source=tag)
        cache.record_failure(f"⊢ hard_{tag}", 5, 1.0, 2)
        return ray.get_runtime_context().get_node_id()

    nodes = set(ray.get([write.options(scheduling_strategy="SPREAD").remote(t) for t in ("a", "b")]))
    reader = RayProofCache("test-cache")
    assert reader.get_proof("⊢ goal_a") == ["exact a"] and reader.get_proof("⊢  goal_b ") == ["exact b"]
    assert reader.should_skip("⊢ hard_b", 5, None) and not reader.should_skip("⊢ hard_b", 6, 3)
    assert reader.stats() == {"proofs": 2, "failures": 2, "suggestions": 0, "writer_nodes": len(nodes)} \
        and len(nodes) == 2
    ray.kill(cache_actor)
