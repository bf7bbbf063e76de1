"""Using what Lean knows, on the command line: the options of the first pass (one-shot automation
before any search), Lean's suggestions (`exact?`, `rw?`, …) and the premise index, shared by
`prove`, `bench` (on by default) and `train expert-iteration` (off by default); and `prover
premises`, which shows the index's best premises for a goal.

    prover prove FILE [--no-first-pass] [--suggest exact?,rw?] [--suggest-depth 0] [--premises 4]
    prover premises --goal "a b c : Nat\\nh : a ∣ b\\nh2 : a ∣ c\\n⊢ a ∣ b + c" [-k 8] [--imports Std] [--json]

Wiring into `app/cli.py`'s `build_parser`:

    from lean_prover.app.library_cli import add_premises_parser
    add_premises_parser(sub)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from lean_prover.app.console import progress
from lean_prover.app.options import LeanOptions, add_options, at_least, option
from lean_prover.app.suggest_cli import read_goal
from lean_prover.lean_env.library_index import load_or_build_index, project_roots
from lean_prover.lean_env.suggestions import DEFAULT_SUGGESTION_TACTICS, SUGGESTION_TACTICS, SuggestionTactic
from lean_prover.prover.premises import PremiseRetriever, augmented_state
from lean_prover.search.candidates import CandidateSettings
from lean_prover.search.portfolio import FirstPassSettings

DEFAULT_SUGGEST = ",".join(DEFAULT_SUGGESTION_TACTICS)
DEFAULT_PREMISES = 4


def suggestion_tactics(text: str) -> tuple[SuggestionTactic, ...]:
    """The `--suggest` list (comma-separated; `none` for none); ValueError names an unknown tactic."""
    if text.strip().lower() in ("", "none", "off"):
        return ()
    tactics = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [t for t in tactics if t not in SUGGESTION_TACTICS]
    if unknown:
        raise ValueError(f"--suggest: unknown suggestion tactic {unknown[0]!r} (use {', '.join(SUGGESTION_TACTICS)}"
                         " or none)")
    return tactics  # type: ignore[return-value]  # checked against SUGGESTION_TACTICS


@dataclasses.dataclass(frozen=True, kw_only=True)
class LeanKnowledgeOptions:
    """The first pass, Lean's suggestions and the premise index (module docstring)."""

    first_pass: bool = option(True, negatable=True, help="try Lean's one-shot automation (intros; omega/grind/"
                              "decide/simp_all, and decide alone) on every theorem first, in one shared Lean run")
    suggest: str = option(DEFAULT_SUGGEST, metavar="TACTICS", help="Lean suggestion tactics whose concrete "
                          f"tactics become candidates, comma-separated, from {', '.join(SUGGESTION_TACTICS)}; "
                          "`none` for none")
    suggest_depth: int = option(0, metavar="N", help="ask Lean for suggestions on states at most N tactics deep "
                                "(0: the root states, asked for all theorems in one first-pass run)")
    suggest_states: int = option(4, metavar="N", help="states per search asked for suggestions during the search")
    premises: int = option(DEFAULT_PREMISES, metavar="K", help="retrieved library premises per state turned into "
                           "candidates; 0 for none (the index is built once per toolchain, minutes on the "
                           "embedded Lean)")

    def __post_init__(self) -> None:
        for flag, value in (("--suggest-depth", self.suggest_depth), ("--suggest-states", self.suggest_states),
                            ("--premises", self.premises)):
            at_least(value, 0, flag)
        suggestion_tactics(self.suggest)

    def candidate_settings(self) -> CandidateSettings:
        """Where the search's candidates come from besides the policy."""
        return CandidateSettings(suggestion_tactics(self.suggest), self.suggest_depth, self.suggest_states,
                                 premises=self.premises)

    def first_pass_settings(self) -> FirstPassSettings | None:
        """The first pass (with the root states asked for the `--suggest` tactics), or None when off."""
        return FirstPassSettings(suggestion_tactics=suggestion_tactics(self.suggest)) if self.first_pass else None

    def knowledge_fingerprint(self) -> dict:
        """These options' part of a benchmark run's settings (a run resumes only with the same)."""
        return {"first_pass": self.first_pass, "suggest": list(suggestion_tactics(self.suggest)),
                "suggest_depth": self.suggest_depth, "suggest_states": self.suggest_states, "premises": self.premises}


@dataclasses.dataclass(frozen=True, kw_only=True)
class PremisesOptions(LeanOptions):
    """`prover premises`."""

    goal: str = option(metavar="TEXT", required=True, help="goal as Lean prints it (`\\n` = newline; `-` = stdin)")
    k: int = option(8, flags=("-k",), metavar="K", help="number of premises")
    imports: str = option("", metavar="MODULES", help="modules the goal's file imports, comma-separated "
                          "(default: none, so Init only)")
    augmented: bool = option(False, help="print the premise-augmented policy input (ReProver's format) instead")
    json: bool = option(False, help="print JSON")

    def __post_init__(self) -> None:
        at_least(self.k, 1, "-k")


def add_premises_parser(subparsers) -> argparse.ArgumentParser:
    """Register `prover premises` (the index's best premises for a goal); returns its parser."""
    summary = "show the library premises the index retrieves for a goal"
    parser = add_options(subparsers.add_parser("premises", help=summary, description=summary), PremisesOptions)
    parser.set_defaults(func=cmd_premises)
    return parser


def cmd_premises(options: PremisesOptions) -> int:
    """Print the best premises for `--goal` (building the index on first use)."""
    goal = read_goal(options.goal)
    toolchain = options.toolchain()
    started = time.monotonic()
    index = load_or_build_index(toolchain, project_roots(options.project), progress=progress)
    found = PremiseRetriever(index).retrieve(goal, options.k,
                                             [m.strip() for m in options.imports.split(",") if m.strip()])
    if options.augmented:
        print(augmented_state(goal, [r.premise for r in found]))
    elif options.json:
        print(json.dumps({"premises": [{**r.premise.to_dict(), "score": round(r.score, 3)} for r in found],
                          "index_size": len(index), "elapsed_s": round(time.monotonic() - started, 2)},
                         indent=1, ensure_ascii=False))
    else:
        for item in found:
            print(f"{item.score:7.2f}  {item.premise.statement}   [{item.premise.module}]")
        if not found:
            print("(no premise shares a word with the goal)")
    return 0
