"""Tactics that must never reach Lean: the legality rules applied to one tactic, plus commands
hidden in a tactic and unbalanced comments or strings. Every filter of candidate tactics (the
Dojo, the search, the policies' output cleaning, the planner, the RL rewards) asks this module."""

from __future__ import annotations

from lean_prover.lean_env.legality import tactic_findings
from lean_prover.lean_env.lexer import COMMAND_KEYWORDS, code_tokens, mask_comments_and_strings, unterminated

# Options a tactic may set with `set_option … in` (they change limits and output, not soundness).
ALLOWED_TACTIC_OPTION_PREFIXES = ("maxRecDepth", "maxHeartbeats", "synthInstance.", "pp.", "trace.", "linter.")
# Command keywords that are also tactics or term forms: `open Foo in tac`, `set_option o v in tac`.
_TACTIC_FORMS = frozenset({"open", "set_option"})


def tactic_problem(tactic: str) -> str | None:
    """Why a tactic must not be run, or None. Checked before any Lean process is started."""
    if not tactic.strip():
        return "empty tactic"
    if unterminated(tactic) is not None:
        return "the tactic has an unterminated comment or string"
    if "-/" in mask_comments_and_strings(tactic):
        return "the tactic closes a comment it did not open"
    findings = tactic_findings(tactic)
    if findings:
        finding = findings[0]
        if finding.rule == "no_unsound_options":
            return f"the tactic sets option `{finding.construct.split()[-1]}`, which is not allowed"
        if finding.rule == "no_code_execution":
            return f"the tactic contains a command: `{finding.construct}`"
        return f"forbidden in a proof: {finding.construct}"
    tokens = code_tokens(tactic)
    for index, token in enumerate(tokens):
        if token.text == "set_option" and index + 1 < len(tokens):
            option = tokens[index + 1].value
            if not option.startswith(ALLOWED_TACTIC_OPTION_PREFIXES):
                return f"the tactic sets option `{option}`, which is not allowed"
        if token.text == "@[":
            return "the tactic contains a command: `@[`"
        if token.kind != "keyword":
            continue
        if token.text in ("termination_by", "decreasing_by"):
            return f"the tactic contains a declaration clause: `{token.text}`"
        is_command = token.text.startswith("#") or (
            token.text in COMMAND_KEYWORDS and not (token.text in _TACTIC_FORMS and _followed_by_in(tokens, index)))
        if is_command:
            return f"the tactic contains a command: `{token.text}`"
    return None


def is_usable_tactic(tactic: str) -> bool:
    """True when `tactic` may be sent to Lean (`tactic_problem` finds nothing)."""
    return tactic_problem(tactic) is None


def _followed_by_in(tokens: list, index: int) -> bool:
    return any(t.text == "in" for t in tokens[index + 1:])
