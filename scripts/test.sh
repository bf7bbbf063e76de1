#!/usr/bin/env bash
# The README's test command: installs the package with its test dependencies, the embedded
# Lean if no native Lean is found, then runs the default test suite (slow benchmarks excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
prover setup
# Two test files at a time (one per core): almost all the time is Lean start-up.
python3 -m pytest -q -n 2 --dist loadfile --durations=30 "$@"
