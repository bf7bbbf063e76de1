"""HTTP backend: any OpenAI-compatible `/v1/completions` server (vLLM's `vllm serve`, TGI, …),
through one `httpx.Client` per policy (connection reuse, timeouts).

One POST per `batch_size` states: `{"model": path, "prompt": [prompts…], "n": N, "max_tokens",
"temperature", "top_p", "logprobs": 1, "stop": ["\\n"], "seed"}` where N = max(k, num_samples);
`decoding: beam` adds vLLM's `"use_beam_search": true` extension. Choice `index` i belongs to
prompt i // N (the OpenAI rule for list prompts). A tactic's log-prob is the sum of the choice's
`logprobs.token_logprobs`; a choice without log-probs, or whose `finish_reason` is `length`, is
dropped. Prompts are truncated by the rule of `prover.prompt`, with tokens estimated as
⌈UTF-8 bytes / 3⌉ (no tokenizer here).

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

import httpx

from lean_prover.prover.backends import Completion, rank_completions
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError, ModelUnavailableError
from lean_prover.prover.policy import TacticSuggestion
from lean_prover.prover.prompt import byte_token_estimate, format_prompt

_RETRY_STATUS = (408, 429, 500, 502, 503, 504)


def completions_endpoint(url: str) -> str:
    """`http://host:port[/prefix]` → `…/v1/completions` (an URL already ending so is kept)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelConfigError(f"backend http needs `url` like http://127.0.0.1:8000 (got {url!r})")
    path = parts.path.rstrip("/")
    if path.endswith("/v1/completions"):
        pass
    elif path.endswith("/v1"):
        path += "/completions"
    else:
        path += "/v1/completions"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class HTTPPolicy:
    """Step policy served over HTTP (see the module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.endpoint = completions_endpoint(config.url)
        headers = {}
        if config.api_key_env:
            key = os.environ.get(config.api_key_env)
            if key:
                headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(headers=headers, timeout=config.timeout_s)

    def suggest(self, states: list[str], k: int) -> list[list[TacticSuggestion]]:
        """Up to `k` distinct tactics per state, best first."""
        if k <= 0 or not states:
            return [[] for _ in states]
        prompts = [format_prompt(s, self.config.max_prompt_tokens, byte_token_estimate) for s in states]
        found = self.complete(prompts, max(k, self.config.num_samples))
        return [rank_completions(c, k) for c in found]

    def complete(self, prompts: list[str], n: int, stop: str = "\n",
                 max_new_tokens: int | None = None) -> list[list[Completion]]:
        """`n` completions per prompt with summed token log-probs (one request per batch)."""
        results: list[list[Completion]] = []
        size = max(1, self.config.batch_size)
        for start in range(0, len(prompts), size):
            chunk = prompts[start:start + size]
            answer = self._post(self._payload(chunk, n, stop, max_new_tokens or self.config.max_new_tokens))
            results.extend(_read_choices(answer, len(chunk), n, self.endpoint))
        return results

    def _payload(self, prompts: list[str], n: int, stop: str, max_tokens: int) -> dict:
        config = self.config
        payload = {"prompt": prompts, "n": n, "max_tokens": max_tokens, "temperature": config.temperature,
                   "top_p": config.top_p, "logprobs": 1, "stop": [stop]}
        if config.path:
            payload["model"] = config.path
        if config.seed is not None:
            payload["seed"] = config.seed
        if config.decoding == "beam":
            payload["use_beam_search"] = True
            payload["best_of"] = n
        return payload

    def _post(self, payload: dict) -> dict:
        tries = self.config.retries + 1
        reason = "no attempt made"
        for attempt in range(tries):
            if attempt:
                time.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            try:
                response = self.client.post(self.endpoint, json=payload)
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
                raise ModelConfigError(f"model server {self.endpoint} rejected the request "
                                       f"(HTTP {response.status_code}): {_error_message(response)}") from None
            try:
                answer = response.json()
            except ValueError:
                raise ModelUnavailableError(f"model server {self.endpoint} answered with invalid JSON") from None
            if not isinstance(answer, dict):
                raise ModelUnavailableError(f"model server {self.endpoint} answered with JSON that is not an object")
            return answer
        raise ModelUnavailableError(f"model server {self.endpoint} is unreachable: {reason} "
                                    f"({tries} {'try' if tries == 1 else 'tries'})")


def _read_choices(answer: dict, prompts: int, n: int, endpoint: str) -> list[list[Completion]]:
    choices = answer.get("choices")
    if not isinstance(choices, list):
        raise ModelUnavailableError(f"model server {endpoint} answered without a `choices` list")
    found: list[list[Completion]] = [[] for _ in range(prompts)]
    for position, choice in enumerate(choices):
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
        if isinstance(tokens, list) and tokens and all(isinstance(t, (int, float)) or t is None for t in tokens):
            total = float(sum(t for t in tokens if t is not None))
        else:
            total = math.nan
        found[index // n].append(Completion(text, total, choice.get("finish_reason") != "length"))
    return found


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
