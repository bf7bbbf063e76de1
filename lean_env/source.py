"""The command structure of a Lean file, from the tokens of :mod:`lean_env.lexer`.

A Lean file is a header (`module`, `prelude`, `import …`) and a sequence of commands. A command
can begin anywhere a token can, in the middle of a line too (`… := trivial #exit`), so commands
are found by their keywords, not by line starts:

- a declaration keyword (`theorem`, `def`, `axiom`, …) or a `#`-command (`#eval`, `#exit`, …)
  always begins a command (outside a syntax quotation), as it does for Lean's own error
  recovery; `instance`/`class` do unless they are attribute names inside brackets;
- doc comments, `@[…]` attributes and modifiers (`private`, `noncomputable`, `local`, …) belong to
  the command whose keyword follows them;
- `open`/`set_option` begin a command unless they are the term or tactic forms `open … in`
  inside a declaration's body (indented, or in the middle of a line);
- `open … in`, `set_option … in` and other `… in` prefixes join the command they prefix.

This is what the verifier, the legality checker, suite loaders and the prover use to find
declarations, statements and proofs; Lean's own report (:mod:`lean_env.evidence`) is what
decides verdicts, so a file that fools this structure can lose a `proved`, never gain one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lean_prover.lean_env.lexer import (
    CLOSING_BRACKETS, COMMAND_KEYWORDS, MODIFIER_KEYWORDS, OPENING_BRACKETS, Token, code_tokens,
    mask_comments_and_strings, tokenize,
)

DECL_KEYWORDS = frozenset({
    "theorem", "lemma", "def", "example", "instance", "abbrev", "axiom", "opaque", "structure", "class",
    "inductive", "coinductive",
})
PROOF_KEYWORDS = frozenset({"theorem", "lemma", "example"})
HEADER_KEYWORDS = frozenset({"module", "prelude", "import"})
# Commands that can prefix another with `… in`.
_IN_PREFIXES = frozenset({"open", "set_option", "attribute", "omit", "include", "variable", "#guard_msgs"})
# Decl keywords that can be attribute names or follow another keyword (`class inductive`).
_BRACKETABLE = frozenset({"instance", "class"})


@dataclass(frozen=True)
class Command:
    """One command: its head keyword (`theorem`, `open`, `#eval`, `namespace`, …; `""` for tokens
    that fit no command, such as text after a parse error), the offsets `[start, end)` of its
    text (doc comment, attributes, modifiers and `… in` prefixes included) and its tokens
    (comments left out, doc comments kept)."""

    head: str
    start: int
    end: int
    tokens: tuple[Token, ...]
    head_index: int = 0

    @property
    def line(self) -> int:
        """1-based line of the command's first token."""
        return self.tokens[0].line if self.tokens else 0

    @property
    def code(self) -> tuple[Token, ...]:
        """The tokens without doc comments."""
        return tuple(t for t in self.tokens if t.kind != "doc_comment")

    def values(self) -> list[str]:
        """The code tokens' normalised values (identifiers without `«»`)."""
        return [t.value for t in self.code]


@dataclass(frozen=True)
class Declaration:
    """A declaration command: keyword (`theorem`, `def`, …; `lemma` as written), full name with
    namespaces (`""` for `example` and anonymous instances), 1-based first and last line, the
    masked text, and offsets: of the whole command, of the keyword, of the name token, and of
    the proof (`body_start`: the token after the top-level `:=`; None when there is none)."""

    keyword: str
    name: str
    start_line: int
    end_line: int
    text: str
    start: int = 0
    end: int = 0
    keyword_start: int = 0
    name_token: Token | None = None
    assign_start: int | None = None  # offset of the top-level `:=` (or `|`, `where`)
    body_start: int | None = None
    modifiers: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    command: Command | None = field(default=None, compare=False, repr=False)

    @property
    def is_proof(self) -> bool:
        """True for declarations whose job is to prove something (theorem/lemma/example)."""
        return self.keyword in PROOF_KEYWORDS

    def identifiers(self) -> set[str]:
        """Normalised identifier and keyword values used in the declaration (comments excluded)."""
        if self.command is None:
            return set()
        return {t.value for t in self.command.code if t.kind in ("ident", "keyword")}

    def body_tokens(self) -> tuple[Token, ...]:
        """The code tokens of the proof (after the top-level `:=`)."""
        if self.command is None or self.body_start is None:
            return ()
        return tuple(t for t in self.command.code if t.start >= self.body_start)

    def statement_tokens(self) -> tuple[Token, ...]:
        """The code tokens from the first modifier/attribute to the top-level `:=` (excluded)."""
        if self.command is None:
            return ()
        stop = self.assign_start if self.assign_start is not None else self.end
        return tuple(t for t in self.command.code if t.start < stop)


