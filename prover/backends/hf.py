"""Hugging Face `transformers` backend (CPU or GPU): a causal LM loaded with `from_pretrained`.

Decoding: `decoding: sample` draws `max(k, num_samples)` sequences per state at `temperature`
(`top_p`); temperature 0 is greedy (one sequence). `decoding: beam` runs beam search with
`max(k, num_samples)` beams, all returned, ranked by summed log-prob (no length penalty).
States are batched (`batch_size` prompts per `generate` call, left-padded).

Stopping: `generate` stops a sequence at the first token that completes the stop string
(a newline for tactics: `stop_strings`, which also catches a newline inside a longer token)
or at EOS; one that reaches `max_new_tokens` first is dropped. The tactic is the text before
the newline.

Log-probabilities are real: `generate` returns the raw model's logits of every step
(`output_logits`, before temperature and top-p), and `compute_transition_scores(…,
normalize_logits=True)` turns them into each generated token's log-probability under the raw
model; a tactic's log-prob is their sum up to and including the terminating newline/EOS
token — the model's probability of emitting exactly that tactic and stopping. Distinct
tactics are kept (highest log-prob when drawn twice) and the `k` best returned. Where a
sequence's completion ends is found by decoding its generated tokens up to the stop string
(`generate` does not report it).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from lean_prover.prover.backends import Completion, rank_completions
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prompt import context_length, format_prompt, prompt_budget, truncate_state

_DTYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}


def check_model_folder(path: str, backend: str) -> Path:
    """The model folder as a Path, or a `ModelConfigError` saying what is wrong with it."""
    if not path or not str(path).strip():
        raise ModelConfigError(f"backend {backend} needs `path`: the folder of a saved model")
    folder = Path(path).expanduser()
    if not folder.exists():
        raise ModelConfigError(f"model path {folder} does not exist")
    if not folder.is_dir():
        raise ModelConfigError(f"model path {folder} is not a folder (expected a save_pretrained folder)")
    if (folder / "adapter_config.json").is_file():  # a LoRA adapter (prover train sft --lora): needs peft
        if importlib.util.find_spec("peft") is None:  # transformers loads the adapter through peft
            raise ModelConfigError(f"model path {folder} is a LoRA adapter: loading it needs peft (pip install peft)")
        return folder
    if not (folder / "config.json").is_file():
        raise ModelConfigError(f"model path {folder} is not a Hugging Face model folder (no config.json)")
    return folder


def resolve_device(device: str) -> str:
    """`auto` → `cuda` when torch sees a GPU, else `cpu`; a requested GPU that is absent is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelConfigError(f"device {device!r} requested but torch sees no GPU (use device: cpu)")
    if not (device == "cpu" or device.startswith("cuda") or device == "mps"):
        raise ModelConfigError(f"unknown device {device!r}: use cpu, cuda, cuda:N or auto")
    return device


