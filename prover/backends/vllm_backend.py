"""vLLM backend (offline engine, GPU): `LLM.generate` with `SamplingParams(n=…, logprobs=0)`.

`vllm` is imported in the constructor only, so the package imports and works without it.
Prompts are the format of `prover.prompt`, truncated with the model's own tokenizer; the
engine stops at a newline (`stop=["\\n"]`, the stop string excluded from the text) or EOS,
and a completion whose `finish_reason` is `length` is dropped. A tactic's log-prob is vLLM's
`cumulative_logprob`: the sum of its sampled tokens' log-probabilities (vLLM computes them from
the raw model distribution, before temperature, by default). `decoding: beam` uses
`LLM.beam_search` where the installed vLLM has it. `engine_args` of the config go to `LLM(...)`.
"""

from __future__ import annotations

from lean_prover.prover.backends import Completion, rank_completions
from lean_prover.prover.backends.hf import check_model_folder
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prompt import format_prompt, prompt_budget, truncate_state


class VLLMPolicy:
    """Step policy on a vLLM offline engine (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        if not config.path:
            raise ModelConfigError("backend vllm needs `path`: a model folder")
        if config.path.startswith((".", "/", "~")):
            check_model_folder(config.path, "vllm")
        try:
            import vllm
        except ImportError as exc:
            raise ModelConfigError(f"backend vllm needs the `vllm` package (pip install vllm; it needs a GPU): {exc}") from None
        self.vllm = vllm
        args = {"model": config.path, "seed": config.seed or 0, **config.engine_args}
        if config.dtype != "auto":
            args.setdefault("dtype", config.dtype)
        try:
            self.llm = vllm.LLM(**args)
        except Exception as exc:  # engine start-up errors come in many types
            raise ModelConfigError(f"vLLM cannot load {config.path}: {type(exc).__name__}: "
                                   f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
        self.tokenizer = self.llm.get_tokenizer()
        limit = getattr(self.llm.llm_engine.model_config, "max_model_len", None)
        self.max_prompt_tokens = prompt_budget(config.max_prompt_tokens, int(limit) if limit else None,
                                               config.max_new_tokens)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` under the engine's tokenizer."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first."""
        if k <= 0 or not states:
            return [[] for _ in states]
        prompts = [format_prompt(truncate_state(s, self.max_prompt_tokens, self.count_tokens)) for s in states]
        found = self.complete(prompts, max(k, self.config.num_samples))
        return [rank_completions(c, k) for c in found]

    def complete(self, prompts: list[str], n: int, stop: str = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt with summed token log-probs."""
        config = self.config
        max_tokens = max_new_tokens or config.max_new_tokens
        if config.decoding == "beam" and hasattr(self.llm, "beam_search"):
            from vllm.sampling_params import BeamSearchParams

            outputs = self.llm.beam_search([{"prompt": p} for p in prompts],
                                           BeamSearchParams(beam_width=n, max_tokens=max_tokens))
            results = []
            for prompt, output in zip(prompts, outputs):
                found = []
                for sequence in output.sequences:
                    text = sequence.text or ""
                    if text.startswith(prompt):  # beam texts may include the prompt
                        text = text[len(prompt):]
                    finished = stop in text or sequence.tokens[-1:] == [self.tokenizer.eos_token_id]
                    found.append(Completion(text.split(stop, 1)[0] if stop in text else text,
                                            float(sequence.cum_logprob), finished))
                results.append(found)
            return results
        params = self.vllm.SamplingParams(n=n, temperature=config.temperature, top_p=config.top_p,
                                          max_tokens=max_tokens, logprobs=0, stop=[stop], seed=config.seed)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for output in outputs:
            found = []
            for choice in output.outputs:
                logprob = choice.cumulative_logprob
                found.append(Completion(choice.text, float(logprob) if logprob is not None else float("nan"),
                                        choice.finish_reason != "length"))
            results.append(found)
        return results
