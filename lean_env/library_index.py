"""The premise index: every theorem of the toolchain's library (Init, Std, Lean; a Lake
project's own modules and Mathlib when they are there) with its module and its statement as
Lean prints it, built once per toolchain and cached on disk.

    index = load_or_build_index(toolchain)            # ~5 min the first time on the embedded Lean
    index.get("Nat.dvd_add").statement                 # 'Nat.dvd_add {a b c : Nat} (h₁ : a ∣ b) (h₂ : a ∣ c) : a ∣ b + c'
    index.visible(["Std.Data.HashMap"])                # the modules a file with these imports sees

How the library is enumerated (it must work on the embedded Lean, which runs the library's
compiled code but cannot compile new meta code): one Lean file that imports only
`Lean.PrettyPrinter` (importing `Lean` or `Lean.Meta` whole makes `#eval` itself fail there,
"Unknown constant `Lean.Elab.Command.liftTermElabM._redArg`") and runs one `#eval` of an `IO`
action written with plain recursion over array indices (no `Array.map`/`for`, whose
specialisations the embedded build lacks). The action imports the index's root modules at run
time (`importModules … (loadExts := true)`, so notations and unexpanders print as usual), walks
every module's constants, keeps the theorems (the `.olean` files export a theorem as an
`axiom`, so axioms whose type is a `Prop` count too) whose names are not internal
(`Name.isInternalDetail`: no `_private`, `match_`, `eq_1`, …), and prints for each the
module and `PrettyPrinter.ppSignature` (what `#check` shows: `Nat.add_comm (n m : Nat) : n + m
= m + n`), and for each module its direct imports. Measured on the embedded Lean 4.28: 51,591
theorems (Init 23,850, Std 21,482, Lean 6,259) in one 290 s run, 3.8 GB peak. `Lake` is left
out: its environment extensions cannot be initialised by the interpreter there.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from lean_prover.lean_env.embedded import default_cache_dir
from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.lean_env.limits import PREMISE_INDEX_TIMEOUT_S
from lean_prover.lean_env.process import run_lean_file
from lean_prover.lean_env.shared_folder import publish_folder
from lean_prover.lean_env.toolchain import Toolchain

DEFAULT_ROOTS: tuple[str, ...] = ("Init", "Std", "Lean")
INDEX_FORMAT = 1
_BEGIN, _END = "@@premise-index-begin@@", "@@premise-index-end@@"
_RECORD, _FIELD = "\x1e", "\x1f"


class PremiseIndexError(LeanEnvError):
    """The premise index cannot be built or read; the message is one line."""


@dataclass(frozen=True)
class Premise:
    """One library theorem: full name, module, and statement (`#check` form, on one line)."""

    name: str
    module: str
    statement: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"name": self.name, "module": self.module, "statement": self.statement}


class PremiseIndex:
    """The theorems of a library and the import graph of its modules."""

    def __init__(self, premises: list[Premise], imports: dict[str, list[str]], roots: tuple[str, ...] = DEFAULT_ROOTS):
        self.premises, self.imports, self.roots = premises, imports, roots
        self.folder: Path | None = None  # where it is cached (set by `save` and `load`)
        self._by_name = {p.name: i for i, p in enumerate(premises)}

    def __len__(self) -> int:
        return len(self.premises)

    def get(self, name: str) -> Premise | None:
        """The premise called `name`, or None."""
        index = self._by_name.get(name)
        return self.premises[index] if index is not None else None

    def visible(self, imports: Iterable[str]) -> set[str]:
        """The modules a file with these `import`s sees: `Init` always (it is imported unless a
        file says `prelude`), and everything each import reaches."""
        seen: set[str] = set()
        stack = [m for m in self.imports if m == "Init" or m.startswith("Init.")] + list(imports)
        while stack:
            module = stack.pop()
            if module in seen:
                continue
            seen.add(module)
            stack.extend(self.imports.get(module, ()))
        return seen

    def save(self, folder: Path) -> None:
        """Write `premises.jsonl` and `modules.json` into `folder`, atomically (when several
        processes build the same index at once, the first one written is kept)."""
        def write(scratch: Path) -> None:
            with (scratch / "premises.jsonl").open("w", encoding="utf-8") as sink:
                for premise in self.premises:
                    sink.write(json.dumps(premise.to_dict(), ensure_ascii=False) + "\n")
            (scratch / "modules.json").write_text(json.dumps({"format": INDEX_FORMAT, "roots": list(self.roots),
                                                              "imports": self.imports}), encoding="utf-8")

        publish_folder(folder, write)
        self.folder = folder

    @classmethod
    def load(cls, folder: Path) -> "PremiseIndex":
        """Read an index written by :meth:`save`."""
        try:
            meta = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
            premises = [Premise(**json.loads(line)) for line in
                        (folder / "premises.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError, TypeError) as exc:
            raise PremiseIndexError(f"cannot read the premise index in {folder}: {exc}") from None
        if meta.get("format") != INDEX_FORMAT:
            raise PremiseIndexError(f"{folder}: premise index of another format; delete it to rebuild")
        index = cls(premises, meta["imports"], tuple(meta.get("roots", DEFAULT_ROOTS)))
        index.folder = folder
        return index


def enumeration_file(roots: Iterable[str], library: Path | None, only: tuple[str, ...] = ()) -> str:
    """The Lean file whose `#eval` prints the index (module docstring). `library`: the folder
    of the `.olean` files to search (the embedded Lean's; None: Lean's own search path).
    `only`: list the theorems of modules whose names start with one of these prefixes (every
    module's imports are listed regardless); empty: every module."""
    modules = ", ".join("{module := `" + root + "}" for root in roots)
    prefixes = "[" + ", ".join(json.dumps(p) for p in only) + "]"
    search = (f'  searchPathRef.modify (fun sp => System.FilePath.mk "{library}" :: sp)' if library is not None
              else "  initSearchPath (← findSysroot)")
    return f"""import Lean.PrettyPrinter
open Lean
set_option linter.unusedVariables false

#eval show IO Unit from do
{search}
  let env ← importModules #[{modules}] {{}} (loadExts := true)
  let mods := env.header.moduleData
  let names := env.header.moduleNames
  let rec imports (is : Array Import) : Nat → Nat → String → String
    | _, 0, acc => acc
    | i, fuel + 1, acc =>
      if h : i < is.size then imports is (i + 1) fuel (acc ++ " " ++ (mkConst is[i].module).dbgToString) else acc
  let rec consts (m : String) (cs : Array ConstantInfo) : Nat → Nat → String → CoreM String
    | _, 0, acc => pure acc
    | j, fuel + 1, acc => do
      if h : j < cs.size then
        let c := cs[j]
        let keep ← match c with
          | .thmInfo _ => pure (!c.name.isInternalDetail)
          | .axiomInfo _ => if c.name.isInternalDetail then pure false else (Meta.isProp c.type).run'
          | _ => pure false
        if keep then
          let sig ← (PrettyPrinter.ppSignature c.name).run'
          consts m cs (j + 1) fuel (acc ++ "T\\x1f" ++ (mkConst c.name).dbgToString ++ "\\x1f" ++ m ++ "\\x1f"
            ++ sig.fmt.pretty 100000 ++ "\\x1e")
        else consts m cs (j + 1) fuel acc
      else pure acc
  let rec wanted : List String → String → Bool
    | [], _ => false
    | p :: ps, m => m.startsWith p || wanted ps m
  let only : List String := {prefixes}
  let everything : Bool := {"true" if not only else "false"}
  let rec modules : Nat → Nat → String → CoreM String
    | _, 0, acc => pure acc
    | i, fuel + 1, acc => do
      if h : i < mods.size then
        let m := (mkConst names[i]!).dbgToString
        let s ← if everything || wanted only m then consts m mods[i].constants 0 100000000 "" else pure ""
        modules (i + 1) fuel (acc ++ "M\\x1f" ++ m ++ "\\x1f" ++ imports mods[i].imports 0 100000 "" ++ "\\x1e" ++ s)
      else pure acc
  let (out, _) ← (modules 0 1000000 "").toIO {{fileName := "<premise-index>", fileMap := default, maxHeartbeats := 0}}
    {{env := env}}
  IO.println ("{_BEGIN}" ++ out ++ "{_END}")
"""


def parse_enumeration(text: str, roots: tuple[str, ...] = DEFAULT_ROOTS) -> PremiseIndex:
    """The index from the enumeration's printed text (debug lines around the markers are ignored)."""
    if _BEGIN not in text or _END not in text:
        raise PremiseIndexError("the library enumeration printed no index")
    body = text.split(_BEGIN, 1)[1].split(_END, 1)[0]
    premises: list[Premise] = []
    imports: dict[str, list[str]] = {}
    seen: set[str] = set()
    for record in body.split(_RECORD):
        fields = record.strip("\n").split(_FIELD)
        if fields[0] == "M" and len(fields) == 3:
            imports[fields[1]] = fields[2].split()
        elif fields[0] == "T" and len(fields) == 4 and fields[1] not in seen:
            seen.add(fields[1])
            premises.append(Premise(fields[1], fields[2], _one_line(fields[3])))
    if not premises:
        raise PremiseIndexError("the library enumeration found no theorems")
    return PremiseIndex(premises, imports, roots)


def _one_line(text: str) -> str:
    """A printed signature on one line (the pretty printer breaks long ones)."""
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def build_index(toolchain: Toolchain, roots: Iterable[str] = DEFAULT_ROOTS, timeout_s: float = PREMISE_INDEX_TIMEOUT_S,
                only: tuple[str, ...] = ()) -> PremiseIndex:
    """Enumerate the library with one Lean run (module docstring); `only`: module-name prefixes
    whose theorems are listed (empty: all). Import a whole root (`Init`, `Std`, `Lean`): with
    part of one, initialising the environment extensions fails."""
    roots = tuple(roots)
    library = toolchain.embedded.library if toolchain.embedded is not None else None
    with tempfile.TemporaryDirectory(prefix="prover-index-") as tmp:
        path = Path(tmp) / "PremiseIndex.lean"
        path.write_text(enumeration_file(roots, library, only), encoding="utf-8")
        run = run_lean_file(toolchain, path, timeout_s)
    if run.fault is not None:
        raise PremiseIndexError(f"Lean failed while enumerating the library: {run.fault}: {run.fault_detail}")
    printed = next((m.text for m in run.messages if _BEGIN in m.text), None)
    if printed is None:
        errors = [m.text.strip().split("\n")[0] for m in run.messages if m.is_error]
        raise PremiseIndexError("the library enumeration failed" + (f": {errors[0]}" if errors else ""))
    return parse_enumeration(printed, roots)


def index_folder(toolchain: Toolchain, roots: Iterable[str] = DEFAULT_ROOTS, cache_dir: Path | None = None) -> Path:
    """Where the index of this toolchain and these roots is cached: keyed by Lean's version
    (for the embedded Lean, its installed package folder names it: no Lean start), the command,
    the project folder and the roots."""
    version = str(toolchain.embedded.root) if toolchain.embedded is not None else toolchain.version()
    key = json.dumps({"version": version, "command": list(toolchain.command),
                      "cwd": str(toolchain.cwd or ""), "roots": list(roots), "format": INDEX_FORMAT})
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (cache_dir or default_cache_dir()) / "premise-index" / digest


def load_or_build_index(toolchain: Toolchain, roots: Iterable[str] = DEFAULT_ROOTS, cache_dir: Path | None = None,
                        progress: Callable[[str], None] = lambda _m: None) -> PremiseIndex:
    """The cached index of this toolchain, built (and cached) on first use."""
    roots = tuple(roots)
    folder = index_folder(toolchain, roots, cache_dir)
    if (folder / "modules.json").is_file():
        return PremiseIndex.load(folder)
    progress(f"building the premise index of {', '.join(roots)} (one Lean run, minutes on the embedded Lean)")
    index = build_index(toolchain, roots)
    folder.parent.mkdir(parents=True, exist_ok=True)
    index.save(folder)
    progress(f"premise index: {len(index)} theorems, cached in {folder}")
    return index


def project_roots(project: Path | None) -> tuple[str, ...]:
    """Index roots for a Lake project: the default roots plus the project's top-level modules
    (`Foo.lean` beside the lakefile) and Mathlib when the project depends on it."""
    if project is None:
        return DEFAULT_ROOTS
    own = sorted(p.stem for p in Path(project).glob("*.lean") if p.stem not in ("lakefile",))
    mathlib = (["Mathlib"] if (Path(project) / ".lake" / "packages" / "mathlib").is_dir()
               and "Mathlib" not in own else [])
    return (*DEFAULT_ROOTS, *mathlib, *own)

