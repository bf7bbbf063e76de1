"""The planner: decompose a theorem into a sketch — a chain of `have name : statement := by
sorry` steps and a closing tactic — that Lean accepts, so that each `have` becomes a smaller
theorem for the step prover.

    planner = Planner(toolchain)                    # structural sketches only
    planner = Planner(toolchain, model=policy)      # + LM-proposed `have` chains
    for sketch in planner.decompose("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q"):
        print(sketch.proof())

**Structural sketches** (no model), after `intro` of the target's leading `∀` variables and
`→` premises (the ∀-variables keep their names, so the body's text stays valid):

| shape | sketch |
| --- | --- |
| body `A ∧ B ∧ …` | `have h1 : A`, `have h2 : B`, … ; `exact ⟨h1, h2, …⟩` |
| body `A ↔ B` | `have h1 : A → B`, `have h2 : B → A` ; `exact ⟨h1, h2⟩` |
| hypothesis `h : A ∨ B` | `have h1 : A → body`, `have h2 : B → body` ; `exact h.elim h1 h2` |
| variable `n : Nat` that no other hypothesis mentions | `have base : P 0`, `have step : ∀ k, P k → P (k + 1)` ; `induction n with \\| zero => exact base \\| succ k ih => exact step k ih` |
| variable `xs : List α` that no other hypothesis mentions | `have base : P ([] : List α)`, `have step : ∀ x xs, P xs → P (x :: xs)` ; `induction xs with …` |

(`P` is the whole target with the variable substituted as text.)

**LM sketches**, when a model with `complete(prompts, n, stop, max_new_tokens)` is given
(the hf, vllm and http policies have it): the prompt is `prover.prompt.SKETCH_TEMPLATE`,

    [THEOREM]
    theorem t (a b : Nat) (h : a ≤ b) : a < b + 1
    [SKETCH]

With a premise retriever (`prove`/`bench` with `--premises K`), the `premises` library theorems
retrieved for the theorem's goal come first, in ReProver's premise-augmented form
(`<a>NAME</a> STATEMENT` blocks, :func:`prover.premises.augmented_state`); a whole-proof format
gets them as `--` comment lines at the end of the theorem's context. The completion, ended by a
blank line or EOS, is read as optional `intro …` lines, then
`have NAME : STATEMENT := by sorry` lines, then the closing tactic (all remaining lines).
Completions with `sorry`/`admit`/`native_decide` outside the `have`s, unbalanced brackets,
commands (`#…`, `set_option`, `run_tac`, …) or no closing tactic are discarded.

With a whole-proof prompt format (`prompt_format`, e.g. `deepseek-prover-v2`: the model writes a
proof plan and a proof whose steps are `have … := by sorry`, DeepSeek-Prover-V2's subgoal
recipe), the prompt is that format's (`prover.prompt_formats.render_whole`, in the theorem's
context), the proof is read from the answer as in whole-proof mode, and its body (after `by`) is
read as a sketch by the rule above (`have … := by` with `sorry` on the next line counts too).

**Checking.** All candidate sketches of one theorem go into ONE generated Lean file (one Lean
process): its context, then one copy of the theorem per sketch, renamed `NAME_sketchI`, whose
proof is the sketch. A sketch is accepted when its copy elaborates with no error — only the
`declaration uses 'sorry'` warning (other warnings, e.g. linters, are kept in the verdict but do
not reject). Lean rejecting a sketch (`unsolved goals`, a type mismatch in the closing tactic, an
ill-formed `have`) rejects it; a file that times out or crashes rejects every sketch in it.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ContextManager, Literal

from lean_prover.lean_env.limits import LEAN_PROCESS_TIMEOUT_S
from lean_prover.lean_env.source import imports
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain
from lean_prover.lean_env.verify import CheckOptions, check_file
from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.prover.backends import Completer
from lean_prover.prover.premises import augmented_state
from lean_prover.prover.prompt import format_sketch_prompt
from lean_prover.prover.prompt_formats import PromptFormat, read_proof, render_whole, whole_input
from lean_prover.prover.statement import (Statement, StatementError, balanced, goal_text, identifiers,
                                          parse_statement, replace_identifier, split_top, strip_parens,
                                          top_level_find)

if TYPE_CHECKING:
    from lean_prover.lean_env.library_index import Premise
    from lean_prover.prover.premises import LazyRetriever, PremiseRetriever

_HAVE_RE = re.compile(r"^have\s+([^\s:]+)\s*:\s*(.+?)\s*:=\s*by\s+sorry\s*$")
_INTRO_RE = re.compile(r"^(intro|intros)(\s+[^\s]+)*\s*$")
_NAT = ("Nat", "ℕ")


SketchOrigin = Literal["split-and", "split-iff", "cases-or", "induction", "lm"]
"""Which rule (or the language model) proposed a sketch."""


@dataclass(frozen=True)
class HaveStep:
    """`have name : statement := by sorry`."""

    name: str
    statement: str

    def text(self) -> str:
        """The Lean tactic."""
        return f"have {self.name} : {self.statement} := by sorry"


@dataclass(frozen=True)
class Sketch:
    """A proof skeleton: `intro`s, `have … := by sorry` steps, and a closing tactic."""

    steps: tuple[HaveStep, ...]
    closing: str
    intros: tuple[str, ...] = ()
    origin: SketchOrigin | Literal[""] = ""
    score: float | None = None  # the model's log-prob for LM sketches

    def tactics(self) -> list[str]:
        """The proof's tactics in order (the closing one may span lines)."""
        head = [f"intro {' '.join(self.intros)}"] if self.intros else []
        return head + [s.text() for s in self.steps] + [self.closing]

    def proof(self) -> str:
        """The sketch as a `by` block (the text after `:=`)."""
        lines = []
        for tactic in self.tactics():
            lines += ["  " + line for line in tactic.split("\n")]
        return "by\n" + "\n".join(lines)

    def subgoals(self) -> list[str]:
        """The `have` statements (what remains to prove), in order."""
        return [s.statement for s in self.steps]


