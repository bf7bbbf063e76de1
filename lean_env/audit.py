"""Source-level audits: commands that run code while checking, and axioms a proof may reach.

`#print axioms` (used with native Lean) is the authority on axioms. The embedded build
refuses it (every file is a `module` there), so :func:`source_axioms` gives the same answer
from the source: a declaration can only reach a non-standard axiom through an `axiom` of
the file itself or one of core Lean's non-standard axioms, whose names it must mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lean_prover.lean_env.source import Declaration, mask_comments_and_strings

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# Non-standard axioms of core Lean (Init/Std/Lean), and the surface syntax that reaches them.
LIBRARY_AXIOM_TOKENS = {
    "sorryAx": "sorryAx",
    "sorry": "sorryAx",
    "admit": "sorryAx",
    "ofReduceBool": "Lean.ofReduceBool",
    "ofReduceNat": "Lean.ofReduceNat",
    "trustCompiler": "Lean.trustCompiler",
    "native_decide": "Lean.ofReduceBool",
}
_NATIVE_DECIDE_OPTION = re.compile(r"\bdecide\s*\+\s*native\b|native\s*:=\s*true")

# Commands that make Lean run user code (or change its syntax) while the file is checked.
UNTRUSTED_COMMANDS = (
    "#eval", "#eval!", "#exit", "run_cmd", "run_elab", "run_meta", "macro", "macro_rules", "syntax",
    "elab", "elab_rules", "notation", "infix", "infixl", "infixr", "prefix", "postfix",
    "initialize", "builtin_initialize", "declare_syntax_cat", "#guard_msgs",
)
_UNTRUSTED_ATTRIBUTES = ("extern", "implemented_by", "export", "init", "builtin_init", "command_elab",
                         "term_elab", "tactic", "macro", "builtin_tactic")
# Options that switch off checking; never allowed, trusted or not.
UNSOUND_OPTIONS = ("debug.skipKernelTC", "debug.byAsSorry", "backward.skipKernelTC")


@dataclass(frozen=True)
class Finding:
    """A construct found in the source, with its 1-based line and column."""

    line: int
    column: int
    construct: str

    def location(self) -> str:
        """`line:col`."""
        return f"{self.line}:{self.column}"


def _find(masked: str, pattern: re.Pattern[str], label) -> list[Finding]:
    found = []
    for match in pattern.finditer(masked):
        line = masked.count("\n", 0, match.start()) + 1
        column = match.start() - (masked.rfind("\n", 0, match.start()) + 1) + 1
        found.append(Finding(line, column, label(match)))
    return found


def untrusted_findings(source: str) -> list[Finding]:
    """Commands and attributes that run code at elaboration time (rejected by `--untrusted`)."""
    masked = mask_comments_and_strings(source)
    commands = "|".join(re.escape(c) for c in sorted(UNTRUSTED_COMMANDS, key=len, reverse=True))
    command_re = re.compile(
        r"(?m)^[ \t]*(?:@\[[^\]]*\]\s*)?(?:(?:local|scoped|private|protected)\s+)*(" + commands + r")(?![\w!?'])"
    )
    attribute_re = re.compile(r"@\[\s*(?:[^\]]*,\s*)?(" + "|".join(_UNTRUSTED_ATTRIBUTES) + r")\b")
    import_re = re.compile(r"(?m)^import\s+(?!(?:Init|Std)(?:\.|\s|$))(\S+)")
    return sorted(
        _find(masked, command_re, lambda m: m.group(1))
        + _find(masked, attribute_re, lambda m: f"@[{m.group(1)}]")
        + _find(masked, import_re, lambda m: f"import {m.group(1)}"),
        key=lambda f: (f.line, f.column),
    )


def unsound_findings(source: str) -> list[Finding]:
    """Constructs that make a check meaningless: unsound options and `#exit` (skips the rest)."""
    masked = mask_comments_and_strings(source)
    options = re.compile(r"set_option\s+(" + "|".join(re.escape(o) for o in UNSOUND_OPTIONS) + r")\s+true")
    exit_re = re.compile(r"(?m)^\s*(#exit)\b")
    return _find(masked, options, lambda m: f"set_option {m.group(1)}") + _find(masked, exit_re, lambda m: m.group(1))


def source_axioms(declarations: list[Declaration]) -> dict[str, set[str]]:
    """For each named declaration: the non-standard axioms it can reach, from its source text."""
    by_name: dict[str, int] = {}
    for index, decl in enumerate(declarations):
        if decl.name:
            by_name[decl.name] = index
            by_name.setdefault(decl.name.rsplit(".", 1)[-1], index)
    direct: dict[int, set[str]] = {}
    edges: dict[int, set[int]] = {}
    for index, decl in enumerate(declarations):
        tokens = decl.identifiers()
        tokens |= {t.rsplit(".", k)[0] for t in tokens for k in range(1, t.count(".") + 1)}  # `ax.elim` uses `ax`
        axioms = {LIBRARY_AXIOM_TOKENS[t.rsplit(".", 1)[-1]] for t in tokens if t.rsplit(".", 1)[-1] in LIBRARY_AXIOM_TOKENS}
        if _NATIVE_DECIDE_OPTION.search(decl.text):
            axioms.add("Lean.ofReduceBool")
        if decl.keyword == "axiom":
            axioms.add(decl.name)
        direct[index] = axioms
        own = {decl.name, decl.name.rsplit(".", 1)[-1]}
        edges[index] = {by_name[t] for t in tokens - own if t in by_name}
    result: dict[str, set[str]] = {}
    for index, decl in enumerate(declarations):
        reached, stack, seen = set(), [index], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            reached |= direct[current]
            stack.extend(edges[current])
        result[decl.name or f"<{decl.keyword} at line {decl.start_line}>"] = reached
    return result
