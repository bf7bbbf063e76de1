"""The one legality checker (LongCat-Flash-Prover's rules), on the tokens of :mod:`lean_env.lexer`.

`prover check` (with `--untrusted` and `--against`), the re-check of `prover prove` and the RL
rewards all call :func:`check_legality`; each rule gets its own verdict. The rules read the
source; Lean's own report (:mod:`lean_env.evidence`) adds what the source cannot show (axioms
reached through macros or instances, declarations a macro created, statements as elaborated).

| rule | what it rejects |
| --- | --- |
| `no_sorry` | `sorry`, `admit`, `sorryAx` anywhere in code |
| `no_axioms` | `axiom`, `opaque`, `unsafe` declarations and terms, `@[implemented_by]`, `@[extern]` |
| `no_native` | `native_decide`, `decide +native`, `native := true`, `Lean.ofReduceBool`/`ofReduceNat`/`trustCompiler` |
| `no_unsound_options` | `set_option` of `debug.*` (`skipKernelTC`, `byAsSorry`, …), `bootstrap.*`, `internal.*`, however spelled (`«debug».«skipKernelTC»`) |
| `no_exit` | `#exit` anywhere (it stops Lean reading the file) |
| `no_code_execution` | with `untrusted`: commands and attributes that run code or define syntax while the file is checked (`#eval`, `run_cmd`, `macro`, `syntax`, `elab`, `notation`, `initialize`, `@[command_elab]`, …) |
| `statement_unchanged` | with a problem file: a problem theorem missing or with a different statement (token by token, comments and whitespace aside; `lemma` = `theorem`) |
| `nothing_added` | with a problem file: any command beyond the problem's other than a new `theorem`/`lemma` without attributes (definitions, instances, axioms, notations, macros, syntax, elaborators, attributes, options, `open`s, namespaces, …), and any problem command changed or removed |
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

from lean_prover.lean_env.lexer import Token, code_tokens
from lean_prover.lean_env.source import (
    DECL_KEYWORDS, HEADER_KEYWORDS, PROOF_KEYWORDS, Command, Declaration, find_declarations, split_commands,
)

RuleName = Literal["no_sorry", "no_axioms", "no_native", "no_unsound_options", "no_exit", "no_code_execution",
                   "statement_unchanged", "nothing_added"]
RULES: tuple[RuleName, ...] = ("no_sorry", "no_axioms", "no_native", "no_unsound_options", "no_exit",
                               "no_code_execution", "statement_unchanged", "nothing_added")

UNSOUND_OPTION_PREFIXES = ("debug.", "bootstrap.", "internal.")
NATIVE_CONSTANTS = frozenset({"ofReduceBool", "ofReduceNat", "trustCompiler", "reduceBool", "reduceNat"})
# `#` commands that only inspect (they run no user code); every other `#` command is code execution.
INSPECTING_COMMANDS = frozenset({"#check", "#check_failure", "#print", "#reduce", "#synth", "#help", "#guard_msgs",
                                 "#guard_expr", "#where", "#version", "#find", "#exit"})
CODE_COMMANDS = frozenset({
    "run_cmd", "run_elab", "run_meta", "macro", "macro_rules", "syntax", "elab", "elab_rules", "notation", "infix",
    "infixl", "infixr", "prefix", "postfix", "declare_syntax_cat", "initialize", "builtin_initialize", "simproc",
    "dsimproc", "builtin_simproc", "simproc_decl", "register_option", "declare_simp_like_tactic", "binder_predicate",
    "declare_config_elab", "register_simp_attr", "grind_pattern", "unif_hint", "run_tac", "by_elab",
})
CODE_ATTRIBUTES = frozenset({
    "command_elab", "term_elab", "tactic", "macro", "init", "extern", "implemented_by", "export", "command_parser",
    "term_parser", "tactic_parser", "delab", "app_delab", "app_unexpander", "env_linter", "linter", "csimp",
    "simproc", "code_action", "hole_code_action", "command_code_action", "widget", "widget_module",
    "server_rpc_method", "incremental", "formatter", "parenthesizer", "combinator_formatter",
    "combinator_parenthesizer", "run_builtin_parser_attribute_hooks", "run_parser_attribute_hooks", "cases_eliminator",
    "induction_eliminator",
})
# Statement keywords that are the same declaration for `statement_unchanged`.
_SAME_KEYWORD = {"lemma": "theorem"}


@dataclass(frozen=True)
class Finding:
    """One violation: the rule, where (1-based line and column) and what was found."""

    rule: RuleName
    line: int
    column: int
    construct: str

    def location(self) -> str:
        """`line:col`."""
        return f"{self.line}:{self.column}"

    def describe(self) -> str:
        """`construct at line:col`."""
        return f"{self.construct} at {self.location()}" if self.line else self.construct


@dataclass(frozen=True)
class RuleVerdict:
    """One rule's verdict: whether it was checked (`applies`) and what it found."""

    rule: RuleName
    applies: bool
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the rule found nothing (or does not apply)."""
        return not self.findings


@dataclass
class LegalityReport:
    """Every rule's verdict on one file."""

    rules: list[RuleVerdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule found anything."""
        return all(rule.ok for rule in self.rules)

    def findings(self, *rules: RuleName) -> list[Finding]:
        """The findings of the given rules (all rules when none is given), in source order."""
        found = [f for r in self.rules if not rules or r.rule in rules for f in r.findings]
        return sorted(found, key=lambda f: (f.line, f.column))

    def add(self, rule: RuleName, findings: list[Finding]) -> None:
        """Record more findings for a rule (e.g. from Lean's report)."""
        for index, verdict in enumerate(self.rules):
            if verdict.rule == rule:
                self.rules[index] = RuleVerdict(rule, True, verdict.findings + tuple(findings))
                return
        self.rules.append(RuleVerdict(rule, True, tuple(findings)))

    def describe(self, limit: int = 5) -> str:
        """The findings as one line: `rule: construct at l:c, …`."""
        found = self.findings()
        text = ", ".join(f"{f.rule}: {f.describe()}" for f in found[:limit])
        return text + (" …" if len(found) > limit else "")

    def to_dict(self) -> dict:
        """A JSON-ready dict: `{rule: {"applies", "ok", "findings": [{"location", "construct"}]}}`."""
        return {r.rule: {"applies": r.applies, "ok": r.ok,
                         "findings": [{"location": f.location(), "construct": f.construct} for f in r.findings]}
                for r in self.rules}


def check_legality(source: str, problem: str | None = None, untrusted: bool = False) -> LegalityReport:
    """Every rule's verdict on `source`; `problem` (a problem file with `sorry`s) switches on the
    two comparison rules, `untrusted` the code-execution rule."""
    tokens = code_tokens(source)
    report = LegalityReport()
    report.rules.append(RuleVerdict("no_sorry", True, tuple(_sorry_findings(tokens))))
    report.rules.append(RuleVerdict("no_axioms", True, tuple(_axiom_findings(tokens))))
    report.rules.append(RuleVerdict("no_native", True, tuple(_native_findings(tokens))))
    report.rules.append(RuleVerdict("no_unsound_options", True, tuple(_option_findings(tokens))))
    report.rules.append(RuleVerdict("no_exit", True, tuple(_finding("no_exit", t, "#exit") for t in tokens
                                                            if t.text == "#exit")))
    report.rules.append(RuleVerdict("no_code_execution", untrusted,
                                    tuple(code_execution_findings(tokens)) if untrusted else ()))
    if problem is not None:
        changed, added = compare_with_problem(problem, source)
        report.rules.append(RuleVerdict("statement_unchanged", True, tuple(changed)))
        report.rules.append(RuleVerdict("nothing_added", True, tuple(added)))
    else:
        report.rules.append(RuleVerdict("statement_unchanged", False))
        report.rules.append(RuleVerdict("nothing_added", False))
    return report


def tactic_findings(tactic: str) -> list[Finding]:
    """The rules a single tactic breaks (the rules that apply to a tactic: no sorry, no axioms,
    no native evaluation, no unsound option, no `#exit`, no code execution)."""
    report = check_legality(tactic, untrusted=True)
    return report.findings()


def _finding(rule: RuleName, token: Token, construct: str) -> Finding:
    return Finding(rule, token.line, token.column + 1, construct)


def _last(token: Token) -> str:
    return token.value.rsplit(".", 1)[-1]


def _sorry_findings(tokens: list[Token]) -> list[Finding]:
    return [_finding("no_sorry", t, f"`{t.text}`") for t in tokens
            if (t.kind == "keyword" and t.text in ("sorry", "admit")) or (t.kind == "ident" and _last(t) == "sorryAx")]


def _attribute_names(tokens: list[Token]) -> list[Token]:
    """Identifier tokens inside `@[…]` and `attribute […]` brackets."""
    found, depth, inside = [], 0, False
    for index, token in enumerate(tokens):
        if token.text == "@[" or (token.text == "[" and index and tokens[index - 1].text == "attribute"):
            inside, depth = True, 1
            continue
        if inside:
            if token.text in ("[", "(", "{", "⟨"):
                depth += 1
            elif token.text in ("]", ")", "}", "⟩"):
                depth -= 1
                if depth == 0:
                    inside = False
                    continue
            if token.kind in ("ident", "keyword"):
                found.append(token)
    return found


def _axiom_findings(tokens: list[Token]) -> list[Finding]:
    found = [_finding("no_axioms", t, f"`{t.text}`") for t in tokens
             if t.kind == "keyword" and t.text in ("axiom", "opaque", "unsafe")]
    found += [_finding("no_axioms", t, f"@[{t.value}]") for t in _attribute_names(tokens)
              if t.value in ("implemented_by", "extern")]
    return sorted(found, key=lambda f: (f.line, f.column))


def _native_findings(tokens: list[Token]) -> list[Finding]:
    found = []
    for index, token in enumerate(tokens):
        following = [t.text for t in tokens[index + 1:index + 3]]
        if token.text == "native_decide":
            found.append(_finding("no_native", token, "`native_decide`"))
        elif token.kind == "ident" and _last(token) in NATIVE_CONSTANTS:
            found.append(_finding("no_native", token, f"`{token.value}`"))
        elif token.text == "decide" and following == ["+", "native"]:
            found.append(_finding("no_native", token, "`decide +native`"))
        elif token.text == "native" and following[:2] == [":=", "true"]:
            found.append(_finding("no_native", token, "`native := true`"))
    return found


def _option_findings(tokens: list[Token]) -> list[Finding]:
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token.text == "set_option" and tokens[index + 1].kind in ("ident", "keyword"):
            option = tokens[index + 1].value
            if option.startswith(UNSOUND_OPTION_PREFIXES):
                found.append(_finding("no_unsound_options", token, f"set_option {option}"))
    return found


def code_execution_findings(tokens: list[Token]) -> list[Finding]:
    """Commands and attributes that run code or change the syntax while the file is checked."""
    return [_finding("no_code_execution", token, construct) for token, construct in code_execution_constructs(tokens)]


def code_execution_constructs(tokens: list[Token]) -> list[tuple[Token, str]]:
    """(token, construct) for each command and attribute that runs code or changes the syntax
    while the file is checked, in source order."""
    found = [(token, token.text) for token in tokens if token.kind == "keyword" and (
        (token.text.startswith("#") and token.text not in INSPECTING_COMMANDS) or token.text in CODE_COMMANDS)]
    found += [(t, f"@[{t.value}]") for t in _attribute_names(tokens)
              if t.value in CODE_ATTRIBUTES or t.value.startswith("builtin_")]
    return sorted(found, key=lambda pair: pair[0].start)


def compare_with_problem(problem: str, candidate: str) -> tuple[list[Finding], list[Finding]]:
    """(`statement_unchanged` findings, `nothing_added` findings) of `candidate` against the
    problem file: every problem theorem must be there with the same statement; every other
    problem command must be there unchanged and in order; the candidate may add only new
    theorems (helper lemmas) without attributes."""
    problem_declarations = find_declarations(problem)
    problem_decls = {d.name: d for d in problem_declarations if d.is_proof and d.name}
    problem_examples = [d for d in problem_declarations if d.keyword == "example"]
    examples = 0  # the candidate's examples so far: the k-th must be the problem's k-th
    problem_rest = [c for c in split_commands(problem) if not _is_proof_command(c)]
    candidate_commands = split_commands(candidate)
    candidate_decls = {d.start: d for d in find_declarations(candidate)}
    changed: list[Finding] = []
    added: list[Finding] = []
    seen: set[str] = set()
    candidate_rest: list[Command] = []
    for command in candidate_commands:
        declaration = candidate_decls.get(command.start)
        if declaration is not None and _is_proof_command(command):
            first = command.code[0]
            if declaration.name in problem_decls:
                if declaration.name in seen:
                    changed.append(Finding("statement_unchanged", first.line, first.column + 1,
                                           f"theorem {declaration.name} is stated twice"))
                seen.add(declaration.name)
                if _statement(problem_decls[declaration.name]) != _statement(declaration):
                    changed.append(Finding("statement_unchanged", first.line, first.column + 1,
                                           f"the statement of {declaration.name} differs from the problem's"))
            elif declaration.keyword == "example":
                examples += 1
                if examples > len(problem_examples):
                    added.append(Finding("nothing_added", first.line, first.column + 1, "new example"))
                elif declaration.attributes != problem_examples[examples - 1].attributes:
                    added.append(Finding("nothing_added", first.line, first.column + 1,
                                         f"example {examples} with attributes the problem's has not"))
                elif _statement(problem_examples[examples - 1]) != _statement(declaration):
                    changed.append(Finding("statement_unchanged", first.line, first.column + 1,
                                           f"the statement of example {examples} differs from the problem's"))
            elif declaration.attributes:
                added.append(Finding("nothing_added", first.line, first.column + 1,
                                     f"new {declaration.keyword} with attributes"))
            continue
        candidate_rest.append(command)
    for name in problem_decls:
        if name not in seen:
            changed.append(Finding("statement_unchanged", 0, 0, f"theorem {name} of the problem is missing"))
    for missing in range(examples + 1, len(problem_examples) + 1):
        changed.append(Finding("statement_unchanged", 0, 0, f"example {missing} of the problem is missing"))
    added += _command_differences(problem_rest, candidate_rest)
    return changed, added


def _is_proof_command(command: Command) -> bool:
    return command.head in PROOF_KEYWORDS


def _statement(declaration: Declaration) -> list[str]:
    return [_SAME_KEYWORD.get(t.value, t.value) for t in declaration.statement_tokens() if t.kind != "doc_comment"]


def _command_differences(problem: list[Command], candidate: list[Command]) -> list[Finding]:
    """Findings for candidate commands that are not the problem's (added, changed, removed)."""
    key = lambda c: tuple(c.values())  # noqa: E731 - a sort key
    matcher = difflib.SequenceMatcher(a=[key(c) for c in problem], b=[key(c) for c in candidate], autojunk=False)
    found: list[Finding] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for command in candidate[b0:b1]:
            first = command.code[0] if command.code else command.tokens[0]
            what = command.head or "text"
            verb = "changed" if tag == "replace" else "added"
            kind = "header" if command.head in HEADER_KEYWORDS else ("declaration" if command.head in DECL_KEYWORDS
                                                                     else "command")
            found.append(Finding("nothing_added", first.line, first.column + 1, f"{verb} {kind} `{what}`"))
        if tag == "delete" or (tag == "replace" and a1 - a0 > b1 - b0):
            for command in problem[a0 + (b1 - b0 if tag == "replace" else 0):a1]:
                found.append(Finding("nothing_added", 0, 0, f"the problem's `{command.head or 'text'}` command at "
                                                            f"line {command.line} is missing"))
    return found
