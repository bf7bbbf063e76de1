"""Lean 4 interaction layer: toolchains, Lean processes, files and proof checking."""
