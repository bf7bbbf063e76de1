"""Lean's own report on a compiled file: the positive evidence behind every verdict.

The file under check is compiled once (`lean -o M.olean`, the messages of that run are the
file's messages). A second, separate Lean process then runs one `#eval` that this module writes
(the *evidence program*), which imports the compiled module *at run time* (`Lean.importModules`):
the program is elaborated before any instance, notation or macro of the checked file exists, so
none of them can change what it computes or prints. For every constant the module added to the
environment it reports, each record stamped with a nonce drawn after the first run ended (names
and types are printed with the record separators replaced, so a string literal cannot forge a
field):

- the constant's name and kind (theorem, def, axiom, opaque, inductive, …) and whether it is unsafe;
- its type, printed in full by Lean (`Expr.dbgToString`: every constant, universe and implicit
  argument spelled out), so statements can be compared exactly;
- the axioms it depends on (`Lean.collectAxioms`, the function behind `#print axioms`), each with
  the module that declares it;
- the constants of the same module its definition uses, so a verdict can follow them;
- a kernel re-check: the constant, renamed, is added again through the kernel
  (`Lean.Kernel.Environment.addDecl`) in this trusted process, where no option of the checked
  file applies (`debug.skipKernelTC` included);

and a final record with the number of constants. Anything that made the first run stop early or
lose output (`#exit`, a crash, `IO.Process.exit`, a truncated run) leaves either no module to
import or a module without the missing declarations, so it can only lose evidence, never forge
it. Code of the checked file does not run in the evidence process, except initialisers of an
imported module (`initialize`), which `--untrusted` rejects before Lean sees the file.

On the embedded Lean the library's `.olean` files are stored at the "exported" level: library
theorems carry no proofs there and appear to `collectAxioms` as axioms. A name reported from a
library module (`Init`, `Std`, `Lean`, `Lake`) other than core Lean's known non-standard axioms
is therefore a *library boundary*: the audit trusts the library beyond it (as `#print axioms` on
a native toolchain would look through it and report only standard axioms).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Literal

from lean_prover.lean_env.messages import LeanMessage

ConstantKind = Literal["theorem", "def", "axiom", "opaque", "quot", "inductive", "constructor", "recursor"]
KernelCheck = Literal["ok", "failed", "not_rechecked"]

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# Core Lean's non-standard axioms (and the opaque constants `native_decide` reduces through).
NONSTANDARD_LIBRARY_AXIOMS = frozenset({
    "sorryAx", "Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler", "Lean.reduceBool", "Lean.reduceNat",
})
LIBRARY_MODULE_ROOTS = frozenset({"Init", "Std", "Lean", "Lake"})
MODULE_NAME = "VerifyCandidate"

_FIELD = "\x1f"
_RECORD = "\x1e"


@dataclass(frozen=True)
class AxiomUse:
    """An axiom a constant depends on, with the module that declares it (`""` if unknown)."""

    name: str
    module: str

    @property
    def from_library(self) -> bool:
        """True when a module of the toolchain's own library declares it."""
        return self.module.split(".", 1)[0] in LIBRARY_MODULE_ROOTS


@dataclass(frozen=True)
class ConstantEvidence:
    """What Lean reported about one constant of the checked module."""

    name: str  # as stored, e.g. `_private.VerifyCandidate.0.foo`
    kind: ConstantKind
    unsafe: bool
    kernel: KernelCheck
    type: str
    axioms: tuple[AxiomUse, ...]
    uses: tuple[str, ...]  # constants of the same module that its type or value mentions

    @property
    def user_name(self) -> str:
        """The name as the source writes it (without the private prefix)."""
        return user_name(self.name)


