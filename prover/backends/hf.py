"""Hugging Face `transformers` backend (CPU or GPU): a causal LM or an encoder-decoder (ByT5, as
ReProver) loaded with `from_pretrained`, chosen by the model's own config (`is_encoder_decoder`).

Prompts: completion text is tokenized as the tokenizer does by default (special tokens added:
a BOS for Llama-style tokenizers, the `</s>` ByT5 appends to its input); a chat conversation
goes through the tokenizer's chat template (`apply_chat_template(…, add_generation_prompt=True)`).
`trust_remote_code` is passed to `from_pretrained` (custom model code, e.g. InternLM).

Decoding: `decoding: sample` draws `max(k, num_samples)` sequences per prompt at `temperature`
(`top_p`); temperature 0 is greedy (one sequence). `decoding: beam` runs beam search with
`max(k, num_samples)` beams, all returned, ranked by summed log-prob (no length penalty).
Prompts are batched (`batch_size` per `generate` call; causal prompts left-padded).

Stopping: `generate` stops a sequence at the first token that completes one of the stop
strings (`stop_strings`, which also catches a stop string inside a longer token: a newline for
step tactics; the format's own stops for whole proofs) or at EOS; with no stop string at EOS
only. One that reaches `max_new_tokens` first is unfinished. The text is cut before the stop
string.

Log-probabilities are real: `generate` returns the raw model's logits of every step
(`output_logits`, before temperature and top-p), and `compute_transition_scores(…,
normalize_logits=True)` turns them into each generated token's log-probability under the raw
model (for an encoder-decoder too: its decoder output starts with the start token); a
completion's log-prob is their sum up to and including the terminating stop/EOS token — the
model's probability of emitting exactly that completion and stopping. Every sequence drawn is
returned, repeats included (pass@k counts them); the step policy keeps distinct tactics
(highest log-prob when drawn twice) and returns the `k` best. Where a sequence's completion
ends is found by decoding its generated tokens up to the stop string (`generate` does not
report it).
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Sequence

from lean_prover.prover.backends import Completion, StepModelPolicy, step_prompt, stop_list
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.prompt import context_length, prompt_budget
from lean_prover.prover.prompt_formats import Prompt

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


def config_source(folder: Path) -> str:
    """Where the model's `config.json` lives: the folder, or for a LoRA adapter its base model (path or hub id)."""
    adapter = folder / "adapter_config.json"
    if not adapter.is_file() or (folder / "config.json").is_file():
        return str(folder)
    try:
        base = json.loads(adapter.read_text()).get("base_model_name_or_path")
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelConfigError(f"cannot read the LoRA adapter config {adapter}: {exc}") from None
    if not base:
        raise ModelConfigError(f"LoRA adapter {folder} names no base model (base_model_name_or_path)")
    return str(base)


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
    """A causal or encoder-decoder LM and its tokenizer, with batched `complete` and exact scoring."""

    def __init__(self, config: ModelConfig) -> None:
        folder = check_model_folder(config.path, "hf")
        try:
            import torch
            import transformers
            from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
        except ImportError as exc:
            raise ModelConfigError(f"backend hf needs torch and transformers: {exc}") from None
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        self.torch = torch
        self.config = config
        self.device = resolve_device(config.device)
        kwargs: dict = {"trust_remote_code": config.trust_remote_code}
        if config.dtype != "auto":
            kwargs["dtype"] = getattr(torch, _DTYPES[config.dtype])
        try:
            model_config = AutoConfig.from_pretrained(config_source(folder),
                                                      trust_remote_code=config.trust_remote_code)
            self.encoder_decoder = bool(getattr(model_config, "is_encoder_decoder", False))
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=config.trust_remote_code)
            loader = AutoModelForSeq2SeqLM if self.encoder_decoder else AutoModelForCausalLM
            self.model = loader.from_pretrained(str(folder), **kwargs)
        except Exception as exc:  # transformers raises many types; all mean "cannot use this folder"
            hint = " (set trust_remote_code: true for models with their own code)" \
                if "trust_remote_code" in str(exc) else ""
            raise ModelConfigError(f"cannot load a language model from {folder}: {_first_line(exc)}{hint}") from None
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "right" if self.encoder_decoder else "left"
        if self.tokenizer.eos_token_id is None:
            raise ModelConfigError(f"the tokenizer in {folder} has no EOS token")
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_id = int(self.tokenizer.eos_token_id)
        self.generated_tokens = 0  # all tokens generated so far (every sample, terminators included)
        # an encoder-decoder's prompt does not share the decoder's positions with the completion
        context = None if self.encoder_decoder else context_length(self.model.config)
        self.max_prompt_tokens = prompt_budget(config.max_prompt_tokens, context, config.max_new_tokens)

    # -- tokens -------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens of `text` under this model's tokenizer (no special tokens)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt(self, state: str) -> Prompt:
        """The step prompt of a state in the config's format, truncated to this model's budget."""
        return step_prompt(self.config.format, state, None, self)

    def encode(self, prompt: Prompt) -> list[int]:
        """Token ids of a prompt: completion text with the tokenizer's special tokens, a chat
        conversation through its chat template."""
        if isinstance(prompt, str):
            return list(self.tokenizer(prompt, add_special_tokens=True)["input_ids"])
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelConfigError(f"the tokenizer in {self.config.path} has no chat template: a chat prompt "
                                   "format needs one")
        text = self.tokenizer.apply_chat_template([m.to_dict() for m in prompt], tokenize=False,
                                                  add_generation_prompt=True)
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- generation ---------------------------------------------------------------------------
    def complete(self, prompts: Sequence[Prompt], n: int, stop: Sequence[str] | str | None = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt (sampled or beams, per the config), each with its exact
        summed log-prob; `stop`: "\\n" (one line), other stop strings, or none (EOS)."""
        results: list[list[Completion]] = []
        stops = stop_list(stop)
        size = max(1, self.config.batch_size)
        encoded = [self.encode(p) for p in prompts]
        for start in range(0, len(encoded), size):
            results.extend(self._complete_batch(encoded[start:start + size], n, stops,
                                                max_new_tokens or self.config.max_new_tokens))
        return results

    def _padded(self, rows: list[list[int]], left: bool):
        torch = self.torch
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = [([pad] * (width - len(r)) + r) if left else (r + [pad] * (width - len(r))) for r in rows]
        mask = [([0] * (width - len(r)) + [1] * len(r)) if left else ([1] * len(r) + [0] * (width - len(r)))
                for r in rows]
        return torch.tensor(ids, device=self.device), torch.tensor(mask, device=self.device)

    def _complete_batch(self, prompt_ids: list[list[int]], n: int, stops: list[str],
                        max_new_tokens: int) -> list[list[Completion]]:
        torch, config = self.torch, self.config
        if not prompt_ids:
            return []
        if config.seed is not None:
            torch.manual_seed(config.seed)
        input_ids, attention = self._padded(prompt_ids, left=not self.encoder_decoder)
        options: dict = {"max_new_tokens": max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id,
                         "eos_token_id": self.eos_id, "return_dict_in_generate": True, "output_logits": True}
        if stops:
            options.update(stop_strings=stops, tokenizer=self.tokenizer)
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
        # a decoder's output starts with its start token; a causal model's with the prompt
        prompt_width = 1 if self.encoder_decoder else input_ids.shape[1]
        generated = out.sequences[:, prompt_width:].tolist()
        completions: list[list[Completion]] = [[] for _ in prompt_ids]
        for row, ids in enumerate(generated):  # every sequence drawn, repeats included (pass@k counts them)
            cut, finished = self._cut(ids, stops)
            self.generated_tokens += cut
            ids = ids[:cut]
            per_token = tuple(float(v) for v in token_logprobs[row, :cut].tolist())
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            cuts = [text.index(s) for s in stops if s in text]
            if finished and cuts:
                text = text[:min(cuts)]
            completions[row // n].append(Completion(
                text, float(sum(per_token)) if per_token and finished else -math.inf, finished and bool(ids),
                per_token, tuple(self.tokenizer.decode([i]) for i in ids), len(ids)))
        return completions

    def _cut(self, generated: list[int], stops: list[str]) -> tuple[int, bool]:
        """How many generated tokens belong to the completion (with its terminator), and whether it ended."""
        text = ""
        for index, token in enumerate(generated):
            if token == self.eos_id:
                return index + 1, True
            text += self.tokenizer.decode([token])
            if any(s in text for s in stops):
                return index + 1, True
        pad = self.tokenizer.pad_token_id
        while generated and generated[-1] == pad and pad != self.eos_id:
            generated = generated[:-1]
        return len(generated), False


class HFPolicy(StepModelPolicy):
    """Step policy on a Hugging Face model (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config, HFGenerator(config))


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
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=config.trust_remote_code)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                str(folder), trust_remote_code=config.trust_remote_code)
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
