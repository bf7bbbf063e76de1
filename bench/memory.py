"""Does a tactic memory name the lemma a new goal needs? Leave-one-out over training steps.

    python bench/memory.py RUN [RUN ...] [--similarity 0.2,0.25,0.3,0.35,0.45] [--json]

RUN: expert-iteration run folders (`prover train expert-iteration`, `bench/learning.py`). Their
data is training-split only: the lemma steps the rounds' searches kept (`round_R/steps.jsonl`,
the first per theorem) and the reference steps of the restated lemmas of their pools
(`round_R/pool.jsonl`, as `pool_references` adds them). For each kept step that names a library
lemma, a memory of every other theorem's steps (:class:`prover.tactic_memory.TacticMemory`, with
the premise index's retriever) proposes 3 tactics for the step's state (what a round's policy
adds at width 1); a hit is a proposal naming the step's lemma, a miss with no proposal is
`silent` (no remembered state was similar enough). One row per `min_similarity`, with the
memory's default marked and each row's hits as a ratio of the default's, measured in the same
run; the same rows without the pool's reference steps show what they add.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lean_prover.lean_env.library_index import load_or_build_index
from lean_prover.lean_env.suggestions import library_names
from lean_prover.lean_env.toolchain import resolve_toolchain
from lean_prover.prover.premises import PremiseRetriever
from lean_prover.prover.suite import load_suite
from lean_prover.prover.tactic_memory import MIN_SIMILARITY, Remembered, TacticMemory
from lean_prover.training.curriculum import restated_lemma
from lean_prover.training.data import load_steps, reference_steps

PROPOSALS = 3


def training_steps(runs: list[Path]) -> tuple[dict[str, Remembered], dict[str, Remembered]]:
    """The first kept search step of each theorem, and each restated pool lemma's reference step,
    of the given run folders (by theorem name)."""
    searched: dict[str, Remembered] = {}
    restated: dict[str, Remembered] = {}
    for run in runs:
        for path in sorted(run.glob("round_*/steps.jsonl")):
            for step in load_steps(path):
                searched.setdefault(step.theorem, Remembered(step.state, step.tactic))
        for path in sorted(run.glob("round_*/pool.jsonl")):
            lemmas = [p for p in load_suite(str(path)) if restated_lemma(p.origin)]
            for step in reference_steps(lemmas):
                restated.setdefault(step.theorem, Remembered(step.state, step.tactic))
    return searched, restated


def leave_one_out(searched: dict[str, Remembered], restated: dict[str, Remembered], retriever,
                  min_similarity: float) -> dict[str, int]:
    """Hits, silent misses and targets over the searched steps that name a library lemma."""
    known = {**restated, **searched}
    counts = {"targets": 0, "hits": 0, "silent": 0}
    for name, step in searched.items():
        lemmas = library_names(step.tactic)
        if not lemmas:
            continue
        others = [remembered for other, remembered in known.items() if other != name]
        memory = TacticMemory(others, min_similarity=min_similarity, retriever=retriever)
        proposed = memory.propose(step.state, PROPOSALS)
        counts["targets"] += 1
        counts["hits"] += any(lemmas[0] in s.premises for s in proposed)
        counts["silent"] += not proposed
    return counts


def main(argv: list[str] | None = None) -> int:
    """Run the leave-one-out comparison and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="expert-iteration run folders")
    parser.add_argument("--similarity", default="0.2,0.25,0.3,0.35,0.45", help="min_similarity values")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    missing = [str(run) for run in args.runs if not run.is_dir()]
    if missing:
        parser.error(f"no such run folder: {', '.join(missing)}")
    values = sorted({float(v) for v in args.similarity.split(",")} | {MIN_SIMILARITY})
    searched, restated = training_steps(args.runs)
    retriever = PremiseRetriever(load_or_build_index(resolve_toolchain()))
    rows = [{"min_similarity": value, "references": with_references,
             **leave_one_out(searched, restated if with_references else {}, retriever, value)}
            for with_references in (True, False) for value in values]
    default = next(r["hits"] for r in rows if r["references"] and r["min_similarity"] == MIN_SIMILARITY)
    for row in rows:
        row["ratio"] = round(row["hits"] / default, 3) if default else None
    if args.json:
        print(json.dumps({"searched_steps": len(searched), "reference_steps": len(restated), "rows": rows}, indent=1))
        return 0
    print(f"{len(searched)} searched steps, {len(restated)} reference steps; "
          f"{rows[0]['targets']} name a library lemma")
    print(f"{'min_similarity':>14} {'references':>10} {'hits':>5} {'silent':>6} {'ratio':>6}")
    for row in rows:
        mark = " (default)" if row["min_similarity"] == MIN_SIMILARITY and row["references"] else ""
        print(f"{row['min_similarity']:14.2f} {str(row['references']):>10} {row['hits']:5d} {row['silent']:6d} "
              f"{row['ratio']:6.2f}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
