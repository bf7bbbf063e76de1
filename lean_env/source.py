"""Source-level view of a Lean file: comments masked, top-level declarations located.

This is a scanner, not a parser: it relies on the universal convention that top-level
commands start in column 0 and their continuation lines are indented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DECL_KEYWORDS = (
    "theorem", "lemma", "def", "example", "instance", "abbrev", "axiom", "opaque",
    "structure", "inductive", "class",
)
PROOF_KEYWORDS = ("theorem", "lemma", "example")
_MODIFIERS = r"(?:(?:private|protected|noncomputable|partial|unsafe|nonrec|public|meta)\s+)*"
_DECL_RE = re.compile(
    r"^(?P<attrs>(?:@\[[^\]]*\]\s*)*)" + _MODIFIERS +
    r"(?P<kw>" + "|".join(DECL_KEYWORDS) + r")\b\s*(?P<name>[^\s:({\[⦃]+)?"
)
_IDENT_RE = re.compile(r"[A-Za-z_\u0370-\u03ff\u1f00-\u1fff\u2100-\u214f][A-Za-z0-9_'!?.\u0370-\u03ff\u2080-\u209c\u1f00-\u1fff\u2100-\u214f]*")


@dataclass(frozen=True)
class Declaration:
    """A top-level declaration: keyword, full name, 1-based first and last line, masked text."""

    keyword: str
    name: str  # full name with namespaces; "" for `example`
    start_line: int
    end_line: int
    text: str

    @property
    def is_proof(self) -> bool:
        """True for declarations whose job is to prove something (theorem/lemma/example)."""
        return self.keyword in PROOF_KEYWORDS

    def identifiers(self) -> set[str]:
        """Identifier tokens used in the declaration (comments excluded)."""
        return set(_IDENT_RE.findall(self.text))


def mask_comments_and_strings(source: str) -> str:
    """Replace comments and string literals by spaces, keeping every newline and column."""
    out = list(source)
    i, n, depth = 0, len(source), 0
    while i < n:
        if depth:
            if source.startswith("/-", i):
                depth += 1
                out[i] = out[i + 1] = " "
                i += 2
            elif source.startswith("-/", i):
                depth -= 1
                out[i] = out[i + 1] = " "
                i += 2
            else:
                if out[i] != "\n":
                    out[i] = " "
                i += 1
        elif source.startswith("/-", i):
            depth = 1
            out[i] = out[i + 1] = " "
            i += 2
        elif source.startswith("--", i):
            while i < n and source[i] != "\n":
                out[i] = " "
                i += 1
        elif source[i] == '"' and (i == 0 or source[i - 1] != "'"):
            out[i] = " "
            i += 1
            while i < n and source[i] != '"':
                if source[i] == "\\" and i + 1 < n:
                    out[i] = " "
                    i += 1
                if out[i] != "\n":
                    out[i] = " "
                i += 1
            if i < n:
                out[i] = " "
                i += 1
        else:
            i += 1
    return "".join(out)


def find_declarations(source: str) -> list[Declaration]:
    """Locate top-level declarations, with names qualified by the enclosing namespaces."""
    lines = mask_comments_and_strings(source).split("\n")
    starts = [i for i, ln in enumerate(lines) if ln[:1].strip()]
    namespaces: list[tuple[str, str]] = []  # (kind, name)
    decls: list[Declaration] = []
    pending_attr_start: int | None = None
    for index, line_no in enumerate(starts):
        line = lines[line_no]
        stripped = line.strip()
        head = stripped.split()[0] if stripped.split() else ""
        if head == "namespace":
            namespaces.append(("namespace", stripped.split()[1] if len(stripped.split()) > 1 else ""))
        elif head in ("section", "noncomputable") and stripped.split()[-1:] != ["def"] and _is_section(stripped):
            namespaces.append(("section", ""))
        elif head == "end" and namespaces:
            namespaces.pop()
        if re.match(r"^@\[[^\]]*\]\s*$", stripped):
            pending_attr_start = line_no if pending_attr_start is None else pending_attr_start
            continue
        match = _DECL_RE.match(stripped)
        first = pending_attr_start if pending_attr_start is not None else line_no
        pending_attr_start = None
        if not match:
            continue
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines) - 1
        while end > line_no and not lines[end].strip():
            end -= 1
        keyword = "theorem" if match["kw"] == "lemma" else match["kw"]
        name = (match["name"] or "") if keyword != "example" else ""
        if name and keyword != "instance":
            name = _qualify(name, [n for kind, n in namespaces if kind == "namespace" and n])
        elif keyword == "instance":
            name = ""
        decls.append(Declaration(match["kw"], name, first + 1, end + 1, "\n".join(lines[line_no:end + 1])))
    return decls


def _is_section(stripped: str) -> bool:
    words = stripped.split()
    return words[0] == "section" or words[:2] == ["noncomputable", "section"]


def _qualify(name: str, namespaces: list[str]) -> str:
    if name.startswith("_root_."):
        return name.removeprefix("_root_.")
    return ".".join([*namespaces, name])


def split_statement(declaration_text: str) -> str | None:
    """The declaration's header up to its top-level `:=` (brackets and comments skipped), or None."""
    masked = mask_comments_and_strings(declaration_text)
    depth = 0
    for index, char in enumerate(masked):
        if char in "([{⟨":
            depth += 1
        elif char in ")]}⟩":
            depth -= 1
        elif depth == 0 and masked.startswith(":=", index):
            return declaration_text[:index].strip()
    return None
