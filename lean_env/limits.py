"""Timeouts and limits used across the layers, each written once.

| name | value | what it bounds |
| --- | --- | --- |
| DEFAULT_HEARTBEATS | 200,000 | one tactic probe (Lean's own default `maxHeartbeats`) |
| LEAN_PROCESS_TIMEOUT_S | 300 s | one Lean process of a search: a batch of probes, a re-check, a sketch check (`--timeout`) |
| FILE_CHECK_TIMEOUT_S | 600 s | one Lean run over a whole file: `prover check` (`--timeout`), pruning, pool checks |
| THEOREM_TIME_LIMIT_S | 600 s | a search's wall-clock budget per theorem (`prove`/`bench --time-limit`) |
| TRAINING_TIME_LIMIT_S | 300 s | the same in expert iteration (`train expert-iteration --time-limit`) |
| BASELINE_TIMEOUT_S | 1800 s | one Lean run of the automation portfolio (the bench baseline, the prover's first pass) |
| DEFAULT_KILL_RETRIES | 2 | re-runs of probes (or a re-check) whose Lean was killed from outside (OOM killer, `kill -9`) |
| SUGGESTION_TIMEOUT_S | 900 s | one Lean run of suggestion queries (`exact?`, `rw?`, …; the library search builds its index first) |
| PREMISE_INDEX_TIMEOUT_S | 3600 s | the one Lean run that enumerates the library for the premise index |
"""

from __future__ import annotations

DEFAULT_HEARTBEATS = 200_000
LEAN_PROCESS_TIMEOUT_S = 300.0
FILE_CHECK_TIMEOUT_S = 600.0
THEOREM_TIME_LIMIT_S = 600.0
TRAINING_TIME_LIMIT_S = 300.0
BASELINE_TIMEOUT_S = 1800.0
DEFAULT_KILL_RETRIES = 2
SUGGESTION_TIMEOUT_S = 900.0
PREMISE_INDEX_TIMEOUT_S = 3600.0