@dataclass
class ModuleEvidence:
    """Lean's report on every constant of the checked module; `complete` only when the final
    record came back with the right count."""

    constants: dict[str, ConstantEvidence] = field(default_factory=dict)  # by stored name
    complete: bool = False

    def find(self, user: str) -> list[ConstantEvidence]:
        """Constants whose source-level name is `user`."""
        return [c for c in self.constants.values() if c.user_name == user]

    def closure(self, root: ConstantEvidence) -> list[ConstantEvidence]:
        """`root` and every constant of the module it depends on, transitively."""
        seen: dict[str, ConstantEvidence] = {}
        stack = [root]
        while stack:
            current = stack.pop()
            if current.name in seen:
                continue
            seen[current.name] = current
            stack.extend(self.constants[n] for n in current.uses if n in self.constants)
        return list(seen.values())


def user_name(stored: str) -> str:
    """`_private.VerifyCandidate.0.A.foo` → `A.foo`; other names unchanged."""
    match = _PRIVATE_RE.match(stored)
    return stored[match.end():] if match else stored


_PRIVATE_RE = re.compile(r"_private\.(?:[^.]+\.)*?0\.")


def new_nonce() -> str:
    """A fresh random token that the checked file cannot know."""
    return "v" + secrets.token_hex(12)


@dataclass(frozen=True)
class EvidenceDialect:
    """How the evidence program must be written for a toolchain: `module_system` (Lean ≥ 4.22
    with a `module` file, or the embedded Lean, which treats every file as one) needs `module`
    and `import all`; `kernel_env` (Lean ≥ 4.20) has `Lean.Kernel.Environment.addDecl` for the
    kernel re-check."""

    module_system: bool
    kernel_env: bool


def evidence_program(nonce: str, dialect: EvidenceDialect, module: str = MODULE_NAME) -> str:
    """The Lean file that imports `module` and reports on each of its constants."""
    # The checked module is imported at run time, not by the header: this program is elaborated
    # before any of its instances, notations or macros exist, so none of them can change it.
    header = "module\n\n" if dialect.module_system else ""
    header += "import Lean.CoreM\nimport Lean.Util.CollectAxioms\nimport Lean.Util.FoldConsts\n"
    if dialect.kernel_env:
        header += "import Lean.AddDecl\n"
    if dialect.kernel_env:
        recheck = f"""  let kenv := env.toKernelEnv
  let recheck := fun (c : Lean.ConstantInfo) =>
    let fresh := `_verify_{nonce} ++ c.name
    let decl? : Option Lean.Declaration := match c with
      | .thmInfo v => some (.thmDecl {{ v with name := fresh }})
      | .defnInfo v => some (.defnDecl {{ v with name := fresh }})
      | .opaqueInfo v => some (.opaqueDecl {{ v with name := fresh }})
      | _ => none
    match decl? with
    | none => "not_rechecked"
    | some d => match Lean.Kernel.Environment.addDecl kenv {{}} d with
      | .ok _ => "ok"
      | .error _ => "failed"
"""
    else:
        recheck = '  let recheck := fun (_ : Lean.ConstantInfo) => "not_rechecked"\n'
    return header + f"""
set_option maxHeartbeats 0 in
set_option maxRecDepth 100000 in
#eval show Lean.CoreM String from do
  let env ← Lean.importModules #[{{ module := `{module} }}] {{}} 0
  Lean.setEnv env
  let some idx := env.getModuleIdx? `{module} | return "{nonce}{_FIELD}missing"
  let mods := env.header.moduleNames
  let consts := env.header.moduleData[idx.toNat]!.constants
  -- the report's separators cannot come from the file's names or string literals
  let clean := fun (text : String) => text.map fun c =>
    if c.toNat == {ord(_FIELD)} then '␟' else if c.toNat == {ord(_RECORD)} then '␞' else c
  let nameText := fun (n : Lean.Name) => clean (Lean.mkConst n).dbgToString
  let moduleOf := fun (n : Lean.Name) => match env.getModuleIdxFor? n with
    | some i => nameText mods[i.toNat]!
    | none => ""
  let rec axiomsText (axs : List Lean.Name) (acc : String) : String :=
    match axs with
    | [] => acc
    | a :: rest => axiomsText rest (acc ++ "{_FIELD}" ++ nameText a ++ "@" ++ moduleOf a)
  let rec usesText (ns : List Lean.Name) (acc : String) : String :=
    match ns with
    | [] => acc
    | n :: rest =>
      usesText rest (if env.getModuleIdxFor? n == some idx then acc ++ "{_FIELD}" ++ nameText n else acc)
{recheck}  let rec go (i : Nat) (acc : String) : Lean.CoreM String := do
    if h : i < consts.size then
      let c := consts[i]
      let kind := match c with
        | .axiomInfo _ => "axiom" | .defnInfo _ => "def" | .thmInfo _ => "theorem" | .opaqueInfo _ => "opaque"
        | .quotInfo _ => "quot" | .inductInfo _ => "inductive" | .ctorInfo _ => "constructor"
        | .recInfo _ => "recursor"
      let axs ← Lean.collectAxioms c.name
      let valueConsts := match c.value? (allowOpaque := true) with
        | some v => v.getUsedConstants
        | none => #[]
      let record := "{nonce}{_FIELD}const{_FIELD}" ++ nameText c.name ++ "{_FIELD}" ++ kind ++ "{_FIELD}"
        ++ (if c.isUnsafe then "unsafe" else "safe") ++ "{_FIELD}" ++ recheck c ++ "{_FIELD}"
        ++ clean c.type.dbgToString ++ "{_FIELD}axioms" ++ axiomsText axs.toList ""
        ++ "{_FIELD}uses" ++ usesText c.type.getUsedConstants.toList (usesText valueConsts.toList "")
      go (i + 1) (acc ++ record ++ "{_RECORD}")
    else return acc ++ "{nonce}{_FIELD}end{_FIELD}" ++ toString consts.size
  termination_by consts.size - i
  go 0 ""
"""


