"""LLM theorem prover for Lean 4: models (policy, critic, planner), prompts and theorem suites."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lean-prover")  # the one place the version is written is pyproject.toml
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
