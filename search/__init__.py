"""Proof search: best-first and MCTS over Lean tactic states, proof cache, workers."""