class HFGenerator:
    """A causal LM and its tokenizer, with batched `complete` and exact sequence scoring."""

    def __init__(self, config: ModelConfig) -> None:
        folder = check_model_folder(config.path, "hf")
        try:
            import torch
            import transformers
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelConfigError(f"backend hf needs torch and transformers: {exc}") from None
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        self.torch = torch
        self.config = config
        self.device = resolve_device(config.device)
        kwargs = {}
        if config.dtype != "auto":
            kwargs["dtype"] = getattr(torch, _DTYPES[config.dtype])
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
        except Exception as exc:  # transformers raises many types; all mean "cannot use this folder"
            raise ModelConfigError(f"cannot load a causal language model from {folder}: "
                                   f"{_first_line(exc)}") from None
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.eos_token_id is None:
            raise ModelConfigError(f"the tokenizer in {folder} has no EOS token")
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_id = int(self.tokenizer.eos_token_id)
        self.generated_tokens = 0  # all tokens generated so far (every sample, terminators included)
        self.max_prompt_tokens = prompt_budget(config.max_prompt_tokens, context_length(self.model.config),
                                               config.max_new_tokens)

    # -- tokens -------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens of `text` under this model's tokenizer (no special tokens)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt(self, state: str) -> str:
        """The step prompt of a state, truncated to this model's prompt budget."""
        return format_prompt(truncate_state(state, self.max_prompt_tokens, self.count_tokens))

    # -- generation ---------------------------------------------------------------------------
    def complete(self, prompts: list[str], n: int, stop: str = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt (sampled or beams, per the config), each with its exact
        summed log-prob; `stop` is "\\n" (one line) or another stop string such as "\\n\\n"."""
        results: list[list[Completion]] = []
        size = max(1, self.config.batch_size)
        for start in range(0, len(prompts), size):
            results.extend(self._complete_batch(prompts[start:start + size], n, stop,
                                                max_new_tokens or self.config.max_new_tokens))
        return results

    def _complete_batch(self, prompts: list[str], n: int, stop: str, max_new_tokens: int) -> list[list[Completion]]:
        torch, config = self.torch, self.config
        if not prompts:
            return []
        if config.seed is not None:
            torch.manual_seed(config.seed)
        encoded = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        input_ids = encoded["input_ids"].to(self.device)
        attention = encoded["attention_mask"].to(self.device)
        options: dict = {"max_new_tokens": max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id,
                         "eos_token_id": self.eos_id, "stop_strings": [stop], "tokenizer": self.tokenizer,
                         "return_dict_in_generate": True, "output_logits": True}
        if config.decoding == "beam":
            options.update(do_sample=False, num_beams=n, num_return_sequences=n, length_penalty=0.0,
                           early_stopping=True)
        elif config.temperature == 0:
            n = 1
            options.update(do_sample=False, num_beams=1)
        else:
            options.update(do_sample=True, temperature=config.temperature, top_p=config.top_p, top_k=0,
                           num_return_sequences=n)
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=attention, **options)
            token_logprobs = self.model.compute_transition_scores(
                out.sequences, out.logits, getattr(out, "beam_indices", None), normalize_logits=True).float()
        generated = out.sequences[:, input_ids.shape[1]:].tolist()
        completions: list[list[Completion]] = [[] for _ in prompts]
        seen: set[tuple[int, tuple[int, ...]]] = set()
        for row, ids in enumerate(generated):
            cut, finished = self._cut(ids, stop)
            self.generated_tokens += cut
            ids = ids[:cut]
            key = (row // n, tuple(ids))
            if key in seen:
                continue
            seen.add(key)
            per_token = tuple(float(v) for v in token_logprobs[row, :cut].tolist())
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            if finished and stop in text:
                text = text[:text.index(stop)]
            completions[row // n].append(Completion(
                text, float(sum(per_token)) if per_token and finished else -math.inf, finished and bool(ids),
                per_token, tuple(self.tokenizer.decode([i]) for i in ids)))
        return completions

    def _cut(self, generated: list[int], stop: str) -> tuple[int, bool]:
        """How many generated tokens belong to the completion (with its terminator), and whether it ended."""
        text = ""
        for index, token in enumerate(generated):
            if token == self.eos_id:
                return index + 1, True
            text += self.tokenizer.decode([token])
            if stop in text:
                return index + 1, True
        pad = self.tokenizer.pad_token_id
        while generated and generated[-1] == pad and pad != self.eos_id:
            generated = generated[:-1]
        return len(generated), False


class HFPolicy:
    """Step policy on a Hugging Face causal LM (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.generator = HFGenerator(config)

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first, with real log-probs."""
        if k <= 0 or not states:
            return [[] for _ in states]
        prompts = [self.generator.prompt(state) for state in states]
        completions = self.generator.complete(prompts, max(k, self.config.num_samples))
        return [rank_completions(found, k) for found in completions]

    def complete(self, prompts: list[str], n: int, stop: str = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """Raw completions (used by the planner)."""
        return self.generator.complete(prompts, n, stop, max_new_tokens)


class HFCritic:
    """Critic on a sequence classifier (`AutoModelForSequenceClassification`): the prompt is
    `prover.prompt.CRITIC_TEMPLATE`; the value is sigmoid(logit) for one label, or the
    probability of label 1 for two."""

    def __init__(self, config: ModelConfig) -> None:
        folder = check_model_folder(config.path, "hf")
        import torch
        import transformers
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        self.torch, self.config = torch, config
        self.device = resolve_device(config.device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.model = AutoModelForSequenceClassification.from_pretrained(str(folder))
        except Exception as exc:
            raise ModelConfigError(f"cannot load a sequence classifier from {folder}: {_first_line(exc)}") from None
        if self.model.config.num_labels not in (1, 2):
            raise ModelConfigError(f"critic in {folder} has {self.model.config.num_labels} labels (expected 1 or 2)")
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.tokenizer.padding_side = "right"
        self.max_prompt_tokens = prompt_budget(config.max_prompt_tokens, context_length(self.model.config))

    def score(self, states: list[str]) -> list[float]:
        """One value in [0, 1] per state."""
        from lean_prover.prover.prompt import format_critic_prompt

        torch = self.torch
        values: list[float] = []
        count = lambda text: len(self.tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
        for start in range(0, len(states), self.config.batch_size):
            chunk = [format_critic_prompt(s, self.max_prompt_tokens, count)
                     for s in states[start:start + self.config.batch_size]]
            encoded = self.tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False)
            with torch.inference_mode():
                logits = self.model(**{k: v.to(self.device) for k, v in encoded.items()}).logits.float()
            if logits.shape[-1] == 1:
                probs = torch.sigmoid(logits[:, 0])
            else:
                probs = torch.softmax(logits, dim=-1)[:, 1]
            values.extend(min(1.0, max(0.0, float(v))) for v in probs)
        return values


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
