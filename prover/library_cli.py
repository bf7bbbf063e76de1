"""Command-line options for using what Lean knows: the first pass (one-shot automation before
any search), Lean's suggestions (`exact?`, `rw?`, …) and the premise index; and `prover
premises`, which shows the index's best premises for a goal.

    prover prove FILE [--no-first-pass] [--suggest exact?,rw?] [--suggest-depth 0] [--premises 4]
    prover premises --goal "a b c : Nat\\nh : a ∣ b\\nh2 : a ∣ c\\n⊢ a ∣ b + c" [-k 8] [--imports Std] [--json]

Like `prover/cli.py` (which wires these in), this module sits on top of every layer.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Callable

from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.lean_env.library_index import load_or_build_index, project_roots
from lean_prover.lean_env.suggestions import SUGGESTION_TACTICS
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.prover.premises import LazyRetriever, PremiseRetriever, augmented_state
from lean_prover.prover.suggest_cli import read_goal
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.portfolio import FirstPassSettings

DEFAULT_SUGGEST = "exact?,rw?"
DEFAULT_PREMISES = 4


def add_library_options(parser: argparse.ArgumentParser, first_pass_default: bool = True,
                        suggest_default: str = DEFAULT_SUGGEST, premises_default: int = DEFAULT_PREMISES) -> None:
    """The first-pass, suggestion and premise options of `prove`, `bench` (defaults on) and
    `train expert-iteration` (defaults off)."""
    parser.add_argument("--first-pass", action=argparse.BooleanOptionalAction, default=first_pass_default,
                        help="try Lean's one-shot automation (intros; omega/grind/decide/simp_all) on every "
                             f"theorem first, in one shared Lean run ({'on' if first_pass_default else 'off'})")
    parser.add_argument("--suggest", default=suggest_default, metavar="TACTICS",
                        help=f"Lean suggestion tactics whose concrete tactics become candidates, comma-separated, "
                             f"from {', '.join(SUGGESTION_TACTICS)}; `none` for none ({suggest_default})")
    parser.add_argument("--suggest-depth", type=int, default=0, metavar="N",
                        help="ask Lean for suggestions on states at most N tactics deep (0: the root states, "
                             "asked for all theorems in one first-pass run)")
    parser.add_argument("--suggest-states", type=int, default=4, metavar="N",
                        help="states per search asked for suggestions during the search (4)")
    parser.add_argument("--premises", type=int, default=premises_default, metavar="K",
                        help=f"retrieved library premises per state turned into candidates; 0 for none "
                             f"({premises_default}; the index is built once per toolchain, minutes on the embedded Lean)")


def suggestion_tactics(text: str) -> tuple[str, ...]:
    """The `--suggest` list, checked."""
    if text.strip().lower() in ("", "none", "off"):
        return ()
    tactics = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [t for t in tactics if t not in SUGGESTION_TACTICS]
    if unknown:
        raise LeanEnvError(f"--suggest: unknown suggestion tactic {unknown[0]!r} (use {', '.join(SUGGESTION_TACTICS)})")
    return tactics


def library_settings(args: argparse.Namespace, toolchain: Toolchain,
                     progress: Callable[[str], None]) -> tuple[FirstPassSettings | None, CandidateSettings,
                                                              LazyRetriever | None]:
    """The prover's first-pass settings, candidate settings and premise retriever from the options
    (the retriever loads, or builds, the index on its first query)."""
    candidates = candidate_settings(args)
    first = FirstPassSettings(suggestion_tactics=candidates.suggestion_tactics) if args.first_pass else None
    retriever = None
    if args.premises > 0:
        roots = project_roots(args.project)
        retriever = LazyRetriever(lambda: PremiseRetriever(load_or_build_index(toolchain, roots, progress=progress)))
    return first, candidates, retriever


def candidate_settings(args: argparse.Namespace) -> CandidateSettings:
    """The candidate settings the options describe."""
    if args.suggest_depth < 0 or args.suggest_states < 0 or args.premises < 0:
        raise LeanEnvError("--suggest-depth, --suggest-states and --premises must be at least 0")
    return CandidateSettings(suggestion_tactics(args.suggest), args.suggest_depth, args.suggest_states,
                             premises=args.premises)


def library_fingerprint(args: argparse.Namespace) -> dict:
    """The options' part of a benchmark run's settings (a run resumes only with the same)."""
    return {"first_pass": args.first_pass, "suggest": list(suggestion_tactics(args.suggest)),
            "suggest_depth": args.suggest_depth, "suggest_states": args.suggest_states, "premises": args.premises}


def add_premises_parser(subparsers, common_parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register `prover premises` (the index's best premises for a goal)."""
    parser = subparsers.add_parser("premises", parents=[common_parent],
                                   help="show the library premises the index retrieves for a goal")
    parser.add_argument("--goal", required=True, metavar="TEXT",
                        help='goal as Lean prints it (`\\n` = newline; `-` = stdin)')
    parser.add_argument("-k", type=int, default=8, metavar="K", help="number of premises (8)")
    parser.add_argument("--imports", default="", metavar="MODULES",
                        help="modules the goal's file imports, comma-separated (default: none, so Init only)")
    parser.add_argument("--augmented", action="store_true",
                        help="print the premise-augmented policy input (ReProver's format) instead")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=cmd_premises)
    return parser


def cmd_premises(args: argparse.Namespace) -> int:
    """Print the best premises for `--goal` (building the index on first use)."""
    from lean_prover.lean_env.toolchain import resolve_toolchain

    goal = read_goal(args.goal)
    toolchain = resolve_toolchain(lean_command=args.lean, project=args.project)
    started = time.monotonic()
    index = load_or_build_index(toolchain, project_roots(args.project),
                                progress=lambda m: print(f"[prover] {m}", flush=True))
    retriever = PremiseRetriever(index)
    found = retriever.retrieve(goal, args.k, [m.strip() for m in args.imports.split(",") if m.strip()])
    if args.augmented:
        print(augmented_state(goal, [r.premise for r in found]))
    elif args.json:
        print(json.dumps({"premises": [{**r.premise.to_dict(), "score": round(r.score, 3)} for r in found],
                          "index_size": len(index), "elapsed_s": round(time.monotonic() - started, 2)},
                         indent=1, ensure_ascii=False))
    else:
        for item in found:
            print(f"{item.score:7.2f}  {item.premise.statement}   [{item.premise.module}]")
    return 0
