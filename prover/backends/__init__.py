"""Model backends: Hugging Face (`hf`), vLLM (`vllm`), OpenAI-compatible HTTP (`http`).

Each backend provides a *completer*: `complete(prompts, n, stop, max_new_tokens)` draws `n`
completions per prompt — a prompt is completion text or a chat conversation
(`prover.prompt_formats.Prompt`) — with their token log-probabilities, and `count_tokens` /
`max_prompt_tokens` bound prompt lengths. :class:`StepModelPolicy` turns a completer into a step
policy in the config's prompt format (`prompt:`); the whole-proof engine (`search.whole_proof`)
and the planner use `complete` directly. Build them with `prover.models.load_policy`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Protocol, Sequence

from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.policy import StepContext, TacticSuggestion
from lean_prover.prover.prompt import truncate_state
from lean_prover.prover.prompt_formats import (PRESETS, Prompt, PromptFormat, StepInput, prompt_text, read_tactic,
                                              render_step)


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
    token_count: int = 0  # generated tokens (0: unknown)

    def score(self, kind: str = "sum") -> float:
        """The summed log-prob, or its mean per generated token (`kind="mean"`)."""
        if kind != "mean":
            return self.logprob
        count = self.token_count or len(self.token_logprobs)
        return self.logprob / count if count else self.logprob


class Completer(Protocol):
    """What a backend offers: completions of prompts, and its prompt budget in tokens."""

    max_prompt_tokens: int

    def complete(self, prompts: Sequence[Prompt], n: int, stop: Sequence[str] | str | None = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt."""

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` (an estimate where the backend has no tokenizer)."""


def rank_completions(completions: list[Completion], k: int, fmt: PromptFormat | None = None) -> list[TacticSuggestion]:
    """The `k` best distinct tactics among completions, by log-prob (ties: alphabetical).

    The tactic is read by the prompt format (default: the first line; `prover.prompt_formats.read_tactic`),
    scored by the format's `score` (sum or mean of token log-probs). Unfinished completions,
    non-finite log-probs and garbage (`prover.prompt.clean_tactic`) are dropped; a tactic drawn
    several times keeps its highest log-prob. Never raises on bad text.
    """
    fmt = fmt or PRESETS["default"]
    best: dict[str, float] = {}
    for completion in completions:
        if not completion.finished or not isinstance(completion.logprob, (int, float)):
            continue
        score = completion.score(fmt.score)
        if not math.isfinite(score):
            continue
        tactic = read_tactic(fmt, completion.text)
        if tactic is None:
            continue
        if score > best.get(tactic, -math.inf):
            best[tactic] = float(score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:max(k, 0)]
    return [TacticSuggestion(tactic, logprob) for tactic, logprob in ranked]


def step_prompt(fmt: PromptFormat, state: str, context: StepContext | None, completer: Completer) -> Prompt:
    """The prompt of one state in a step format, its state truncated (`prover.prompt.truncate_state`)
    so that the rendered prompt fits the completer's budget."""
    query = StepInput(state.strip("\n"), context.theorem if context else "", context.proof_before if context else "")

    def render(text: str) -> str:
        return prompt_text(render_step(fmt, dataclasses.replace(query, state=text)))

    fitted = truncate_state(query.state, completer.max_prompt_tokens, completer.count_tokens, render)
    return render_step(fmt, dataclasses.replace(query, state=fitted))


class StepModelPolicy:
    """A step policy on a completer, in the config's step prompt format."""

    def __init__(self, config: ModelConfig, generator: Completer) -> None:
        self.config, self.generator = config, generator
        self.format = config.format
        if self.format.kind != "step":
            from lean_prover.prover.model_errors import ModelConfigError

            raise ModelConfigError(f"prompt format {self.format.name!r} is a whole-proof format: a step policy "
                                   "needs a step format (default, reprover, bfs-prover, internlm-stepprover); "
                                   "use it with --mode whole")
        self.uses_context = any(f in self.format.template for f in ("{name}", "{proof_before}"))

    def suggest(self, states: list[str], k: int,
                contexts: Sequence[StepContext] | None = None) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first."""
        if k <= 0 or not states:
            return [[] for _ in states]
        contexts = list(contexts) if contexts is not None else [None] * len(states)
        prompts = [step_prompt(self.format, s, c, self.generator) for s, c in zip(states, contexts)]
        found = self.generator.complete(prompts, max(k, self.config.num_samples), self.format.stop_list)
        return [rank_completions(c, k, self.format) for c in found]

    def complete(self, prompts: Sequence[Prompt], n: int, stop: Sequence[str] | str | None = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """Raw completions (the planner and the whole-proof engine use them)."""
        return self.generator.complete(prompts, n, stop, max_new_tokens)


def stop_list(stop: Sequence[str] | str | None) -> list[str]:
    """Stop strings as a list (None or "" → none: the model's EOS only)."""
    if not stop:
        return []
    return [stop] if isinstance(stop, str) else [s for s in stop if s]
