"""A small OpenAI-compatible `/v1/completions` server for the tests (standard library `http.server`).

It serves Hugging Face models saved on disk through `prover.backends.hf.HFGenerator`, with
per-token log-probabilities, on 127.0.0.1 only:

    python tests/completion_server.py --model tiny=/path/to/model [--model junk=/other] [--port 0]

It prints `PORT <n>` once listening, answers `POST /v1/completions` (`prompt` string or list,
`n`, `max_tokens`, `temperature`, `top_p`, `seed`, `stop`, `logprobs`) and `GET /v1/models`,
and exits by itself after `--max-seconds`. A request for model `flaky` is answered
`503` the first time and then served by the first model (to test retries); an unknown model is a
404 with an OpenAI-style error body.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


from lean_prover.prover.backends.hf import HFGenerator  # noqa: E402
from lean_prover.prover.model_config import ModelConfig  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    """Routes: POST /v1/completions, GET /v1/models."""

    server_version = "tiny-completions/1"
    generators: dict[str, HFGenerator] = {}
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
            self._send(200, {"object": "list", "data": [{"id": name, "object": "model"} for name in self.generators]})
        else:
            self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        if self.path.rstrip("/") != "/v1/completions":
            self._error(404, f"no route {self.path}")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self._error(400, "body is not JSON")
            return
        name = request.get("model") or next(iter(self.generators))
        if name == "flaky":
            if self.flaky_failures["left"] > 0:
                self.flaky_failures["left"] -= 1
                self._error(503, "warming up")
                return
            name = next(iter(self.generators))
        generator = self.generators.get(name)
        if generator is None:
            self._error(404, f"The model `{name}` does not exist.")
            return
        prompts = request.get("prompt", "")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        n = int(request.get("n", 1))
        stop = request.get("stop") or ["\n"]
        stop = stop[0] if isinstance(stop, list) else stop
        generator.config = dataclasses.replace(
            generator.config, temperature=float(request.get("temperature", 1.0)),
            top_p=float(request.get("top_p", 1.0)), seed=request.get("seed"),
            decoding="beam" if request.get("use_beam_search") else "sample")
        found = generator.complete(prompts, n, stop, int(request.get("max_tokens", 16)))
        choices = []
        for p, completions in enumerate(found):
            for j, completion in enumerate(completions[:n]):
                choice = {"index": p * n + j, "text": completion.text,
                          "finish_reason": "stop" if completion.finished else "length"}
                if request.get("logprobs") is not None:
                    choice["logprobs"] = {"tokens": list(completion.tokens),
                                          "token_logprobs": list(completion.token_logprobs)}
                choices.append(choice)
        self._send(200, {"id": "cmpl-test", "object": "text_completion", "created": int(time.time()),
                         "model": name, "choices": choices})


def main() -> int:
    """Load the models, listen on 127.0.0.1, print the port, serve until --max-seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()
    for spec in args.model:
        name, _, path = spec.partition("=")
        Handler.generators[name] = HFGenerator(ModelConfig(backend="hf", path=path, batch_size=64))
    server = HTTPServer(("127.0.0.1", args.port), Handler)
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
