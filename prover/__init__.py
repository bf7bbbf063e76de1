"""LLM theorem prover for Lean 4: models (policy, critic, planner) and the command line."""

__version__ = "0.1.0"
