"""Where the proof cache lives: a SQLite file (one machine) or a Ray actor (a cluster).

SQLite in WAL mode is safe for processes of ONE machine, but not on a shared network file
system (NFS and friends do not give WAL's shared-memory index the guarantees it needs), which
is where a cluster would have to put it. On a Ray cluster the cache is therefore served by one
actor, :class:`CacheActor` (BFS-Prover-V2 shares its cache the same way): it owns the SQLite file
on the local disk of the node that started the run (the driver's), and every prover actor, on
any node, reads and writes through :class:`RayProofCache`, which has :class:`ProofCache`'s
interface. Writes are one actor call each, applied in order, so concurrent provers lose nothing.

A cache reference is a string: a file path (SQLite), or `ray-actor:NAME` for the actor named
NAME in the current Ray namespace; :func:`open_cache` turns either into a cache object.
"""

from __future__ import annotations

from lean_prover.search.cache import Failure, ProofCache

ACTOR_PREFIX = "ray-actor:"


class CacheActor:
    """The proof cache of a Ray cluster: a :class:`ProofCache` on this actor's local disk."""

    def __init__(self, path: str) -> None:
        self.cache = ProofCache(path)
        self.writers: set[str] = set()  # Ray node ids that wrote here

    def get_proof(self, goals: str) -> list[str] | None:
        """See :meth:`ProofCache.get_proof`."""
        return self.cache.get_proof(goals)

    def put_proof(self, goals: str, tactics: list[str], source: str, node: str) -> None:
        """See :meth:`ProofCache.put_proof`; `node` is the writer's Ray node id."""
        self.writers.add(node)
        self.cache.put_proof(goals, tactics, source)

    def get_failure(self, goals: str) -> Failure | None:
        """See :meth:`ProofCache.get_failure`."""
        return self.cache.get_failure(goals)

    def record_failure(self, goals: str, expansions: int, time_s: float, lean_calls: int, node: str) -> None:
        """See :meth:`ProofCache.record_failure`; `node` is the writer's Ray node id."""
        self.writers.add(node)
        self.cache.record_failure(goals, expansions, time_s, lean_calls)

    def should_skip(self, goals: str, max_expansions: int, max_lean_calls: int | None) -> bool:
        """See :meth:`ProofCache.should_skip`."""
        return self.cache.should_skip(goals, max_expansions, max_lean_calls)

    def stats(self) -> dict:
        """Counts of proofs and failures, and how many nodes wrote."""
        return {**self.cache.stats(), "writer_nodes": len(self.writers)}


class RayProofCache:
    """A :class:`ProofCache` look-alike whose every call goes to the cluster's :class:`CacheActor`."""

    def __init__(self, name: str) -> None:
        import ray

        self.path = f"{ACTOR_PREFIX}{name}"
        self._ray = ray
        self._actor = ray.get_actor(name)
        self._node = ray.get_runtime_context().get_node_id()

    def _call(self, method: str, *args):
        return self._ray.get(getattr(self._actor, method).remote(*args))

    def get_proof(self, goals: str) -> list[str] | None:
        """The cached tactic script proving `goals`, or None."""
        return self._call("get_proof", goals)

    def put_proof(self, goals: str, tactics: list[str], source: str = "") -> None:
        """Store a proof (first proof wins)."""
        self._call("put_proof", goals, tactics, source, self._node)

    def get_failure(self, goals: str) -> Failure | None:
        """The failure record of `goals`, or None."""
        return self._call("get_failure", goals)

    def record_failure(self, goals: str, expansions: int, time_s: float, lean_calls: int = 0) -> None:
        """Note an unsuccessful search."""
        self._call("record_failure", goals, expansions, time_s, lean_calls, self._node)

    def should_skip(self, goals: str, max_expansions: int, max_lean_calls: int | None = None) -> bool:
        """True when a search with at least this budget already failed on `goals`."""
        return self._call("should_skip", goals, max_expansions, max_lean_calls)

    def stats(self) -> dict:
        """Counts of cached proofs and failures (and writer nodes)."""
        return self._call("stats")

    def reopen(self) -> "RayProofCache":
        """Another handle on the same actor (one per thread, like :meth:`ProofCache.reopen`)."""
        return RayProofCache(self.path[len(ACTOR_PREFIX):])

    def close(self) -> None:
        """Nothing to release: the actor owns the database."""


def open_cache(reference: str | None):
    """A cache object for a reference (module doc); None for None."""
    if not reference:
        return None
    if reference.startswith(ACTOR_PREFIX):
        return RayProofCache(reference[len(ACTOR_PREFIX):])
    return ProofCache(reference)


def start_cache_actor(path: str, name: str):
    """Start (or find) the cluster's cache actor NAME owning the SQLite file `path` on THIS node's
    disk (the driver's); returns its handle. Call with Ray initialised."""
    from pathlib import Path

    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    actor = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)(CacheActor).options(
        name=name, get_if_exists=True,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False)).remote(str(Path(path).resolve()))
    ray.get(actor.stats.remote())  # started and the database opened
    return actor
