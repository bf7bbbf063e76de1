"""HTTP backend: any OpenAI-compatible server (vLLM's `vllm serve`, SGLang, TGI, …), through one
`httpx.Client` per completer (connection reuse, timeouts).

Completion prompts go to `/v1/completions`, one POST per `batch_size` prompts: `{"model": path,
"prompt": [prompts…], "n": N, "max_tokens", "temperature", "top_p", "logprobs": 1, "stop":
[…], "seed"}`; choice `index` i belongs to prompt i // N (the OpenAI rule for list prompts).
Chat prompts (the formats with `chat: true`: DeepSeek-Prover-V2, Goedel-Prover-V2, Kimina-Prover)
go to `/v1/chat/completions`, one POST per conversation (`messages`, `n`, `logprobs: true`), up
to `batch_size` at once. `decoding: beam` adds vLLM's `"use_beam_search": true` extension. A
completion's log-prob is the sum of its token log-probs (`logprobs.token_logprobs`, or the chat
form `logprobs.content[].logprob`); a choice whose `finish_reason` is `length` is unfinished.
Step prompts are truncated by the rule of `prover.prompt`, with tokens estimated as ⌈UTF-8
bytes / 3⌉ (no tokenizer here).

Failures: each request has `timeout_s`; connection errors, timeouts and HTTP 429/5xx are
retried `retries` times, waiting `backoff_s · 2^attempt` between tries; then
:class:`ModelUnavailableError` (one line: the URL and the last reason). Another HTTP 4xx (a
wrong model name, say) is a :class:`ModelConfigError` with the server's message. An answer
that is not the expected JSON is a `ModelUnavailableError` too; garbage *text* inside a
well-formed answer only yields fewer suggestions.
"""

from __future__ import annotations

import math
import os
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import httpx

from lean_prover.prover.backends import Completion, StepModelPolicy, stop_list
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError, ModelUnavailableError
from lean_prover.prover.prompt import byte_token_estimate
from lean_prover.prover.prompt_formats import Prompt

_RETRY_STATUS = (408, 429, 500, 502, 503, 504)


