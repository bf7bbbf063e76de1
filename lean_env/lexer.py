"""A Lean 4 lexer: the one place where Lean source text is cut into tokens.

Every reader of Lean source (the verifier, the legality checker, the `--untrusted` filter, the
tactic guard, suite loaders, header splitting) works on these tokens, never on lines or
regular expressions over raw text. It knows what Lean's own tokenizer knows about where code
is: nested block comments, doc comments, string literals (with escapes, interpolation after
`s!`/`m!`/`f!`/`throwError`, raw strings `r#"…"#`), character literals versus primes in
identifiers, `«escaped identifiers»`, name literals and syntax quotations, and keywords wherever
they occur, in the middle of a line too.

Identifiers carry a normalised `value` (`«debug».«skipKernelTC»` → `debug.skipKernelTC`), so a
check never depends on how a name was spelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

TokenKind = Literal[
    "ident",        # an identifier (possibly dotted, possibly «escaped»)
    "keyword",      # an identifier-like token that Lean reserves (`theorem`, `#eval`, `sorry`, …)
    "number",       # a numeric literal
    "string",       # a string literal (plain, interpolated or raw)
    "char",         # a character literal
    "name_literal", # `` `foo `` or ``` ``foo ```
    "quote_open",   # the opening of a syntax quotation: `` `( `` or `` `(tactic| ``
    "symbol",       # punctuation and operators
    "comment",      # `-- …` or `/- … -/`
    "doc_comment",  # `/-- … -/` (attached to the next declaration) or `/-! … -/`
    "error",        # an unterminated comment, string or character literal (runs to the end)
]

# Words Lean reserves as keywords (they never name a variable). The ones that matter here: command
# heads, declaration modifiers and the tactic/term words that checks look for.
COMMAND_KEYWORDS = frozenset({
    "theorem", "lemma", "def", "example", "abbrev", "instance", "axiom", "opaque", "structure",
    "class", "inductive", "coinductive", "mutual", "end", "namespace", "section", "variable",
    "universe", "open", "export", "import", "module", "prelude", "set_option", "attribute", "macro",
    "macro_rules", "syntax", "elab", "elab_rules", "notation", "infix", "infixl", "infixr", "prefix",
    "postfix", "declare_syntax_cat", "initialize", "builtin_initialize", "deriving", "omit", "include",
    "add_decl_doc", "run_cmd", "run_elab", "run_meta", "declare_simp_like_tactic", "register_simp_attr",
    "register_option", "builtin_simproc", "simproc", "dsimproc", "simproc_decl", "grind_pattern",
    "recommended_spelling", "unif_hint", "binder_predicate", "declare_config_elab", "irreducible_def",
})
MODIFIER_KEYWORDS = frozenset({
    "private", "protected", "public", "noncomputable", "partial", "unsafe", "nonrec", "meta", "local", "scoped",
})
OTHER_KEYWORDS = frozenset({
    "sorry", "admit", "by", "at", "from", "fun", "have", "show", "let", "in", "do", "then", "else", "if",
    "match", "with", "where", "calc", "termination_by", "decreasing_by", "native_decide", "axioms", "run_tac",
    "by_elab",
})
KEYWORDS = COMMAND_KEYWORDS | MODIFIER_KEYWORDS | OTHER_KEYWORDS

# Prefixes and functions after which a string literal is an interpolated string (`{term}` inside).
_INTERPOLATING = frozenset({"s!", "m!", "f!", "throwError", "throwErrorAt", "logInfo", "logWarning",
                            "logError", "dbg_trace", "panic!", "trace", "throwTacticEx"})

_SYMBOLS = sorted([
    ":=", "::", "=>", "<;>", "...", "..", "<|>", "<|", "|>.", "|>", "->", "<-", "←", "→", "↔", "@[", "#[", "%[",
    "$(", "·", "⟨", "⟩", "≠", "≤", "≥", "∧", "∨", "¬", "∀", "∃", "λ", "Π", "Σ", "∘", "×", "⦃", "⦄", "⟦", "⟧",
], key=len, reverse=True)
OPENING_BRACKETS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "⟦": "⟧", "@[": "]", "#[": "]", "%[": "]",
                    "$(": ")"}
CLOSING_BRACKETS = frozenset(OPENING_BRACKETS.values())


def is_letter_like(char: str) -> bool:
    """Lean's `isLetterLike`: Greek (but not λ, Π, Σ), Coptic, letter-like symbols, math alphanumerics."""
    code = ord(char)
    return ((0x3B1 <= code <= 0x3C9 and code != 0x3BB) or (0x391 <= code <= 0x3A9 and code not in (0x3A0, 0x3A3))
            or 0x3CA <= code <= 0x3FB or 0x1F00 <= code <= 0x1FFE or 0x2100 <= code <= 0x214F
            or 0x1D49C <= code <= 0x1D59F)


