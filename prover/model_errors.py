"""Errors of the model layer; each message fits on one line of user output.

They derive from :class:`lean_env.errors.LeanEnvError` so that the `prover` command line,
which prints any `LeanEnvError` as one `prover: error: …` line, reports them the same way.
"""

from __future__ import annotations

from lean_prover.lean_env.errors import LeanEnvError


class ModelError(LeanEnvError):
    """Base class: a problem with a model, its configuration or its server."""


class ModelConfigError(ModelError):
    """A model configuration cannot be used: unknown backend, bad field, malformed model path."""


class ModelUnavailableError(ModelError):
    """A model server cannot be reached (or keeps failing) after the configured retries."""