@dataclass
class SketchVerdict:
    """What Lean said about one sketch: accepted, the declaration status and its messages."""

    sketch: Sketch
    accepted: bool
    status: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Planner:
    """Structural and LM-proposed sketches, checked together in one Lean file per theorem."""

    def __init__(self, toolchain: Toolchain | None = None, model: Completer | None = None, num_sketches: int = 4,
                 max_new_tokens: int = 256,
                 options: CheckOptions = CheckOptions(timeout_s=LEAN_PROCESS_TIMEOUT_S, file_syntax="trusted"),
                 lean_gate: Callable[[], ContextManager] = nullcontext,
                 prompt_format: PromptFormat | None = None,
                 retriever: "PremiseRetriever | LazyRetriever | None" = None, premises: int = 4) -> None:
        self._toolchain = toolchain
        self.retriever, self.premises = retriever, premises
        self.prompt_format = prompt_format if prompt_format is not None and prompt_format.kind == "whole" else None
        self.lean_gate = lean_gate  # wraps each Lean run (a batching service's slot; see search.prove)
        self.model = model if model is not None and hasattr(model, "complete") else None
        self.num_sketches = num_sketches
        self.max_new_tokens = max_new_tokens
        self.options = options
        self.last_verdicts: list[SketchVerdict] = []  # every verdict of the latest `decompose`

    @property
    def toolchain(self) -> Toolchain:
        """The Lean toolchain (resolved on first use)."""
        if self._toolchain is None:
            self._toolchain = resolve_toolchain()
        return self._toolchain

    def candidates(self, theorem_statement: str, context: str = "") -> list[Sketch]:
        """Every distinct candidate sketch, structural first, without checking them."""
        statement = parse_statement(theorem_statement)
        found = structural_sketches(statement)
        if self.model is not None:
            found += self.lm_sketches(statement, context)
        unique: dict[str, Sketch] = {}
        for sketch in found:
            unique.setdefault(sketch.proof(), sketch)
        return list(unique.values())

    def lm_sketches(self, statement: Statement, context: str = "") -> list[Sketch]:
        """Sketches the model proposes (garbage completions are dropped)."""
        fmt = self.prompt_format
        premises = self.retrieved(statement, context)
        if fmt is None:
            prompt, stop = augmented_state(format_sketch_prompt(statement.header), premises), "\n\n"
        else:
            lemmas = "".join(f"-- {p.statement}\n" for p in premises)
            if lemmas:
                context = f"{context.rstrip()}\n\n-- Library lemmas that may help:\n{lemmas}".lstrip()
            prompt, stop = render_whole(fmt, whole_input(context, statement.header)), fmt.stop_list
        try:
            completions = self.model.complete([prompt], self.num_sketches, stop, self.max_new_tokens)[0]
        except (IndexError, TypeError):
            return []
        sketches = []
        for completion in completions:
            text = completion.text
            if fmt is not None:
                proof = read_proof(fmt, text, statement.name)
                if proof is None or not proof.startswith("by"):
                    continue
                text = re.sub(r":=\s*by\s*\n\s*sorry\b", ":= by sorry", proof[2:])
            elif not getattr(completion, "finished", True):
                continue
            sketch = parse_sketch(text, getattr(completion, "logprob", None))
            if sketch is not None:
                sketches.append(sketch)
        return sketches

    def retrieved(self, statement: Statement, context: str = "") -> list["Premise"]:
        """The `premises` library theorems retrieved for the statement's goal among those its
        context's imports see (none without a retriever)."""
        if self.retriever is None or self.premises <= 0:
            return []
        found = self.retriever.retrieve(goal_text(statement), self.premises, imports(context))
        return [r.premise for r in found]

    def decompose(self, theorem_statement: str, context: str = "") -> list[Sketch]:
        """Sketches of the theorem that Lean accepts (one Lean process for all of them)."""
        self.last_verdicts = self.check(theorem_statement, self.candidates(theorem_statement, context), context)
        return [v.sketch for v in self.last_verdicts if v.accepted]

    def check(self, theorem_statement: str, sketches: list[Sketch], context: str = "") -> list[SketchVerdict]:
        """Check sketches of one theorem in one Lean file; one verdict per sketch, in order."""
        if not sketches:
            return []
        statement = parse_statement(theorem_statement)
        text, names = sketch_file(statement, sketches, context)
        with tempfile.TemporaryDirectory(prefix="prover-sketch-") as tmp:
            path = Path(tmp) / "Sketches.lean"
            path.write_text(text, encoding="utf-8")
            with self.lean_gate():
                result = check_file(self.toolchain, path, self.options)
        by_name = {d.name.rsplit(".", 1)[-1]: d for d in result.declarations}
        verdicts = []
        for sketch, name in zip(sketches, names):
            decl = by_name.get(name)
            if decl is None:
                reason = result.detail or "declaration not found in Lean's answer"
                verdicts.append(SketchVerdict(sketch, False, result.status, [reason]))
                continue
            errors = [_first_line(m.text) for m in decl.messages if m.is_error]
            warnings = [_first_line(m.text) for m in decl.messages if m.severity == "warning" and not m.is_sorry_warning]
            accepted = not errors and decl.status in ("sorry", "proved")
            verdicts.append(SketchVerdict(sketch, accepted, decl.status, errors, warnings))
        return verdicts