def split_commands(source: str) -> list[Command]:
    """The commands of `source`, in order (the header's `import`s are commands too)."""
    tokens = [t for t in tokenize(source) if t.is_code or (t.kind == "doc_comment" and t.text.startswith("/--"))]
    commands: list[Command] = []
    current: list[Token] = []
    head, head_index = "", 0
    brackets: list[str] = []  # expected closers; "quote" entries for syntax quotations
    quotes = 0
    in_body = False
    run_head = -1  # index of the keyword that ends a doc/attribute/modifier run being consumed

    def finish() -> None:
        if current:
            commands.append(Command(head, current[0].start, current[-1].end, tuple(current), head_index))

    index = 0
    while index < len(tokens):
        token = tokens[index]
        starts = False
        if quotes == 0 and index > run_head:
            if token.kind == "doc_comment" or token.text == "@[" or token.text in MODIFIER_KEYWORDS:
                target = _run_target(tokens, index)
                if target is not None:
                    starts, run_head = True, target
            else:
                starts = _begins_command(token, tokens, index, bool(brackets), in_body)
        if starts:
            finish()
            at = run_head if index <= run_head else index
            current, head, head_index = [], tokens[at].text, at - index
            brackets, quotes = [], 0
            in_body = head not in DECL_KEYWORDS and head not in _IN_PREFIXES
        elif not current:
            head, head_index = "", 0
        current.append(token)
        # brackets and syntax quotations
        if token.kind == "quote_open":
            brackets.append("quote")
            quotes += 1
        elif token.text in OPENING_BRACKETS:
            brackets.append(OPENING_BRACKETS[token.text])
        elif token.text in CLOSING_BRACKETS and brackets:
            closer = brackets.pop()
            if closer == "quote":
                quotes -= 1
        if not brackets and head in DECL_KEYWORDS and token.text in (":=", "|", "where") and index > run_head:
            in_body = True
        index += 1
    finish()
    return _merge_in_prefixes(commands)


def _run_target(tokens: list[Token], index: int) -> int | None:
    """Where a run of doc comments, `@[…]` attributes and modifiers starting at `index` leads:
    the index of the command keyword after it, or None if it leads to no command."""
    j = index
    while j < len(tokens):
        token = tokens[j]
        if token.kind == "doc_comment" or token.text in MODIFIER_KEYWORDS:
            j += 1
        elif token.text == "@[":
            depth = 0
            while j < len(tokens):
                if tokens[j].text in OPENING_BRACKETS:
                    depth += 1
                elif tokens[j].text in CLOSING_BRACKETS:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            j += 1
        else:
            break
    if j < len(tokens) and tokens[j].kind == "keyword" and (
            tokens[j].text in COMMAND_KEYWORDS or tokens[j].text.startswith("#")):
        return j
    return None


def _begins_command(token: Token, tokens: list[Token], index: int, in_brackets: bool, in_body: bool) -> bool:
    if token.kind != "keyword":
        return False
    text = token.text
    previous = tokens[index - 1].text if index else ""
    if text.startswith("#"):
        return True
    if text in DECL_KEYWORDS:
        if text in _BRACKETABLE and (in_brackets or previous in ("deriving", "class", "[", ",")):
            return False
        if text == "inductive" and previous == "class":
            return False
        return True
    if text == "deriving":
        return index + 1 < len(tokens) and tokens[index + 1].text == "instance"
    if text in ("open", "set_option"):
        return not in_body or (token.column == 0 and _first_on_line(tokens, index))
    if text in COMMAND_KEYWORDS:
        return not in_brackets
    return False


def _first_on_line(tokens: list[Token], index: int) -> bool:
    return index == 0 or tokens[index - 1].line < tokens[index].line


def _merge_in_prefixes(commands: list[Command]) -> list[Command]:
    merged: list[Command] = []
    pending: list[Command] = []
    for command in commands:
        code = command.code
        if command.head in _IN_PREFIXES and code and code[-1].text == "in":
            pending.append(command)
            continue
        if pending:
            tokens = tuple(t for p in pending for t in p.tokens) + command.tokens
            offset = sum(len(p.tokens) for p in pending)
            command = Command(command.head, pending[0].start, command.end, tokens, command.head_index + offset)
            pending = []
        merged.append(command)
    merged.extend(pending)
    return merged


def find_declarations(source: str) -> list[Declaration]:
    """The declarations of `source`, with names qualified by the enclosing namespaces."""
    masked = mask_comments_and_strings(source)
    scopes: list[tuple[str, list[str]]] = []  # (kind, name parts): namespace / section / mutual
    declarations: list[Declaration] = []
    for command in split_commands(source):
        code = command.code
        head_at = next((i for i, t in enumerate(code) if t.text == command.head and t.kind == "keyword"), None)
        if head_at is None:
            continue
        rest = code[head_at + 1:]
        named = rest[0].value.split(".") if rest and rest[0].kind == "ident" and rest[0].line == code[head_at].line else []
        # one scope per name component, as Lean opens them: `end A.B` closes two
        if command.head == "namespace" and named:
            scopes.extend(("namespace", [part]) for part in named)
        elif command.head == "section":
            scopes.extend([("section", [part]) for part in named] or [("section", [])])
        elif command.head == "mutual":
            scopes.append(("mutual", []))
        elif command.head == "end":
            del scopes[len(scopes) - min(len(scopes), max(1, len(named))):]
        elif command.head in DECL_KEYWORDS:
            declarations.append(_declaration(source, masked, command, code, head_at,
                                             [p for kind, parts in scopes if kind == "namespace" for p in parts]))
    return declarations