def _is_subscript(char: str) -> bool:
    code = ord(char)
    return 0x2080 <= code <= 0x2089 or 0x2090 <= code <= 0x209C or 0x1D62 <= code <= 0x1D6A


def is_ident_start(char: str) -> bool:
    """May an identifier start with `char`?"""
    return char.isascii() and (char.isalpha() or char == "_") or is_letter_like(char)


def is_ident_rest(char: str) -> bool:
    """May an identifier continue with `char`?"""
    return (char.isascii() and (char.isalnum() or char in "_'!?")) or is_letter_like(char) or _is_subscript(char)


@dataclass(frozen=True)
class Token:
    """One token: its kind, exact text, offsets `[start, end)` in the source, 1-based line and
    0-based column (in characters, as Lean counts) of its first character."""

    kind: TokenKind
    text: str
    start: int
    end: int
    line: int
    column: int

    @cached_property
    def value(self) -> str:
        """Identifiers and keywords: the name with `«»` escapes removed (`«a b».c` → `a b.c`);
        other tokens: their text."""
        if self.kind in ("ident", "keyword", "name_literal"):
            return normalize_name(self.text.lstrip("`"))
        return self.text

    @property
    def is_code(self) -> bool:
        """True unless the token is a comment."""
        return self.kind not in ("comment", "doc_comment")

    def location(self) -> str:
        """`line:col` with a 1-based column, as editors show it."""
        return f"{self.line}:{self.column + 1}"


def normalize_name(text: str) -> str:
    """A dotted name without `«»` escapes: `«debug».«skipKernelTC»` → `debug.skipKernelTC`."""
    return "".join(part[1:-1] if part.startswith("«") else part for part in _NAME_PART_RE.findall(text))


_NAME_PART_RE = re.compile(r"«[^»]*»?|[^«]+")