def parse_evidence(messages: list[LeanMessage], nonce: str) -> ModuleEvidence:
    """The evidence in the messages of an evidence run; only records stamped with `nonce` count."""
    evidence = ModuleEvidence()
    for message in messages:
        if message.severity != "information":
            continue
        text = _lean_string(message.text.strip())
        if text is None:
            continue
        count = 0
        for record in text.split(_RECORD):
            fields = record.split(_FIELD)
            if fields[0] != nonce or len(fields) < 2:
                continue
            if fields[1] == "end" and len(fields) == 3:
                evidence.complete = fields[2].isdigit() and int(fields[2]) == count
            elif fields[1] == "const" and len(fields) >= 8:
                constant = _constant(fields[2:])
                if constant is not None:
                    evidence.constants[constant.name] = constant
                    count += 1
    return evidence


def _constant(fields: list[str]) -> ConstantEvidence | None:
    name, kind, safety, kernel, type_text = fields[:5]
    rest = fields[5:]
    if kind not in ("theorem", "def", "axiom", "opaque", "quot", "inductive", "constructor", "recursor") \
            or kernel not in ("ok", "failed", "not_rechecked") or "axioms" not in rest or "uses" not in rest:
        return None
    at_axioms, at_uses = rest.index("axioms"), rest.index("uses")
    axioms = tuple(AxiomUse(*item.rsplit("@", 1)) if "@" in item else AxiomUse(item, "")
                   for item in rest[at_axioms + 1:at_uses])
    return ConstantEvidence(name, kind, safety == "unsafe", kernel, type_text, axioms, tuple(rest[at_uses + 1:]))


def _lean_string(text: str) -> str | None:
    """Decode a Lean string literal as `#eval` prints it (`"…"` with escapes), or None."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u" and body[i + 2:i + 3] == "{":
            close = body.index("}", i)
            out.append(chr(int(body[i + 3:close], 16)))
            i = close + 1
        elif nxt == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}.get(nxt, nxt))
            i += 2
    return "".join(out)
