"""Tactics that must never reach Lean: the legality rules applied to one tactic, plus commands
hidden in a tactic, unbalanced comments or strings, and Lean's suggestion tactics (`exact?`,
`rw?`, `simp?`, …: they are asked separately, :mod:`lean_env.suggestions`, and only the
concrete tactics they print may enter a proof). Every filter of candidate tactics (the Dojo,
the search, the policies' output cleaning, the planner, the RL rewards) asks this module."""

from __future__ import annotations

from lean_prover.lean_env.legality import tactic_findings
from lean_prover.lean_env.lexer import COMMAND_KEYWORDS, Token, code_tokens, mask_comments_and_strings, unterminated

# Options a tactic may set with `set_option … in` (they change limits and output, not soundness).
ALLOWED_TACTIC_OPTION_PREFIXES = ("maxRecDepth", "maxHeartbeats", "synthInstance.", "pp.", "trace.", "linter.")
# Command keywords that are also tactics or term forms: `open Foo in tac`, `set_option o v in tac`.
_TACTIC_FORMS = frozenset({"open", "set_option"})
# Tactics that search and print suggestions ("Try this: …"): `NAME?` (also `NAME?!`) for these
# names, and a few that search under another spelling. A proof never contains one.
SUGGESTING_WITH_QUESTION_MARK = frozenset({
    "exact", "apply", "rw", "rwa", "simp", "simp_all", "simp_arith", "dsimp", "grind", "try", "aesop", "norm_num",
    "field_simp", "positivity", "says", "rw_search", "show_term",
})
SUGGESTING_WORDS = frozenset({"show_term", "says", "hint", "rw_search"})  # where a tactic stands
_TACTIC_OPENERS = frozenset({";", "<;>", "(", "·", "by", "=>", "{", "<|>"})


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
    suggesting = next((t.text for i, t in enumerate(tokens) if is_suggestion_token(tokens, i)), None)
    if suggesting is not None:
        return (f"`{suggesting}` is a suggestion tactic: only the concrete tactics Lean suggests may enter a "
                "proof")
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


def is_suggestion_token(tokens: list[Token], index: int) -> bool:
    """True when `tokens[index]` names a suggestion-producing tactic: `exact?`, `simp?!`, … anywhere
    (`List.head?` is not one), `show_term`, `hint`, … where a tactic starts, `says` anywhere."""
    token = tokens[index]
    if token.kind != "ident" or "." in token.value:
        return False
    word = token.value.rstrip("!")
    if word.endswith("?"):
        return word[:-1] in SUGGESTING_WITH_QUESTION_MARK
    if word not in SUGGESTING_WORDS:
        return False
    previous = tokens[index - 1] if index else None
    return (word == "says" or previous is None or previous.line < token.line
            or previous.text in _TACTIC_OPENERS)


def is_suggestion_tactic(tactic: str) -> bool:
    """True when `tactic` contains a suggestion-producing tactic (`exact?`, `rw?`, `simp?`, …):
    such a tactic may be asked for suggestions but never written into a proof."""
    tokens = code_tokens(tactic)
    return any(is_suggestion_token(tokens, i) for i in range(len(tokens)))


def is_usable_tactic(tactic: str) -> bool:
    """True when `tactic` may be sent to Lean (`tactic_problem` finds nothing)."""
    return tactic_problem(tactic) is None


def _followed_by_in(tokens: list, index: int) -> bool:
    return any(t.text == "in" for t in tokens[index + 1:])
