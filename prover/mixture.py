"""A step policy that mixes a language model with the rule-based prior, so that the model adds
to the prior rather than replacing it.

Merge rule (a mixture of the two distributions, restricted to their candidates): the model
gives up to `k` tactics with their real probabilities of emitting exactly that tactic; the
prior gives its distribution over all its candidates (up to :data:`PRIOR_CANDIDATES`,
normalised over them, :mod:`prover.prior`), so a prior suggestion's weight does not grow as `k`
shrinks (asked for its top 1 alone, the prior would put probability 1 on it and no model could
ever outrank it). The mixed probability of a tactic is

    p(t) = w · p_model(t) + (1 − w) · p_prior(t)        (a policy that did not propose t gives 0)

and the `k` tactics with the highest p(t) are returned, best first (ties: alphabetical), with
log-prob log p(t). `w` is `model_weight` (0.5 by default). A tactic both propose gets the
sum, so agreement moves it up; a confident model suggestion (p_model near 1) ranks near the
top even when the prior does not know it; the prior's confident suggestions stay in the list
unless the model is confident about k other tactics. With no model (`model=None`) it is the
prior alone.

Before mixing, model suggestions that Lean is certain to reject without running them are
dropped (:func:`prover.statement.names_missing_local`: `induction n`, `cases h`, … for a name
that is not a hypothesis of the goal; a small model trained on `n : Nat` goals proposes
`induction n` everywhere), so a prior suggestion takes their place instead of a wasted probe.
"""

from __future__ import annotations

import math
from typing import Sequence

from lean_prover.prover.policy import Policy, StepContext, TacticSuggestion, ask, uses_context
from lean_prover.prover.statement import names_missing_local

PRIOR_CANDIDATES = 32


class MixturePolicy:
    """`w · model + (1 − w) · prior` over the union of both policies' suggestions."""

    def __init__(self, prior: Policy, model: Policy | None = None, model_weight: float = 0.5):
        if not 0.0 <= model_weight <= 1.0:
            raise ValueError(f"model_weight must be in [0, 1], got {model_weight}")
        self.prior, self.model, self.model_weight = prior, model, model_weight
        self.uses_context = uses_context(model)

    def suggest(self, states: list[str], k: int,
                contexts: Sequence[StepContext] | None = None) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first, by mixed probability."""
        if self.model is None or self.model_weight == 0.0 or k <= 0:
            return self.prior.suggest(states, k)
        prior = self.prior.suggest(states, max(k, PRIOR_CANDIDATES))
        model = [[s for s in suggestions if not names_missing_local(state, s.tactic)]
                 for state, suggestions in zip(states, ask(self.model, states, k, contexts))]
        return [mix(p, m, self.model_weight, k) for p, m in zip(prior, model)]


def mix(prior: list[TacticSuggestion], model: list[TacticSuggestion], model_weight: float,
        k: int) -> list[TacticSuggestion]:
    """The module's merge rule for one state."""
    probability: dict[str, float] = {}
    for weight, suggestions in ((1.0 - model_weight, prior), (model_weight, model)):
        for s in suggestions:
            if math.isfinite(s.logprob):
                probability[s.tactic] = probability.get(s.tactic, 0.0) + weight * math.exp(s.logprob)
    ranked = sorted(((t, p) for t, p in probability.items() if p > 0), key=lambda item: (-item[1], item[0]))[:k]
    return [TacticSuggestion(tactic, math.log(p)) for tactic, p in ranked]
