"""A theorem to prove, in its context: from a Lean file and a name, or from a bare statement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lean_prover.lean_env.lexer import code_tokens
from lean_prover.lean_env.source import Declaration, find_declarations, imports
from lean_prover.lean_env.verify import read_lean_source

PROBE_PREFIX = "dojo_probe_"


@dataclass(frozen=True)
class Theorem:
    """A theorem to prove: the Lean text before it (`context`: imports, opens, namespaces,
    variables, earlier declarations), its header (`statement`, up to but without `:=`) and
    its short name."""

    name: str
    statement: str
    context: str = ""

    @classmethod
    def from_file(cls, path: Path, name: str) -> "Theorem":
        """The theorem `name` (short or full name) of a Lean file; the text before it is the context."""
        return cls.from_source(read_lean_source(Path(path)), name, str(path))

    @classmethod
    def from_source(cls, source: str, name: str, where: str = "<source>") -> "Theorem":
        """The theorem `name` of Lean source text; the text before it is the context."""
        source = source.replace("\r\n", "\n")
        for decl in find_declarations(source):
            if decl.keyword not in ("theorem", "lemma") or not decl.name:
                continue
            full = decl.name
            if full == name or full.rsplit(".", 1)[-1] == name or full.endswith("." + name):
                if decl.assign_start is None or not source.startswith(":=", decl.assign_start):
                    raise ValueError(f"{where}: theorem {name} has no `:=`")
                statement = _as_theorem(source, decl, source[decl.start:decl.assign_start].rstrip())
                return cls(full.rsplit(".", 1)[-1], statement, source[:decl.start].rstrip("\n"))
        raise ValueError(f"{where}: no theorem named {name}")

    @classmethod
    def from_statement(cls, text: str, name: str | None = None) -> "Theorem":
        """A bare statement such as `theorem t (p : Prop) (hp : p) : p`; a trailing `:= by sorry`
        (or any proof) is dropped, and commands before the `theorem` are kept as context."""
        text = text.replace("\r\n", "\n")
        decl = next((d for d in find_declarations(text) if d.keyword in ("theorem", "lemma") and d.name), None)
        if decl is None:
            raise ValueError("a statement must start with `theorem NAME` (or `lemma NAME`)")
        stop = decl.assign_start if decl.assign_start is not None else len(text)
        statement = _as_theorem(text, decl, text[decl.start:stop].strip())
        return cls(name or decl.name.rsplit(".", 1)[-1], statement, text[:decl.start].rstrip("\n"))

    def imports(self) -> tuple[str, ...]:
        """The modules the theorem's file imports (:func:`lean_env.source.imports` of its context)."""
        return tuple(imports(self.context))

    def lean_text(self, proof: str) -> str:
        """The theorem with `proof` (the text after `:=`), in its context, as a Lean file."""
        head = f"{self.context}\n\n" if self.context.strip() else ""
        return f"{head}{self.statement} := {proof}\n"

    def probe_header(self, index: int) -> str:
        """The statement renamed to the probe `dojo_probe_<index>` (see :meth:`renamed`)."""
        return self.renamed(f"{PROBE_PREFIX}{index}")

    def renamed(self, short: str) -> str:
        """The statement with its theorem's short name replaced by `short` (namespace prefix,
        universe parameters, binders and type kept; docstring, attributes and modifiers dropped),
        with `:=` not yet added."""
        tokens = code_tokens(self.statement)
        at = next((i for i, t in enumerate(tokens) if t.kind == "keyword" and t.text in ("theorem", "lemma")), None)
        if at is None:
            raise ValueError(f"not a theorem statement: {self.statement[:80]!r}")
        if at + 1 >= len(tokens) or tokens[at + 1].kind != "ident":
            raise ValueError(f"no theorem name in {self.statement[:80]!r}")
        name = tokens[at + 1]
        parts = _NAME_PART_RE.findall(name.text)
        prefix = "".join(part + "." for part in parts[:-1])
        return f"theorem {prefix}{short}{self.statement[name.end:]}"


_NAME_PART_RE = re.compile(r"«[^»]*»|[^.«]+")


def _as_theorem(source: str, decl: Declaration, statement: str) -> str:
    """`statement` (the source from `decl.start` on) with its keyword `lemma` written `theorem`."""
    if decl.keyword != "lemma":
        return statement
    at = decl.keyword_start - decl.start
    return statement[:at] + "theorem" + statement[at + len("lemma"):]