class _Lexer:
    def __init__(self, source: str):
        self.src = source
        self.n = len(source)
        self.tokens: list[Token] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self._line_starts[lo]

    def emit(self, kind: TokenKind, start: int, end: int) -> None:
        line, column = self.position(start)
        text = self.src[start:end]
        if kind == "ident" and text in KEYWORDS:
            kind = "keyword"
        self.tokens.append(Token(kind, text, start, end, line, column))

    def previous_code(self) -> Token | None:
        for token in reversed(self.tokens):
            if token.is_code:
                return token
        return None

    def run(self, start: int = 0, stop_at_brace: bool = False) -> int:
        """Lex from `start`; with `stop_at_brace`, stop before an unmatched `}` (the end of an
        interpolated term) and return its offset."""
        i, src, depth = start, self.src, 0
        while i < self.n:
            c = src[i]
            if c.isspace():
                i += 1
            elif src.startswith("/-", i):
                i = self.block_comment(i)
            elif src.startswith("--", i):
                j = src.find("\n", i)
                j = self.n if j < 0 else j
                self.emit("comment", i, j)
                i = j
            elif c == '"':
                i = self.string(i, i)
            elif c == "r" and self.raw_string_at(i):
                i = self.raw_string(i)
            elif c == "'" and self.char_literal_at(i):
                i = self.char_literal(i)
            elif c == "`":
                i = self.backtick(i)
            elif c == "#" and i + 1 < self.n and (src[i + 1].isalpha() and src[i + 1].isascii()):
                j = i + 1
                while j < self.n and is_ident_rest(src[j]):
                    j += 1
                self.emit("keyword", i, j)
                i = j
            elif c == "«" or is_ident_start(c):
                i = self.identifier(i)
            elif "0" <= c <= "9":  # Lean's digits are ASCII (`²`, `₀` are symbols or name parts)
                i = self.number(i)
            else:
                if stop_at_brace:
                    if c == "{":
                        depth += 1
                    elif c == "}":
                        if depth == 0:
                            return i
                        depth -= 1
                symbol = next((s for s in _SYMBOLS if src.startswith(s, i)), c)
                self.emit("symbol", i, i + len(symbol))
                i += len(symbol)
        return i

    def block_comment(self, i: int) -> int:
        src, depth, j = self.src, 1, i + 2
        kind: TokenKind = "doc_comment" if src.startswith(("/--", "/-!"), i) and not src.startswith("/--/", i) else "comment"
        while j < self.n and depth:
            if src.startswith("/-", j):
                depth, j = depth + 1, j + 2
            elif src.startswith("-/", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        self.emit("error" if depth else kind, i, j)
        return j

    def string(self, token_start: int, quote: int) -> int:
        """A string literal whose opening `"` is at `quote`; interpolated when it follows an
        interpolating prefix or function."""
        src = self.src
        previous = self.previous_code()
        interpolated = previous is not None and previous.text in _INTERPOLATING
        j = quote + 1
        while j < self.n:
            c = src[j]
            if c == "\\":
                j += 2
            elif c == '"':
                self.emit("string", token_start, j + 1)
                return j + 1
            elif c == "{" and interpolated:
                inner = _Lexer(src)
                inner._line_starts = self._line_starts
                end = inner.run(j + 1, stop_at_brace=True)
                if end >= self.n:
                    break
                j = end + 1
            else:
                j += 1
        self.emit("error", token_start, self.n)
        return self.n

    def raw_string_at(self, i: int) -> bool:
        j = i + 1
        while j < self.n and self.src[j] == "#":
            j += 1
        return j < self.n and self.src[j] == '"' and (i == 0 or not is_ident_rest(self.src[i - 1]))

    def raw_string(self, i: int) -> int:
        j = i + 1
        while self.src[j] == "#":
            j += 1
        hashes = j - i - 1
        end = self.src.find('"' + "#" * hashes, j + 1)
        if end < 0:
            self.emit("error", i, self.n)
            return self.n
        self.emit("string", i, end + 1 + hashes)
        return end + 1 + hashes

    def char_literal_at(self, i: int) -> bool:
        if i > 0 and is_ident_rest(self.src[i - 1]):
            return False  # a prime inside an identifier (`x'`)
        return bool(_CHAR_RE.match(self.src, i))

    def char_literal(self, i: int) -> int:
        match = _CHAR_RE.match(self.src, i)
        self.emit("char", i, match.end())
        return match.end()

    def backtick(self, i: int) -> int:
        src = self.src
        j = i + 1
        if j < self.n and src[j] == "`":
            j += 1
        if j < self.n and src[j] == "(":
            match = _QUOTE_CATEGORY_RE.match(src, j + 1)
            end = match.end() if match else j + 1
            self.emit("quote_open", i, end)
            return end
        if j < self.n and (src[j] == "«" or is_ident_start(src[j])):
            end = self.identifier(j, emit=False)
            self.emit("name_literal", i, end)
            return end
        self.emit("symbol", i, i + 1)
        return i + 1

    def identifier(self, i: int, emit: bool = True) -> int:
        src, j = self.src, i
        while True:
            if j < self.n and src[j] == "«":
                close = src.find("»", j + 1)
                if close < 0:
                    if emit:
                        self.emit("error", i, self.n)
                    return self.n
                j = close + 1
            elif j < self.n and is_ident_start(src[j]):
                j += 1
                while j < self.n and is_ident_rest(src[j]):
                    j += 1
            else:
                break
            # a dot continues the name only when an identifier part follows
            if j + 1 < self.n and src[j] == "." and (src[j + 1] == "«" or is_ident_start(src[j + 1])):
                j += 1
                continue
            break
        if emit:
            self.emit("ident", i, j)
        return j

    def number(self, i: int) -> int:
        match = _NUMBER_RE.match(self.src, i)
        self.emit("number", i, match.end())
        return match.end()


_CHAR_RE = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)|[^\\'\n])'", re.S)
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?")
_QUOTE_CATEGORY_RE = re.compile(r"[A-Za-z_][\w.]*\|")


def tokenize(source: str) -> list[Token]:
    """All tokens of `source`, comments included (filter with `Token.is_code`)."""
    lexer = _Lexer(source)
    lexer.run()
    return lexer.tokens


def code_tokens(source: str) -> list[Token]:
    """The tokens of `source` without comments."""
    return [t for t in tokenize(source) if t.is_code]


def mask_comments_and_strings(source: str) -> str:
    """`source` with comments and string/char literals replaced by spaces; newlines and columns are
    kept, so offsets, lines and columns are unchanged."""
    out = list(source)
    for token in tokenize(source):
        if token.kind in ("comment", "doc_comment", "string", "char", "error"):
            for k in range(token.start, token.end):
                if out[k] != "\n":
                    out[k] = " "
    return "".join(out)


def unterminated(source: str) -> Token | None:
    """The first unterminated comment, string or literal of `source`, or None."""
    return next((t for t in tokenize(source) if t.kind == "error"), None)
