"""The critic interface and the heuristic critic used when no trained critic is configured."""

from __future__ import annotations

import math
import re
from typing import Protocol


class Critic(Protocol):
    """Scores proof states: the estimated chance, in [0, 1], that the state can be proved."""

    def score(self, states: list[str]) -> list[float]:
        """One value per state."""


class ShapeCritic:
    """A heuristic critic: fewer goals and shorter goal text score higher.

    value = exp(-0.35 · (goals - 1)) · 1 / (1 + length / 600), with `goals` counted by `⊢` lines.
    """

    def score(self, states: list[str]) -> list[float]:
        """One value in (0, 1] per state."""
        values = []
        for state in states:
            goals = max(1, len(re.findall(r"(?m)^⊢", state)))
            values.append(math.exp(-0.35 * (goals - 1)) / (1 + len(state) / 600))
        return values
