"""Search settings, one dataclass for every algorithm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from lean_prover.search.heuristics import HeuristicWeights
from lean_prover.search.types import Budget

Algorithm = Literal["bfs", "critic-bfs", "mcts"]
ALGORITHMS: tuple[Algorithm, ...] = get_args(Algorithm)


@dataclass(frozen=True)
class SearchConfig:
    """How to search.

    bfs: priority = cumulative log-prob / depth**depth_exponent (BFS-Prover; 0 = plain sum).
    critic-bfs: that, mixed with log(critic value) by `critic_weight`.
    mcts: PUCT with the policy's normalised probabilities as priors and critic values at leaves.
    """

    algorithm: Algorithm = "bfs"
    width: int = 8  # tactics asked of the policy per expanded state
    nodes_per_call: int = 4  # states expanded together in one Lean round trip
    depth_exponent: float = 1.0
    critic_weight: float = 0.5
    exploration: float = 1.5  # PUCT constant
    heuristics: HeuristicWeights = field(default_factory=HeuristicWeights)
    budget: Budget = field(default_factory=Budget)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown search algorithm {self.algorithm!r}: use one of {', '.join(ALGORITHMS)}")
        if self.width < 1 or self.nodes_per_call < 1:
            raise ValueError("width and nodes_per_call must be at least 1")

    @property
    def uses_critic(self) -> bool:
        """True for the algorithms that score states with a critic (critic-bfs, mcts)."""
        return self.algorithm in ("critic-bfs", "mcts")