def sketch_file(statement: Statement, sketches: list[Sketch], context: str = "") -> tuple[str, list[str]]:
    """The Lean file checking every sketch, and the declaration name of each."""
    base = re.sub(r"[^\w]", "_", statement.name.rsplit(".", 1)[-1]) or "sketch"
    names = [f"{base}_sketch{i}" for i in range(1, len(sketches) + 1)]
    head = f"{context.rstrip()}\n\n" if context.strip() else ""
    body = "\n\n".join(f"{statement.renamed(name)} := {sketch.proof()}" for name, sketch in zip(names, sketches))
    return head + body + "\n", names


def parse_sketch(text: str, score: float | None = None) -> Sketch | None:
    """A sketch from a model completion, or None (see the module docstring for the format)."""
    lines = [ln.rstrip() for ln in text.strip("\n").split("\n")]
    if not lines or not any(ln.strip() for ln in lines):
        return None
    indent = min(len(ln) - len(ln.lstrip()) for ln in lines if ln.strip())
    lines = [ln[indent:] for ln in lines]
    intros: list[str] = []
    steps: list[HaveStep] = []
    index = 0
    while index < len(lines) and _INTRO_RE.match(lines[index].strip()) and not steps:
        words = lines[index].split()[1:]
        if lines[index].split()[0] == "intros" or not words:
            return None  # names are needed for the sketch to be readable
        intros += words
        index += 1
    while index < len(lines) and (match := _HAVE_RE.match(lines[index].strip())):
        name, statement = match.group(1), match.group(2)
        if not balanced(statement) or not is_usable_tactic(statement):
            return None
        steps.append(HaveStep(name, statement))
        index += 1
    closing = "\n".join(lines[index:]).strip("\n")
    if not closing.strip() or not balanced(closing) or not is_usable_tactic(closing):
        return None
    if not all(is_usable_tactic(name) for name in intros):
        return None
    return Sketch(tuple(steps), closing, tuple(intros), "lm", score)


