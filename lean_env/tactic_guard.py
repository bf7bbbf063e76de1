"""Tactics that must never reach Lean: routes to non-standard axioms, options that switch
checking off, commands hidden in a tactic, unbalanced comments or strings."""

from __future__ import annotations

import re

from lean_prover.lean_env.audit import UNSOUND_OPTIONS
from lean_prover.lean_env.source import mask_comments_and_strings

# Tokens that reach `sorryAx`, `Lean.ofReduceBool`, `Lean.ofReduceNat` or `Lean.trustCompiler`.
FORBIDDEN_TOKENS = ("sorry", "admit", "native_decide", "sorryAx", "ofReduceBool", "ofReduceNat", "trustCompiler")
_FORBIDDEN_RE = re.compile(r"(?<![\w'!?])(" + "|".join(FORBIDDEN_TOKENS) + r")(?![\w'!?])")
_NATIVE_OPTION_RE = re.compile(r"\bdecide\s*\+\s*native\b|\bnative\s*:=\s*true\b")
# Commands: a tactic line starting with one would end the proof and run at the file level.
COMMAND_KEYWORDS = (
    "theorem", "lemma", "def", "example", "axiom", "axioms", "instance", "abbrev", "opaque", "structure",
    "inductive", "class", "namespace", "section", "end", "import", "variable", "universe", "macro",
    "macro_rules", "syntax", "elab", "elab_rules", "notation", "infix", "infixl", "infixr", "prefix",
    "postfix", "attribute", "mutual", "noncomputable", "private", "protected", "initialize",
    "builtin_initialize", "declare_syntax_cat", "deriving", "export", "unsafe", "partial", "run_cmd",
    "run_elab", "run_meta", "add_decl_doc", "set_option", "open", "omit", "include",
)
_COMMAND_LINE_RE = re.compile(
    r"(?m)^[ \t]*(?:@\[|#[a-z_]|(?:" + "|".join(COMMAND_KEYWORDS) + r")(?![\w'!?.]))"
)
_SET_OPTION_RE = re.compile(r"\bset_option\s+([\w.]+)")
_ALLOWED_TACTIC_OPTIONS = re.compile(r"^(maxRecDepth|maxHeartbeats|synthInstance\.\w+|pp\.[\w.]+|trace\.[\w.]+)$")
_END_SENTINEL = "\u27ea_end_\u27eb"


def tactic_problem(tactic: str) -> str | None:
    """Why a tactic must not be run, or None. Checked before any Lean process is started."""
    if not tactic.strip():
        return "empty tactic"
    sentinel = mask_comments_and_strings(tactic + "\n" + _END_SENTINEL)
    if not sentinel.endswith(_END_SENTINEL):
        return "the tactic has an unterminated comment or string"
    masked = sentinel[: -len(_END_SENTINEL) - 1]
    if "-/" in masked:
        return "the tactic closes a comment it did not open"
    found = _FORBIDDEN_RE.search(masked)
    if found:
        return f"forbidden in a proof: `{found.group(1)}`"
    if _NATIVE_OPTION_RE.search(masked):
        return "forbidden in a proof: native evaluation (`decide +native`)"
    for option in _SET_OPTION_RE.findall(masked):
        if option in UNSOUND_OPTIONS or not _ALLOWED_TACTIC_OPTIONS.match(option):
            return f"the tactic sets option `{option}`, which is not allowed"
    for line in masked.split("\n"):
        stripped = line.strip()
        if stripped.startswith("set_option") and re.search(r"\bin\b", stripped):
            continue  # `set_option … in tac` is a tactic (options were checked above)
        if stripped.startswith("open") and re.search(r"\bin\b", stripped):
            continue  # `open Foo in tac` is a tactic
        if _COMMAND_LINE_RE.match(line):
            return f"the tactic contains a command: `{stripped[:40]}`"
    return None
