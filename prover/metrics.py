"""Benchmark metrics of whole-proof runs: pass@k and the gain of each repair round.

Both read the `whole_proof` record of result rows (`search.whole_proof`): `samples` (proofs drawn
per theorem in round 0), `correct` (how many of them Lean accepted) and `proved_round` (the
first round with an accepted proof: 0 for the samples, r for the r-th repair round; None when
unproved).
"""

from __future__ import annotations

from math import comb
from typing import Iterable


def pass_at_k(samples: int, correct: int, k: int) -> float:
    """The unbiased pass@k estimate from `samples` draws of which `correct` passed (Chen et al.
    2021): 1 − C(samples − correct, k) / C(samples, k); needs k ≤ samples."""
    if not 0 < k <= samples or not 0 <= correct <= samples:
        raise ValueError(f"pass@{k} needs 0 < k ≤ samples and 0 ≤ correct ≤ samples (samples={samples}, "
                         f"correct={correct})")
    if samples - correct < k:
        return 1.0
    return 1.0 - comb(samples - correct, k) / comb(samples, k)


def _records(rows: Iterable[dict]) -> list[dict]:
    return [r["whole_proof"] for r in rows if isinstance(r.get("whole_proof"), dict) and r["whole_proof"].get("samples")]


def pass_at_k_table(rows: Iterable[dict]) -> dict[int, float]:
    """Mean pass@k over the rows with whole-proof samples, for k = 1, 2, 4, … up to the smallest
    sample count (and that count itself); {} when no row has samples."""
    records = _records(rows)
    if not records:
        return {}
    most = min(r["samples"] for r in records)
    ks = sorted({2 ** i for i in range(most.bit_length()) if 2 ** i <= most} | {most})
    return {k: sum(pass_at_k(r["samples"], r["correct"], k) for r in records) / len(records) for k in ks}


def repair_gains(rows: Iterable[dict]) -> list[dict]:
    """Per round (0: the samples, then each repair round): problems first proved in it and proved
    so far, over the rows with whole-proof samples."""
    records = _records(rows)
    rounds = max((len(r.get("rounds", [])) for r in records), default=0)
    table, total = [], 0
    for index in range(rounds):
        gained = sum(r.get("proved_round") == index for r in records)
        total += gained
        table.append({"round": index, "proved": gained, "cumulative": total, "problems": len(records)})
    return table
