"""Model backends of the step policy: Hugging Face (`hf`), vLLM (`vllm`), OpenAI-compatible HTTP
(`http`). Each turns goal states into prompts (`prover.prompt`), draws completions, and ranks
them with :func:`rank_completions`; build them with `prover.models.load_policy`.

A backend also offers `complete(prompts, n, stop)`: raw completions with their summed token
log-probabilities, used by the planner for `have` chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prompt import clean_tactic


@dataclass(frozen=True)
class Completion:
    """One generated continuation: its text (stop string excluded), the sum of its tokens'
    log-probabilities, whether it ended on a stop string / EOS (False: cut by the token limit),
    and, where known, each generated token with its log-probability."""

    text: str
    logprob: float
    finished: bool = True
    token_logprobs: tuple[float, ...] = ()  # per generated token, when the backend has them
    tokens: tuple[str, ...] = ()


def rank_completions(completions: list[Completion], k: int) -> list[TacticSuggestion]:
    """The `k` best distinct tactics among completions, by log-prob (ties: alphabetical).

    Unfinished completions, non-finite log-probs and garbage (see `prover.prompt.clean_tactic`)
    are dropped; a tactic drawn several times keeps its highest log-prob. Never raises on bad text.
    """
    best: dict[str, float] = {}
    for completion in completions:
        if not completion.finished or not isinstance(completion.logprob, (int, float)):
            continue
        if not math.isfinite(completion.logprob):
            continue
        tactic = clean_tactic(completion.text)
        if tactic is None:
            continue
        if completion.logprob > best.get(tactic, -math.inf):
            best[tactic] = float(completion.logprob)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:max(k, 0)]
    return [TacticSuggestion(tactic, logprob) for tactic, logprob in ranked]
