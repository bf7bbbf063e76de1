"""LLM theorem prover for Lean 4: models (policy, critic, planner), prompts and theorem suites."""

__version__ = "0.1.0"