def structural_sketches(statement: Statement) -> list[Sketch]:
    """Sketches from the statement's shape alone (see the module's table)."""
    hyps = statement.hypotheses()
    taken = {name for name, _ in hyps} | set(identifiers(statement.target))
    fresh = _Fresh(taken)
    intros, body, premises = _peel(statement.target, fresh)
    sketches: list[Sketch] = []
    conjuncts = _chain(body, "∧")
    if len(conjuncts) > 1:
        names = [fresh.new("h") for _ in conjuncts]
        sketches.append(Sketch(tuple(HaveStep(n, c) for n, c in zip(names, conjuncts)),
                               f"exact ⟨{', '.join(names)}⟩", intros, "split-and"))
    iff = split_top(body, "↔")
    if iff is not None:
        a, b = strip_parens(iff[0]), strip_parens(iff[1])
        h1, h2 = fresh.new("h"), fresh.new("h")
        sketches.append(Sketch((HaveStep(h1, f"{_wrap(a)} → {_wrap(b)}"), HaveStep(h2, f"{_wrap(b)} → {_wrap(a)}")),
                               f"exact ⟨{h1}, {h2}⟩", intros, "split-iff"))
    for name, kind in hyps + premises:
        parts = split_top(kind, "∨")
        if parts is None:
            continue
        left, right = strip_parens(parts[0]), strip_parens(parts[1])
        h1, h2 = fresh.new(name + "_left"), fresh.new(name + "_right")
        sketches.append(Sketch((HaveStep(h1, f"{_wrap(left)} → {_wrap(body)}"),
                                HaveStep(h2, f"{_wrap(right)} → {_wrap(body)}")),
                               f"exact {name}.elim {h1} {h2}", intros, "cases-or"))
    for name, kind in hyps:
        others = [k for n, k in hyps if n != name]
        if any(name in identifiers(k) for k in others) or _binds(statement.target, name):
            continue
        kind = strip_parens(kind)
        if kind in _NAT:
            k, ih, hb, hs = fresh.new("k"), fresh.new("ih"), fresh.new("base"), fresh.new("step")
            base = replace_identifier(statement.target, name, "0")
            step = (f"∀ {k}, {_wrap(replace_identifier(statement.target, name, k))} → "
                    f"{_wrap(replace_identifier(statement.target, name, f'({k} + 1)'))}")
            closing = f"induction {name} with\n| zero => exact {hb}\n| succ {k} {ih} => exact {hs} {k} {ih}"
            sketches.append(Sketch((HaveStep(hb, base), HaveStep(hs, step)), closing, (), "induction"))
        elif kind.startswith("List "):
            x, xs, ih = fresh.new("x"), fresh.new("xs"), fresh.new("ih")
            hb, hs = fresh.new("base"), fresh.new("step")
            base = replace_identifier(statement.target, name, f"([] : {kind})")
            step = (f"∀ {x} {xs}, {_wrap(replace_identifier(statement.target, name, xs))} → "
                    f"{_wrap(replace_identifier(statement.target, name, f'({x} :: {xs})'))}")
            closing = f"induction {name} with\n| nil => exact {hb}\n| cons {x} {xs} {ih} => exact {hs} {x} {xs} {ih}"
            sketches.append(Sketch((HaveStep(hb, base), HaveStep(hs, step)), closing, (), "induction"))
    return sketches


