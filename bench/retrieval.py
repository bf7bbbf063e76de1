"""Does fitting lemmas to the goal retrieve better premises than BM25 alone?

    python bench/retrieval.py [--split dev] [--k 1,4,16]

For each `core` problem of the split whose reference proof names library theorems of the premise
index (:func:`prover.premises.premises_named`), the goal is the theorem's own statement (its
binders as hypotheses); each named theorem is a premise to find. Retrieval is asked for it twice
in the same run: BM25 alone (`reranked=0`) and BM25's best 64 ordered by how each lemma fits the
goal (:mod:`prover.premise_match`, the prover's default). Prints recall at each k (the share of
named premises among the first k) and the mean reciprocal rank (rank ≤ 64, else 0) for both, and
their ratio; `--json` prints the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json

from lean_prover.lean_env.library_index import load_or_build_index
from lean_prover.lean_env.toolchain import resolve_toolchain
from lean_prover.prover.premises import RERANKED, PremiseRetriever, premises_named
from lean_prover.prover.statement import StatementError, goal_text, parse_statement
from lean_prover.prover.suite import load_suite


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--k", default="1,4,16", help="cut-offs, comma-separated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cutoffs = [int(k) for k in args.k.split(",")]
    retriever = PremiseRetriever(load_or_build_index(resolve_toolchain()))
    ranks: dict[str, list[int | None]] = {"bm25": [], "bm25+fit": []}
    for problem in load_suite("core", split=args.split):
        try:
            goal = goal_text(parse_statement(problem.statement))
        except StatementError:
            continue
        wanted = premises_named(problem.reference_proof or "", retriever.index)
        if not wanted:
            continue
        for label, reranked in (("bm25", 0), ("bm25+fit", RERANKED)):
            found = [r.premise.name for r in retriever.retrieve(goal, RERANKED, ("Init",), reranked=reranked)]
            ranks[label] += [found.index(name) + 1 if name in found else None for name in wanted]
    numbers = {}
    for label, found in ranks.items():
        numbers[label] = {f"recall@{k}": sum(r is not None and r <= k for r in found) / len(found) for k in cutoffs}
        numbers[label]["mrr"] = sum(1 / r for r in found if r is not None) / len(found)
    numbers["premises"] = len(ranks["bm25"])
    if args.json:
        print(json.dumps(numbers, indent=1))
        return 0
    columns = [f"recall@{k}" for k in cutoffs] + ["mrr"]
    print(f"{args.split}: {numbers['premises']} named premises")
    print(f"{'retrieval':10} " + " ".join(f"{c:>10}" for c in columns))
    for label in ranks:
        print(f"{label:10} " + " ".join(f"{numbers[label][c]:10.3f}" for c in columns))
    base = numbers["bm25"]["mrr"]
    print(f"mrr ratio bm25+fit / bm25: {numbers['bm25+fit']['mrr'] / base:.2f}" if base else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
