"""A theorem to prove, in its context: from a Lean file and a name, or from a bare statement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lean_prover.lean_env.source import find_declarations, mask_comments_and_strings, split_statement
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
        lines = source.split("\n")
        for decl in find_declarations(source):
            if decl.keyword not in ("theorem", "lemma") or not decl.name:
                continue
            full = re.sub(r"\.(\{.*)?$", "", decl.name)  # without universe parameters `.{u}`
            if full == name or full.rsplit(".", 1)[-1] == name or full.endswith("." + name):
                statement = split_statement("\n".join(lines[decl.start_line - 1: decl.end_line]))
                if statement is None:
                    raise ValueError(f"{where}: theorem {name} has no `:=`")
                context = _strip_trailing_doc("\n".join(lines[: decl.start_line - 1]))
                return cls(full.rsplit(".", 1)[-1], _as_theorem(statement), context)
        raise ValueError(f"{where}: no theorem named {name}")

    @classmethod
    def from_statement(cls, text: str, name: str | None = None) -> "Theorem":
        """A bare statement such as `theorem t (p : Prop) (hp : p) : p`; a trailing `:= by sorry`
        (or any proof) is dropped, and lines before the `theorem` are kept as context."""
        text = text.replace("\r\n", "\n")
        masked = mask_comments_and_strings(text)
        match = re.search(r"(?m)^[ \t]*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|nonrec)\s+)*(theorem|lemma)\s+(\S+)", masked)
        if match is None:
            raise ValueError("a statement must start with `theorem NAME` (or `lemma NAME`)")
        context, declaration = text[: match.start()], text[match.start():]
        statement = split_statement(declaration) or declaration.strip()
        short = re.sub(r"\.\{.*$", "", match.group(2)).rsplit(".", 1)[-1]
        return cls(name or short, _as_theorem(statement), _strip_trailing_doc(context.rstrip("\n")))

    def lean_text(self, proof: str) -> str:
        """The theorem with `proof` (the text after `:=`), in its context, as a Lean file."""
        head = f"{self.context}\n\n" if self.context.strip() else ""
        return f"{head}{self.statement} := {proof}\n"

    def probe_header(self, index: int) -> str:
        """The statement renamed to the probe `dojo_probe_<index>` (namespace prefix, universe
        parameters, binders and type kept; docstring, attributes and modifiers dropped), with
        `:=` not yet added."""
        masked = mask_comments_and_strings(self.statement)
        match = re.search(r"(?<![\w.])theorem\s+", masked)
        if match is None:
            raise ValueError(f"not a theorem statement: {self.statement[:80]!r}")
        rest = self.statement[match.end():]
        name_match = _NAME_RE.match(rest)
        if name_match is None:
            raise ValueError(f"no theorem name in {self.statement[:80]!r}")
        parts = re.findall(r"«[^»]*»|[^.«]+", name_match.group("name"))
        prefix = "".join(part + "." for part in parts[:-1])
        universes = name_match.group("universes") or ""
        return f"theorem {prefix}{PROBE_PREFIX}{index}{universes}{rest[name_match.end():]}"


_NAME_RE = re.compile(r"(?P<name>(?:«[^»]*»|[^\s({\[⦃:«.]|\.(?!\{))+)(?P<universes>\.\{[^}]*\})?")


def _as_theorem(statement: str) -> str:
    return re.sub(r"(?<![\w.])lemma(?=\s)", "theorem", statement, count=1)


def _strip_trailing_doc(context: str) -> str:
    """Drop a doc comment that belonged to the theorem (it must not dangle before a command)."""
    stripped = context.rstrip()
    if stripped.endswith("-/"):
        start = stripped.rfind("/--")
        if start >= 0 and "-/" not in stripped[start:-2]:
            return stripped[:start].rstrip("\n")
    return context
