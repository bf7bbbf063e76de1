"""`prover suggest`: the policy's tactics (with log-probs) and the critic's score for one goal.

    prover suggest --goal "p q : Prop\\nhp : p\\nhq : q\\n⊢ p ∧ q" [-k 8] [--model CONFIG.yaml] [--json]

`--goal` is the goal text as Lean prints it; a literal `\\n` in it stands for a newline (so a
shell one-liner can give hypotheses), and `-` reads the goal from standard input. `--model`
is a YAML file with `policy:` (and optionally `critic:`) sections, or one model's fields (the
policy); see `prover.model_config`. Without it the rule-based prior and the heuristic critic
are used. Exit status 0; a bad config or an unreachable model server is one `prover: error:`
line (exit 2, via the command line's handling of `LeanEnvError`).

Wiring into `app/cli.py`'s `build_parser`:

    from lean_prover.app.suggest_cli import add_suggest_parser
    add_suggest_parser(sub)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time

from lean_prover.app.options import add_options, at_least, option
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.models import describe, load_critic, load_policy


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuggestOptions:
    """`prover suggest`."""

    goal: str = option(metavar="TEXT", required=True, help='goal as Lean prints it, e.g. "hp : p\\n⊢ p ∨ q" '
                       "(`\\n` = newline; `-` = stdin)")
    k: int = option(8, flags=("-k",), metavar="K", help="number of tactics")
    model: str | None = option(None, metavar="CONFIG.yaml", help="model config (policy/critic sections); default: "
                               "rule-based prior and heuristic critic")
    json: bool = option(False, help="print JSON")

    def __post_init__(self) -> None:
        at_least(self.k, 1, "-k")


def add_suggest_parser(subparsers) -> argparse.ArgumentParser:
    """Register `suggest` on the `prover` sub-command parsers; returns its parser."""
    summary = "show the policy's tactics and the critic's score for a goal"
    parser = add_options(subparsers.add_parser("suggest", help=summary, description=summary), SuggestOptions)
    parser.set_defaults(func=cmd_suggest)
    return parser


def read_goal(text: str) -> str:
    """The goal from the `--goal` argument (`-`: standard input; literal `\\n`: newline)."""
    goal = sys.stdin.read() if text == "-" else text.replace("\\n", "\n")
    goal = goal.strip("\n")
    if not goal.strip():
        raise ModelConfigError("--goal is empty")
    return goal


def cmd_suggest(args: SuggestOptions) -> int:
    """Print up to k tactics with log-probs and the critic's score; 0 on success."""
    goal = read_goal(args.goal)
    models = ModelsConfig.from_yaml(args.model) if args.model else ModelsConfig()
    policy = load_policy(models.policy)
    critic = load_critic(models.critic)
    start = time.perf_counter()
    suggestions = policy.suggest([goal], args.k)[0]
    elapsed = time.perf_counter() - start
    value = critic.score([goal])[0]
    if args.json:
        print(json.dumps({
            "goal": goal, "policy": describe(models.policy), "critic": describe(models.critic),
            "critic_score": value, "elapsed_s": round(elapsed, 4),
            "suggestions": [{"tactic": s.tactic, "logprob": s.logprob} for s in suggestions],
        }, indent=1, ensure_ascii=False))
        return 0
    print(f"policy: {models.policy.backend}{' ' + models.policy.path if models.policy.path else ''}   "
          f"critic score: {value:.3f}   ({len(suggestions)} tactic(s) in {elapsed * 1000:.0f} ms)")
    print(f"{'#':>3} {'logprob':>8} {'prob':>6}  tactic")
    if not suggestions:
        print("  (no suggestion)")
    for rank, suggestion in enumerate(suggestions, 1):
        lines = suggestion.tactic.split("\n")
        print(f"{rank:>3} {suggestion.logprob:8.3f} {math.exp(suggestion.logprob):6.3f}  {lines[0]}")
        for line in lines[1:]:
            print(f"{'':20}{line}")
    return 0