def _declaration(source: str, masked: str, command: Command, code: tuple[Token, ...], head_at: int,
                 namespace: list[str]) -> Declaration:
    keyword_token = code[head_at]
    keyword = keyword_token.text
    modifiers = tuple(t.text for t in code[:head_at] if t.text in MODIFIER_KEYWORDS)
    attributes = tuple(_attribute_texts(source, code[:head_at]))
    after = list(code[head_at + 1:])
    if keyword == "instance" and after and after[0].text == "(":  # instance (priority := …) name
        depth, k = 0, 0
        for k, t in enumerate(after):
            depth += t.text in OPENING_BRACKETS
            depth -= t.text in CLOSING_BRACKETS
            if depth == 0:
                break
        after = after[k + 1:]
    name_token = after[0] if after and after[0].kind == "ident" and keyword != "example" else None
    name = ""
    if name_token is not None:
        short = name_token.value
        name = short.removeprefix("_root_.") if short.startswith("_root_.") else ".".join([*namespace, short])
    assign_start = body_start = None
    depth = 0
    for k in range(head_at + 1, len(code)):
        t = code[k]
        if t.kind == "quote_open" or t.text in OPENING_BRACKETS:
            depth += 1
        elif t.text in CLOSING_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0 and (t.text in (":=", "where") or (t.text == "|" and _starts_alternatives(code, k))):
            assign_start = t.start
            body_start = t.end if t.text == ":=" else t.start
            break
    start_line = command.tokens[0].line
    last = command.tokens[-1]
    end_line = last.line + source.count("\n", last.start, last.end)
    text = "\n".join(masked.split("\n")[start_line - 1:end_line])
    return Declaration(keyword, name, start_line, end_line, text, command.start, command.end, keyword_token.start,
                       name_token, assign_start, body_start, modifiers, attributes, command)


def _starts_alternatives(code: tuple[Token, ...], at: int) -> bool:
    """Whether the top-level `|` at `code[at]` begins match alternatives (`| pat => …`): a `=>`
    follows at the same depth before any `:=`. Otherwise it is notation inside the statement,
    such as Mathlib's absolute value `|x - y| ≤ …` (ProofNet's `exercise_1_13`)."""
    depth = 0
    for t in code[at + 1:]:
        if t.kind == "quote_open" or t.text in OPENING_BRACKETS:
            depth += 1
        elif t.text in CLOSING_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0 and t.text in ("=>", ":="):
            return t.text == "=>"
    return False


def _attribute_texts(source: str, tokens: tuple[Token, ...]) -> list[str]:
    texts, start, depth = [], None, 0
    for t in tokens:
        if t.text == "@[" and depth == 0:
            start, depth = t.end, 1
        elif start is not None:
            depth += t.text in OPENING_BRACKETS
            depth -= t.text in CLOSING_BRACKETS
            if depth == 0:
                texts.append(" ".join(source[start:t.start].split()))
                start = None
    return texts


def split_statement(declaration_text: str) -> str | None:
    """The declaration's header up to its top-level `:=` (brackets and comments skipped),
    stripped, or None when it has none."""
    declarations = find_declarations(declaration_text)
    if declarations:
        found = declarations[0]
        if found.assign_start is None or declaration_text[found.assign_start:found.assign_start + 2] != ":=":
            return None
        return declaration_text[:found.assign_start].strip()
    depth = 0
    for token in code_tokens(declaration_text):
        if token.text in OPENING_BRACKETS or token.kind == "quote_open":
            depth += 1
        elif token.text in CLOSING_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0 and token.text == ":=":
            return declaration_text[:token.start].strip()
    return None


def header_end(source: str) -> int:
    """The offset just after the file's header (`module`, `prelude`, `import …` commands)."""
    end = 0
    for command in split_commands(source):
        if command.head not in HEADER_KEYWORDS:
            break
        end = command.end
    return end


def imports(source: str) -> list[str]:
    """The modules the header imports, as written (`import all Foo` → `Foo`)."""
    found = []
    for command in split_commands(source):
        if command.head not in HEADER_KEYWORDS:
            break
        if command.head == "import":
            names = [t.value for t in command.code if t.kind == "ident" and t.value not in ("all",)]
            found.extend(names)
    return found