def _peel(target: str, fresh: "_Fresh") -> tuple[tuple[str, ...], str, list[tuple[str, str]]]:
    """Leading binders of the target: (intro names, body, introduced premises (name, type))."""
    names: list[str] = []
    premises: list[tuple[str, str]] = []
    text = strip_parens(target)
    for _ in range(16):
        if text.startswith("∀"):
            comma = top_level_find(text, ",")
            if comma < 0:
                break
            binder = text[1:comma].strip()
            if re.search(r"∈|∉|>|<|≥|≤|≠|⊆", binder):
                break  # binder predicates: keep the sketch simple
            if re.search(r"[({\[⦃]", binder):
                words = [w for g in re.findall(r"[({\[⦃]\s*([^(){}\[\]⦃⦄:]*?)\s*:", binder) for w in g.split()]
            else:
                words = binder.split(":")[0].split()
            if not words or any(not re.fullmatch(r"[^\W\d][\w'!?₀-₉]*", w) for w in words):
                break
            names += words
            fresh.taken.update(words)
            text = strip_parens(text[comma + 1:])
        elif (parts := split_top(text, "→")) is not None:
            name = fresh.new("h")
            names.append(name)
            premises.append((name, strip_parens(parts[0])))
            text = strip_parens(parts[1])
        else:
            break
    return tuple(names), text, premises


def _chain(text: str, symbol: str) -> list[str]:
    parts = []
    while (split := split_top(text, symbol)) is not None:
        parts.append(strip_parens(split[0]))
        text = split[1]
    parts.append(strip_parens(text))
    return parts


def _wrap(text: str) -> str:
    """Parenthesise a proposition unless it is atomic enough to sit next to `→`."""
    text = strip_parens(text)
    if re.fullmatch(r"[\w.'!?₀-₉]+", text):
        return text
    return f"({text})"


def _binds(target: str, name: str) -> bool:
    """True when the target re-binds `name` (`∀ n`, `∃ n`, `fun n`): text substitution would be wrong."""
    binder = r"(∀|∃|fun|λ|∑|∏)(?:(?!=>|↦)[^,])*"  # the binder list ends at `,`, `=>` or `↦`
    return re.search(binder + r"(?<![\w.'])" + re.escape(name) + r"(?![\w'])", target) is not None


def _first_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


class _Fresh:
    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def new(self, base: str) -> str:
        """`base` when free (`h` is always numbered: h1, h2, …), else base2, base3, …"""
        if base != "h" and base not in self.taken:
            self.taken.add(base)
            return base
        index = 1 if base == "h" else 2
        while f"{base}{index}" in self.taken:
            index += 1
        self.taken.add(f"{base}{index}")
        return f"{base}{index}"


__all__ = ["HaveStep", "Planner", "Sketch", "SketchVerdict", "StatementError", "parse_sketch",
           "sketch_file", "structural_sketches"]