def api_endpoint(url: str, route: str = "completions") -> str:
    """`http://host:port[/prefix]` → `…/v1/<route>` (`completions` or `chat/completions`); an URL
    already ending in `/v1/completions` or `/v1/chat/completions` is taken back to `/v1` first."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelConfigError(f"backend http needs `url` like http://127.0.0.1:8000 (got {url!r})")
    path = parts.path.rstrip("/")
    for suffix in ("/chat/completions", "/completions"):
        if path.endswith("/v1" + suffix):
            path = path[: -len(suffix)]
    if not path.endswith("/v1"):
        path += "/v1"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{path}/{route}", "", ""))


class HTTPCompleter:
    """Completions from an OpenAI-compatible server (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.endpoint = api_endpoint(config.url, "completions")
        self.chat_endpoint = api_endpoint(config.url, "chat/completions")
        self.max_prompt_tokens = config.max_prompt_tokens
        headers = {}
        if config.api_key_env:
            key = os.environ.get(config.api_key_env)
            if key:
                headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(headers=headers, timeout=config.timeout_s)

    def count_tokens(self, text: str) -> int:
        """⌈UTF-8 bytes / 3⌉: no tokenizer here."""
        return byte_token_estimate(text)

    def complete(self, prompts: Sequence[Prompt], n: int, stop: Sequence[str] | str | None = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt with summed token log-probs; chat conversations through the
        chat endpoint, completion text through the completions endpoint (in input order)."""
        stops, max_tokens = stop_list(stop), max_new_tokens or self.config.max_new_tokens
        results: list[list[Completion] | None] = [None] * len(prompts)
        texts = [i for i, p in enumerate(prompts) if isinstance(p, str)]
        size = max(1, self.config.batch_size)
        for start in range(0, len(texts), size):
            chunk = texts[start:start + size]
            answer = self._post(self.endpoint, self._payload({"prompt": [prompts[i] for i in chunk]}, n, stops,
                                                             max_tokens))
            for index, found in zip(chunk, _read_choices(answer, len(chunk), n, self.endpoint)):
                results[index] = found
        chats = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
        if chats:
            def one(index: int) -> list[Completion]:
                messages = [m.to_dict() for m in prompts[index]]
                payload = self._payload({"messages": messages}, n, stops, max_tokens, chat=True)
                return _read_chat_choices(self._post(self.chat_endpoint, payload), n, self.chat_endpoint)

            with ThreadPoolExecutor(max_workers=min(size, len(chats))) as pool:
                for index, found in zip(chats, pool.map(one, chats)):
                    results[index] = found
        return [r if r is not None else [] for r in results]

    def _payload(self, body: dict, n: int, stops: list[str], max_tokens: int, chat: bool = False) -> dict:
        config = self.config
        payload = {**body, "n": n, "max_tokens": max_tokens, "temperature": config.temperature,
                   "top_p": config.top_p, "logprobs": True if chat else 1}
        if stops:
            payload["stop"] = stops
        if config.path:
            payload["model"] = config.path
        if config.seed is not None:
            payload["seed"] = config.seed
        if config.decoding == "beam":
            payload["use_beam_search"] = True
            payload["best_of"] = n
        return payload

    def _post(self, endpoint: str, payload: dict) -> dict:
        tries = self.config.retries + 1
        reason = "no attempt made"
        for attempt in range(tries):
            if attempt:
                time.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            try:
                response = self.client.post(endpoint, json=payload)
            except httpx.TimeoutException:
                reason = f"no answer within {self.config.timeout_s:g} s"
                continue
            except httpx.HTTPError as exc:  # connection refused, reset, DNS, protocol errors
                reason = _reason(exc)
                continue
            if response.status_code in _RETRY_STATUS:
                reason = f"HTTP {response.status_code}: {_error_message(response)}"
                continue
            if response.status_code >= 400:
                raise ModelConfigError(f"model server {endpoint} rejected the request "
                                       f"(HTTP {response.status_code}): {_error_message(response)}") from None
            try:
                answer = response.json()
            except ValueError:
                raise ModelUnavailableError(f"model server {endpoint} answered with invalid JSON") from None
            if not isinstance(answer, dict):
                raise ModelUnavailableError(f"model server {endpoint} answered with JSON that is not an object")
            return answer
        raise ModelUnavailableError(f"model server {endpoint} is unreachable: {reason} "
                                    f"({tries} {'try' if tries == 1 else 'tries'})")


class HTTPPolicy(StepModelPolicy):
    """Step policy served over HTTP (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config, HTTPCompleter(config))

    @property
    def endpoint(self) -> str:
        """The endpoint step prompts of this policy's format go to."""
        return self.generator.chat_endpoint if self.format.chat else self.generator.endpoint


def _choices(answer: dict, endpoint: str) -> list:
    choices = answer.get("choices")
    if not isinstance(choices, list):
        raise ModelUnavailableError(f"model server {endpoint} answered without a `choices` list")
    return choices


def _read_choices(answer: dict, prompts: int, n: int, endpoint: str) -> list[list[Completion]]:
    found: list[list[Completion]] = [[] for _ in range(prompts)]
    for position, choice in enumerate(_choices(answer, endpoint)):
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", position)
        if not isinstance(index, int) or not 0 <= index // n < prompts:
            continue
        text = choice.get("text")
        if not isinstance(text, str):
            continue
        logprobs = choice.get("logprobs") or {}
        tokens = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
        total, count = _sum_logprobs(tokens)
        found[index // n].append(Completion(text, total, choice.get("finish_reason") != "length", token_count=count))
    return found


def _read_chat_choices(answer: dict, n: int, endpoint: str) -> list[Completion]:
    found: list[Completion] = []
    for choice in _choices(answer, endpoint)[:n]:
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            continue
        text = choice["message"].get("content")
        if not isinstance(text, str):
            continue
        logprobs = choice.get("logprobs") or {}
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        values = [t.get("logprob") for t in content if isinstance(t, dict)] if isinstance(content, list) else None
        total, count = _sum_logprobs(values)
        found.append(Completion(text, total, choice.get("finish_reason") != "length", token_count=count))
    return found


def _sum_logprobs(values) -> tuple[float, int]:
    """(the sum of the token log-probs, their count), or (NaN, 0) when they are missing or malformed."""
    if isinstance(values, list) and values and all(isinstance(t, (int, float)) or t is None for t in values):
        return float(sum(t for t in values if t is not None)), len(values)
    return math.nan, 0


def _error_message(response: httpx.Response) -> str:
    """The server's error message (an OpenAI-style `{"error": {"message": …}}` body, or the text)."""
    try:
        data = response.json()
        error = data.get("error", data) if isinstance(data, dict) else data
        message = error.get("message", response.text) if isinstance(error, dict) else str(error)
    except ValueError:  # the body is optional and may be anything
        message = response.text or response.reason_phrase
    lines = str(message).strip().splitlines()
    return lines[0][:300] if lines else response.reason_phrase


def _reason(exc: httpx.HTTPError) -> str:
    """A short reason for a failed connection."""
    text = str(exc).strip()
    if isinstance(exc, httpx.ConnectError) and "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, httpx.ConnectError) and ("name or service" in text.lower() or "resolution" in text.lower()):
        return f"cannot resolve host ({text})"
    return text.splitlines()[0] if text else type(exc).__name__
