"""A small OpenAI-compatible server for the tests (standard library `http.server`), on 127.0.0.1 only.

    python tests/completion_server.py --model tiny=/path/to/model [--model junk=/other] [--port 0]
    python tests/completion_server.py --script answers.json --log requests.jsonl

It prints `PORT <n>` once listening, answers `POST /v1/completions` (`prompt` string or list,
`n`, `max_tokens`, `temperature`, `top_p`, `seed`, `stop`, `logprobs`), `POST
/v1/chat/completions` (`messages`, `n`, `stop`, `logprobs`) and `GET /v1/models`, and exits by
itself after `--max-seconds`.

Models: Hugging Face models saved on disk, served through `prover.backends.hf.HFGenerator` with
per-token log-probabilities (chat requests through the tokenizer's chat template). A request for
model `flaky` is answered `503` the first time and then served by the first model (to test
retries); an unknown model is a 404 with an OpenAI-style error body.

Script (`--script FILE`, served for every model name): a JSON list of rules
`{"match": TEXT, "answers": [TEXT, …], "logprobs": [FLOAT, …]}`. A completion prompt, or a chat
request's last user message, is answered by the first rule whose `match` it contains (a rule
without `match` matches everything): its `n` choices are the rule's next `n` answers in order,
cycling, each with one token whose log-prob is the answer's `logprobs` entry (default −1, −2, …).
No matching rule: an empty answer. `--log FILE` appends one JSON line per request
(`{"route", "body"}`), so a test can read every prompt the server saw.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lean_prover.prover.backends.hf import HFGenerator  # noqa: E402
from lean_prover.prover.model_config import ModelConfig  # noqa: E402
from lean_prover.prover.prompt_formats import ChatMessage  # noqa: E402


class Script:
    """Scripted answers (module docstring); each rule keeps its own position in its answers."""

    def __init__(self, rules: list[dict]):
        self.rules = rules
        self.next = [0] * len(rules)
        self.lock = threading.Lock()

    def answer(self, text: str, n: int) -> list[tuple[str, float]]:
        """`n` (answer, log-prob) pairs for a prompt text."""
        with self.lock:
            for index, rule in enumerate(self.rules):
                if rule.get("match", "") in text:
                    answers, logprobs = rule["answers"], rule.get("logprobs") or []
                    picked = []
                    for _ in range(n):
                        position = self.next[index] % len(answers)
                        self.next[index] += 1
                        picked.append((answers[position], logprobs[position] if position < len(logprobs)
                                       else -1.0 - position))
                    return picked
        return [("", -1.0)] * n


class Handler(BaseHTTPRequestHandler):
    """Routes: POST /v1/completions, POST /v1/chat/completions, GET /v1/models."""

    server_version = "tiny-completions/2"
    generators: dict[str, HFGenerator] = {}
    script: Script | None = None
    log: Path | None = None
    log_lock = threading.Lock()
    model_lock = threading.Lock()  # requests are served in threads; a model generates one batch at a time
    flaky_failures = {"left": 1}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server API
        pass

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": {"message": message, "type": "invalid_request_error", "code": status}})

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path.rstrip("/") == "/v1/models":
            names = list(self.generators) or ["scripted"]
            self._send(200, {"object": "list", "data": [{"id": name, "object": "model"} for name in names]})
        else:
            self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        route = self.path.rstrip("/")
        if route not in ("/v1/completions", "/v1/chat/completions"):
            self._error(404, f"no route {self.path}")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self._error(400, "body is not JSON")
            return
        if self.log is not None:
            with self.log_lock, self.log.open("a", encoding="utf-8") as sink:
                sink.write(json.dumps({"route": route, "body": request}, ensure_ascii=False) + "\n")
        n = int(request.get("n", 1))
        chat = route == "/v1/chat/completions"
        if chat:
            messages = request.get("messages") or []
            if not isinstance(messages, list) or not messages:
                self._error(400, "`messages` must be a non-empty list")
                return
            prompts: list = [tuple(ChatMessage(m["role"], m["content"]) for m in messages)]
        else:
            prompts = request.get("prompt", "")
            prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if self.script is not None:
            found = [[(text, logprob, True) for text, logprob in self.script.answer(_text_of(p), n)] for p in prompts]
        else:
            found = self._generate(request, prompts, n)
            if found is None:
                return
        choices = []
        for p, answers in enumerate(found):
            for j, (text, token_logprobs, finished) in enumerate(answers[:n]):
                per_token = [token_logprobs] if isinstance(token_logprobs, float) else list(token_logprobs)
                choice = {"index": p * n + j, "finish_reason": "stop" if finished else "length"}
                if chat:
                    choice["message"] = {"role": "assistant", "content": text}
                    if request.get("logprobs"):
                        choice["logprobs"] = {"content": [{"token": "", "logprob": v} for v in per_token]}
                else:
                    choice["text"] = text
                    if request.get("logprobs") is not None:
                        choice["logprobs"] = {"tokens": [""] * len(per_token), "token_logprobs": per_token}
                choices.append(choice)
        self._send(200, {"id": "cmpl-test", "object": "chat.completion" if chat else "text_completion",
                         "created": int(time.time()), "model": request.get("model") or "scripted",
                         "choices": choices})

    def _generate(self, request: dict, prompts: list, n: int):
        name = request.get("model") or next(iter(self.generators))
        if name == "flaky":
            if self.flaky_failures["left"] > 0:
                self.flaky_failures["left"] -= 1
                self._error(503, "warming up")
                return None
            name = next(iter(self.generators))
        generator = self.generators.get(name)
        if generator is None:
            self._error(404, f"The model `{name}` does not exist.")
            return None
        stop = request.get("stop") or []
        with self.model_lock:
            generator.config = dataclasses.replace(
                generator.config, temperature=float(request.get("temperature", 1.0)),
                top_p=float(request.get("top_p", 1.0)), seed=request.get("seed"),
                decoding="beam" if request.get("use_beam_search") else "sample")
            completions = generator.complete(prompts, n, stop, int(request.get("max_tokens", 16)))
        return [[(c.text, c.token_logprobs, c.finished) for c in found] for found in completions]


def _text_of(prompt) -> str:
    """A completion prompt, or a conversation's last user message."""
    if isinstance(prompt, str):
        return prompt
    return next((m.content for m in reversed(prompt) if m.role == "user"), "")


def main() -> int:
    """Load the models or the script, listen on 127.0.0.1, print the port, serve until --max-seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--script", type=Path, default=None, metavar="FILE")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()
    if not args.model and args.script is None:
        parser.error("give --model NAME=PATH or --script FILE")
    for spec in args.model:
        name, _, path = spec.partition("=")
        Handler.generators[name] = HFGenerator(ModelConfig(backend="hf", path=path, batch_size=64))
    if args.script is not None:
        Handler.script = Script(json.loads(args.script.read_text(encoding="utf-8")))
    Handler.log = args.log
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
