"""vLLM backend (offline engine, GPU): `LLM.generate` with `SamplingParams(n=…, logprobs=0)`.

`vllm` is imported in the constructor only, so the package imports and works without it.
Completion prompts are passed as text (vLLM adds the tokenizer's special tokens); chat
conversations are rendered with the tokenizer's chat template and passed as token ids. The
engine stops at the format's stop strings (excluded from the text) or EOS, and a completion
whose `finish_reason` is `length` is unfinished. A completion's log-prob is vLLM's
`cumulative_logprob` (computed from the raw model distribution, before temperature, by
default). `decoding: beam` uses `LLM.beam_search` where the installed vLLM has it.
`engine_args` of the config go to `LLM(...)`, with `trust_remote_code` from the config.
"""

from __future__ import annotations

from typing import Sequence

from lean_prover.prover.backends import Completion, StepModelPolicy, stop_list
from lean_prover.prover.backends.hf import check_model_folder
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.prompt import prompt_budget
from lean_prover.prover.prompt_formats import Prompt


class VLLMCompleter:
    """Completions from a vLLM offline engine (see the module docstring)."""

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
        args = {"model": config.path, "seed": config.seed or 0, "trust_remote_code": config.trust_remote_code,
                **config.engine_args}
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

    def _inputs(self, prompts: Sequence[Prompt]) -> list:
        inputs = []
        for prompt in prompts:
            if isinstance(prompt, str):
                inputs.append({"prompt": prompt})
            else:
                ids = self.tokenizer.apply_chat_template([m.to_dict() for m in prompt], tokenize=True,
                                                         add_generation_prompt=True)
                inputs.append({"prompt_token_ids": list(ids)})
        return inputs

    def complete(self, prompts: Sequence[Prompt], n: int, stop: Sequence[str] | str | None = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt with summed token log-probs."""
        config = self.config
        stops = stop_list(stop)
        max_tokens = max_new_tokens or config.max_new_tokens
        inputs = self._inputs(prompts)
        if config.decoding == "beam" and hasattr(self.llm, "beam_search"):
            from vllm.sampling_params import BeamSearchParams

            outputs = self.llm.beam_search(inputs, BeamSearchParams(beam_width=n, max_tokens=max_tokens))
            results = []
            for prompt, output in zip(prompts, outputs):
                found = []
                for sequence in output.sequences:
                    text = sequence.text or ""
                    if isinstance(prompt, str) and text.startswith(prompt):  # beam texts may include the prompt
                        text = text[len(prompt):]
                    cuts = [text.index(s) for s in stops if s in text]
                    finished = bool(cuts) or sequence.tokens[-1:] == [self.tokenizer.eos_token_id]
                    found.append(Completion(text[:min(cuts)] if cuts else text, float(sequence.cum_logprob), finished))
                results.append(found)
            return results
        params = self.vllm.SamplingParams(n=n, temperature=config.temperature, top_p=config.top_p,
                                          max_tokens=max_tokens, logprobs=0, stop=stops or None, seed=config.seed)
        outputs = self.llm.generate(inputs, params, use_tqdm=False)
        results = []
        for output in outputs:
            found = []
            for choice in output.outputs:
                logprob = choice.cumulative_logprob
                found.append(Completion(choice.text, float(logprob) if logprob is not None else float("nan"),
                                        choice.finish_reason != "length", token_count=len(choice.token_ids)))
            results.append(found)
        return results


class VLLMPolicy(StepModelPolicy):
    """Step policy on a vLLM offline engine (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config, VLLMCompleter(config))
