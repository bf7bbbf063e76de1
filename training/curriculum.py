"""A theorem pool for training beyond the benchmark: library restatements and synthetic statements.

Sources:

1. **Library restatements.** For each name of :data:`LIBRARY_LEMMAS` (Init lemmas about `Nat`,
   `List`, `Bool`, logic), Lean prints its signature (`#check NAME`, one Lean process for all);
   the signature becomes `theorem pool_<topic>_<hash> BINDERS : TYPE` (universe variables
   instantiated to `Type`), so the statement does not name the lemma. Signatures Lean prints in a
   form that does not re-read (`✝`, `⋯`, metavariables) are dropped. (A meta `#eval` walking the
   environment is not possible on the embedded Lean: it cannot compile code that uses private
   library definitions, such as `logInfo`; `#check` works everywhere.)
2. **Synthetic arithmetic**: seeded random linear equations and inequalities over `Nat`/`Int`,
   closed by `omega`; **synthetic logic**: random propositional formulas over `p q r` kept only
   when a truth table says they are tautologies, closed by `grind`.
3. **Synthetic families** (:data:`FAMILIES`, off unless asked for): instances, with other
   constants, of families the `core` dev split has (`m ∣ a ^ n + b`, sums over `List.range` and
   `List.replicate`, `Nat.repeat`, geometric sums, a bound on a list's sum), each proved by an
   induction or a rewrite naming the lemmas it needs (`induction n with | zero => … | succ k ih
   => simp_all [List.range_succ] <;> omega`), which one-shot automation does not find.

Every statement is checked by Lean together with its reference proof (`by exact @NAME x y h` — every
binder passed explicitly — for restatements) in one file: only statements that elaborate AND are proved enter the pool, so each
is well-formed and true (restatements that Lean re-reads differently, e.g. with other coercions,
fail their proof and are dropped).

Decontamination rule: a statement is dropped when its normalised text (theorem name removed,
binder names renamed in order, whitespace collapsed; :func:`statement_key`) equals that of any
problem of the `core` suite (every split: dev and test) or of any suite given as an exclusion
(a miniF2F/ProofNet/PutnamBench checkout or `.jsonl`, through `load_suite`), or when it restates
a library lemma that a `core` problem restates (`origin: restates Init lemma X`). Public
benchmark statements (miniF2F, ProofNet, PutnamBench) are Mathlib statements over ℝ, ℚ, `Finset`,
… and cannot come out of these core-only generators; passing their checkouts as exclusions
checks that by text. Duplicates inside the pool are dropped by the same key.

The output is a suite `.jsonl` in the core format (all problems in split `dev`, the training
split of `prover train expert-iteration --suite POOL.jsonl`), loadable by `prover.suite.load_suite`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import tempfile
from dataclasses import asdict, dataclass
from itertools import product
from pathlib import Path
from typing import Callable, Iterable

from lean_prover.lean_env.limits import FILE_CHECK_TIMEOUT_S
from lean_prover.lean_env.process import run_lean_file
from lean_prover.lean_env.results import render_script
from lean_prover.lean_env.toolchain import Toolchain
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.verify import CheckOptions, check_file
from lean_prover.prover.statement import StatementError, goal_text, parse_statement, replace_identifier
from lean_prover.prover.suite import Problem

LIBRARY_LEMMAS: tuple[str, ...] = (
    # Nat
    "Nat.add_comm", "Nat.add_assoc", "Nat.add_left_comm", "Nat.mul_comm", "Nat.mul_assoc", "Nat.mul_left_comm",
    "Nat.left_distrib", "Nat.right_distrib", "Nat.add_zero", "Nat.zero_add", "Nat.mul_one", "Nat.one_mul",
    "Nat.mul_zero", "Nat.zero_mul", "Nat.succ_ne_zero", "Nat.add_sub_cancel", "Nat.add_sub_cancel_left",
    "Nat.sub_self", "Nat.sub_zero", "Nat.zero_sub", "Nat.le_refl", "Nat.le_trans", "Nat.lt_trans",
    "Nat.le_of_lt", "Nat.lt_irrefl", "Nat.le_antisymm", "Nat.le_add_right", "Nat.le_add_left",
    "Nat.lt_succ_self", "Nat.succ_le_of_lt", "Nat.lt_of_lt_of_le", "Nat.lt_of_le_of_lt", "Nat.add_le_add",
    "Nat.add_lt_add_left", "Nat.add_lt_add_right", "Nat.mul_le_mul", "Nat.mul_le_mul_left", "Nat.pow_succ",
    "Nat.pow_zero", "Nat.min_comm", "Nat.max_comm", "Nat.min_self", "Nat.max_self", "Nat.le_max_left",
    "Nat.le_max_right", "Nat.min_le_left", "Nat.min_le_right", "Nat.mod_self", "Nat.mod_one", "Nat.div_one",
    "Nat.mod_lt", "Nat.mod_mod_self", "Nat.add_mul_mod_self_left", "Nat.dvd_refl", "Nat.dvd_trans",
    "Nat.dvd_mul_right", "Nat.dvd_mul_left", "Nat.dvd_add", "Nat.dvd_zero", "Nat.one_dvd", "Nat.pos_of_ne_zero",
    "Nat.succ_pred_eq_of_pos", "Nat.pred_succ", "Nat.sub_add_cancel", "Nat.add_sub_assoc", "Nat.two_mul",
    "Nat.mul_two", "Nat.lt_asymm", "Nat.not_succ_le_self", "Nat.eq_zero_of_le_zero", "Nat.le_of_succ_le_succ",
    "Nat.succ_le_succ", "Nat.gcd_comm", "Nat.gcd_zero_left", "Nat.gcd_self", "Nat.lcm_comm",
    # List
    "List.length_append", "List.length_map", "List.length_reverse", "List.reverse_reverse", "List.reverse_append",
    "List.map_map", "List.map_append", "List.append_assoc", "List.append_nil", "List.nil_append",
    "List.length_replicate", "List.mem_append", "List.mem_map", "List.map_id", "List.length_cons",
    "List.filter_append", "List.length_filter_le", "List.take_append_drop", "List.length_take", "List.length_drop",
    "List.reverse_cons", "List.map_reverse", "List.foldl_append", "List.foldr_append", "List.sum_append",
    "List.length_range", "List.mem_singleton", "List.append_ne_nil_of_left_ne_nil", "List.length_eq_zero_iff",
    "List.all_append", "List.any_append", "List.contains_nil", "List.head?_cons", "List.getLast?_singleton",
    # Bool
    "Bool.and_comm", "Bool.or_comm", "Bool.and_assoc", "Bool.or_assoc", "Bool.not_not", "Bool.and_true",
    "Bool.true_and", "Bool.or_false", "Bool.false_or", "Bool.and_false", "Bool.or_true", "Bool.not_and",
    "Bool.not_or", "Bool.and_self", "Bool.or_self", "Bool.xor_comm", "Bool.and_or_distrib_left",
    # logic
    "and_comm", "or_comm", "and_assoc", "or_assoc", "not_not_intro", "and_or_left", "or_and_left", "and_imp",
    "not_or", "imp_self", "iff_self", "and_self", "or_self", "Decidable.not_not", "Classical.not_not",
    "not_and_of_not_or_not", "or_imp", "forall_and", "exists_or", "Decidable.em",
)
_TOPICS = {"Nat": "nat", "List": "list", "Bool": "bool"}
_UNREADABLE = ("✝", "⋯", "?m", "_fvar", "sorry", "_private", "_uniq")


class CurriculumError(ValueError):
    """Pool generation that cannot run (bad options, an exclusion suite that cannot be read); one line."""


@dataclass(frozen=True)
class Candidate:
    """A pool statement before Lean's check: statement (with the theorem name), reference proof, provenance."""

    name: str
    statement: str
    proof: str
    topic: str
    difficulty: int
    origin: str

    def problem(self) -> Problem:
        """The candidate as a suite problem of the training split `dev`."""
        return Problem(self.name, self.statement, "dev", topic=self.topic, difficulty=self.difficulty,
                       origin=self.origin, reference_proof=self.proof)


@dataclass(frozen=True)
class PoolReport:
    """What pool generation did: candidates per source, dropped per reason, and the written pool."""

    path: str
    written: int
    candidates: dict[str, int]
    dropped: dict[str, int]
    lean_runs: int

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def restated_lemma(origin: str) -> str | None:
    """The library lemma a problem restates, read from its `origin` (`restates Init lemma X`), or None."""
    found = re.match(r"restates (?:Init|Std) lemma (\S+)", origin)
    return found.group(1) if found else None


def statement_key(statement: str) -> str:
    """The normalised text for deduplication: name dropped, binder names renamed `x0, x1, …` in
    order of appearance, whitespace collapsed."""
    try:
        parsed = parse_statement(statement)
    except StatementError:
        try:
            return " ".join(Theorem("_", statement).renamed("_").split()[2:])  # without `theorem _`
        except ValueError:
            return " ".join(statement.split())
    text = f"{parsed.binder_text()} : {parsed.target}"
    names = [n for b in parsed.binders for n in b.names]
    for index, name in enumerate(dict.fromkeys(names)):
        text = replace_identifier(text, name, f"\u27e8x{index}\u27e9")
    return " ".join(text.split())


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def restate(name: str, signature: str) -> Candidate | None:
    """A `#check NAME` answer (`NAME.{u} BINDERS : TYPE`) as a theorem that does not name the
    lemma, or None when Lean's printing cannot be read back."""
    text = " ".join(signature.split())
    match = re.match(re.escape(name) + r"(?:\.\{(?P<univ>[^}]*)\})?\s*(?P<rest>.*)$", text)
    if match is None or any(bad in text for bad in _UNREADABLE):
        return None
    rest = match["rest"]
    for universe in (u.strip() for u in (match["univ"] or "").split(",") if u.strip()):
        rest = re.sub(rf"\b(?:Sort|Type)\s+{re.escape(universe)}\b", "Type", rest)
        if re.search(rf"(?<![\w.]){re.escape(universe)}(?![\w'])", rest):
            return None
    if not rest.startswith(("(", "{", "[", "⦃", ":")):
        return None
    topic = _TOPICS.get(name.split(".")[0], "logic" if "." not in name else name.split(".")[0].lower())
    theorem = f"pool_{topic}_{_short_hash(name)}"
    statement = f"theorem {theorem} {rest}"
    try:
        binders = parse_statement(statement).binders
    except StatementError:
        return None
    arguments = " ".join(n for b in binders for n in (b.names or ("_",)))  # every binder, in order
    proof = f"by exact @{name}{' ' + arguments if arguments else ''}"
    return Candidate(theorem, statement, proof, topic, 1, f"restates Init lemma {name}")


def library_candidates(toolchain: Toolchain, names: tuple[str, ...] = LIBRARY_LEMMAS,
                       timeout_s: float = FILE_CHECK_TIMEOUT_S) -> list[Candidate]:
    """Restatements of library lemmas, from one Lean process printing every signature (none
    without names)."""
    if not names:
        return []
    lines = [f"#check {name}" for name in names]
    with tempfile.TemporaryDirectory(prefix="prover-pool-") as tmp:
        path = Path(tmp) / "PoolCheck.lean"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run = run_lean_file(toolchain, path, timeout_s)
    if run.fault is not None:
        raise CurriculumError(f"Lean failed while printing library signatures: {run.fault} {run.fault_detail}")
    candidates = []
    for message in run.messages:
        if message.severity == "information" and 1 <= message.line <= len(names):
            candidate = restate(names[message.line - 1], message.text)
            if candidate is not None:
                candidates.append(candidate)
    return candidates


POOL_NAMESPACES = ("Nat", "Int", "List", "Bool", "Option")


def _poolable(premise, max_chars: int) -> bool:
    """A premise the pool may restate: a short `Init` statement about `Nat`, `Int`, `List`,
    `Bool`, `Option` or logic (no namespace) that Lean prints in a form that reads back."""
    return (premise.module.startswith("Init.") and len(premise.statement) <= max_chars
            and not any(bad in premise.statement for bad in _UNREADABLE)
            and (premise.name.split(".")[0] in POOL_NAMESPACES or "." not in premise.name))


def index_lemma_names(premises, round_index: int, count: int, max_chars: int = 90) -> tuple[str, ...]:
    """`count` library lemmas for round `round_index` of a growing pool, from a premise index's
    premises (:mod:`lean_env.library_index`; :func:`_poolable` ones), in a fixed pseudo-random
    order (sha256 of the name), round r taking the r-th slice, so that every round brings names
    no earlier round used."""
    eligible = sorted((p.name for p in premises if _poolable(p, max_chars)),
                      key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    start = (round_index - 1) * count
    return tuple(eligible[start:start + count])


def related_lemma_names(retriever, statements: list[str], round_index: int, count: int, skip: Iterable[str] = (),
                        per_goal: int = 16, max_chars: int = 90) -> tuple[str, ...]:
    """`count` library lemmas for round `round_index` of a growing pool, those nearest the
    training statements: each statement's goal asks the premise retriever
    (:class:`prover.premises.PremiseRetriever`, modules a file without imports sees) for its
    `per_goal` best; the :func:`_poolable` ones are ordered by the best fit they have to some goal
    (closing it, concluding it, rewriting it), then by their reciprocal ranks summed over the
    goals, then by name; lemmas in `skip` (those a benchmark problem restates, which the pool
    must not restate: :func:`excluded_keys`) are left out before slicing; round r takes the
    r-th slice. So the pool restates the lemmas the training problems' families need, not a
    random sample of thousands."""
    skip = set(skip)
    best_fit: dict[str, int] = {}
    fused: dict[str, float] = {}
    for statement in statements:
        try:
            goal = goal_text(parse_statement(statement))
        except StatementError:
            continue
        for rank, found in enumerate(retriever.retrieve(goal, per_goal)):
            if not _poolable(found.premise, max_chars) or found.premise.name in skip:
                continue
            name = found.premise.name
            best_fit[name] = max(best_fit.get(name, 0), found.fit)
            fused[name] = fused.get(name, 0.0) + 1.0 / (1 + rank)
    ordered = sorted(fused, key=lambda name: (-best_fit[name], -fused[name], name))
    start = (round_index - 1) * count
    return tuple(ordered[start:start + count])


def arithmetic_candidates(count: int, seed: int = 0) -> list[Candidate]:
    """Seeded random linear facts over `Nat`/`Int` (true by construction), closed by `omega`."""
    rng = random.Random(seed)
    candidates, attempts = [], 0
    while len(candidates) < count and attempts < count * 20:
        attempts += 1
        kind = rng.randrange(5)
        a, b, k = rng.randint(1, 60), rng.randint(1, 60), rng.randint(2, 9)
        if kind == 0:
            body = f"(x : Nat) (h : x + {a} = {a + b}) : x = {b}"
        elif kind == 1:
            body = f"(x y : Nat) (h : x ≤ y) : x + {a} ≤ y + {a}"
        elif kind == 2:
            body = f"(x : Nat) (h : {k} * x + {a} = {k * b + a}) : x = {b}"
        elif kind == 3:
            body = f"(x : Int) (h : {a} - x = {b}) : x = {a - b}"
        else:
            body = f"(x y : Nat) (h₁ : x < {a}) (h₂ : y < {b}) : x + y < {a + b - 1}"
        statement = f"theorem pool_arith_{_short_hash(body)} {body}"
        candidates.append(Candidate(f"pool_arith_{_short_hash(body)}", statement, "by omega", "arithmetic",
                                    2 if kind in (2, 4) else 1, "synthetic arithmetic"))
    return candidates


def _formula(rng: random.Random, depth: int) -> tuple[str, object]:
    """A random propositional formula over p q r: (Lean text, evaluator on a truth assignment)."""
    if depth == 0 or rng.random() < 0.25:
        atom = rng.choice("pqr")
        return atom, lambda v, atom=atom: v[atom]
    op = rng.choice(("∧", "∨", "→", "↔", "¬"))
    if op == "¬":
        text, f = _formula(rng, depth - 1)
        return f"¬{_wrap(text)}", lambda v: not f(v)
    (lt, lf), (rt, rf) = _formula(rng, depth - 1), _formula(rng, depth - 1)
    semantics = {"∧": lambda x, y: x and y, "∨": lambda x, y: x or y, "→": lambda x, y: (not x) or y,
                 "↔": lambda x, y: x == y}[op]
    return f"{_wrap(lt)} {op} {_wrap(rt)}", lambda v: semantics(lf(v), rf(v))


def _wrap(text: str) -> str:
    """An operand as Lean text: atoms and negations bare, other formulas in parentheses."""
    return text if len(text) == 1 or (text.startswith("¬") and _is_unit(text[1:])) else f"({text})"


def _is_unit(text: str) -> bool:
    return len(text) == 1 or (text.startswith("(") and text.endswith(")") and text.count("(") == 1)


def logic_candidates(count: int, seed: int = 0) -> list[Candidate]:
    """Seeded random propositional tautologies over `p q r` (checked by truth table), closed by `grind`."""
    rng = random.Random(seed)
    candidates, seen, attempts = [], set(), 0
    while len(candidates) < count and attempts < count * 200:
        attempts += 1
        text, evaluate = _formula(rng, 3)
        atoms = sorted(set(re.findall(r"\b[pqr]\b", text)))
        if len(atoms) < 2 or text in seen or len(text) > 120:
            continue
        if not all(evaluate(dict(zip("pqr", values))) for values in product((False, True), repeat=3)):
            continue
        seen.add(text)
        body = f"({' '.join(atoms)} : Prop) : {text}"
        name = f"pool_logic_{_short_hash(body)}"
        candidates.append(Candidate(name, f"theorem {name} {body}", "by grind", "logic", 2, "synthetic logic"))
    return candidates


FAMILY_ORIGIN = "synthetic family"


@dataclass(frozen=True)
class Family:
    """A parametrised family of statements of the `core` dev split, with the proof of every
    instance: `statement` (binders and type) and `proof` (tactic lines) are format strings
    filled with the constants `draw(rng)` returns."""

    name: str
    topic: str
    generalises: str  # the core dev problem(s) the family is drawn from
    statement: str
    proof: tuple[str, ...]
    draw: Callable[[random.Random], dict[str, int]]


def _constant(low: int, high: int) -> Callable[[random.Random], dict[str, int]]:
    """A draw of one constant `c` in [low, high] (and `d` = c - 1)."""
    def draw(rng: random.Random) -> dict[str, int]:
        c = rng.randint(low, high)
        return {"c": c, "d": c - 1}
    return draw


def _one_mod(rng: random.Random) -> dict[str, int]:
    """A modulus m, a ≡ 1 and b ≡ -1 (mod m)."""
    m = rng.randint(3, 11)
    return {"m": m, "a": m * rng.randint(1, 4) + 1, "b": m * rng.randint(0, 3) + m - 1}


def _below_base(rng: random.Random) -> dict[str, int]:
    """A slope a and a base b > a (so that a * n + 1 ≤ b ^ n for every n)."""
    a = rng.randint(1, 6)
    return {"a": a, "b": rng.randint(a + 1, 9)}


def _start_and_step(rng: random.Random) -> dict[str, int]:
    """A start value b and a step c."""
    return {"b": rng.randint(1, 9), "c": rng.randint(2, 9)}


_INDUCTION_N = ("induction n with", "| zero => simp_all")
FAMILIES: tuple[Family, ...] = (
    Family("pow_dvd", "divisibility", "div_three_seven_pow_add_two, ind_five_dvd_six_pow_add_four",
           "(n : Nat) : {m} ∣ {a} ^ n + {b}", ("simp [Nat.dvd_iff_mod_eq_zero, Nat.add_mod, Nat.pow_mod]",), _one_mod),
    Family("range_const_sum", "induction", "ind_map_const_three_sum",
           "(n : Nat) : ((List.range n).map (fun _ => {c})).sum = {c} * n",
           (*_INDUCTION_N, "| succ k ih => simp_all [List.range_succ] <;> omega"), _constant(2, 9)),
    Family("replicate_sum", "induction", "ind_replicate_sum, ind_replicate_two_sum",
           "(n : Nat) : (List.replicate n {c}).sum = {c} * n",
           (*_INDUCTION_N, "| succ k ih => simp_all [List.replicate_succ] <;> omega"), _constant(2, 9)),
    Family("repeat_mul", "induction", "ind_repeat_double", "(n : Nat) : Nat.repeat (fun x => {c} * x) n 1 = {c} ^ n",
           ("induction n with", "| zero => rfl", "| succ k ih => simp_all [Nat.repeat, Nat.pow_succ, Nat.mul_comm]"),
           _constant(3, 9)),
    Family("sum_le_bound", "induction", "ind_sum_le_length_mul",
           "(l : List Nat) (h : ∀ x ∈ l, x ≤ {c}) : l.sum ≤ l.length * {c}",
           ("induction l with", "| nil => simp", "| cons x xs ih => simp_all [Nat.succ_mul]; omega"), _constant(2, 9)),
    Family("geometric_sum", "induction", "ind_geometric_three, ind_sum_two_pows",
           "(n : Nat) : {d} * ((List.range n).map (fun i => {c} ^ i)).sum + 1 = {c} ^ n",
           ("induction n with", "| zero => simp",
            "| succ k ih => simp [List.range_succ, Nat.pow_succ, Nat.mul_add] at *; omega"), _constant(4, 8)),
    Family("pow_lower_bound", "inequalities", "ineq_linear_le_three_pow, ineq_succ_le_two_pow",
           "(n : Nat) : {a} * n + 1 ≤ {b} ^ n",
           ("induction n with", "| zero => simp", "| succ k ih => rw [Nat.pow_succ]; omega"), _below_base),
    Family("filter_sum_le", "lists", "list_sum_filter_le",
           "(l : List Nat) : (l.filter (fun x => x % {c} == 0)).sum ≤ l.sum",
           ("induction l with", "| nil => simp",
            "| cons x xs ih => cases hp : x % {c} == 0 <;> simp_all [List.filter_cons] <;> omega"), _constant(2, 9)),
    Family("nat_rec_linear", "recursion", "rec_nat_rec_add_two",
           "(n : Nat) : Nat.rec (motive := fun _ => Nat) {b} (fun _ acc => acc + {c}) n = {c} * n + {b}",
           ("induction n with", "| zero => rfl", "| succ k ih => show _ + {c} = _; omega"), _start_and_step),
)


def family_candidates(count: int, seed: int = 0) -> list[Candidate]:
    """`count` instances of :data:`FAMILIES` (families the `core` dev split has, each proof an
    induction or a rewrite with named lemmas that one-shot automation does not find), the
    families taken in turn from the `seed`-th slice (so that consecutive seeds, a run's rounds,
    bring other families), the constants drawn with `seed`."""
    rng = random.Random(f"families-{seed}")
    candidates = []
    for offset in range(count):
        family = FAMILIES[(seed * count + offset) % len(FAMILIES)]
        constants = family.draw(rng)
        body = family.statement.format(**constants)
        name = f"pool_{family.topic[:3]}_{_short_hash(body)}"
        proof = render_script(["\n".join(line.format(**constants) for line in family.proof)])
        candidates.append(Candidate(name, f"theorem {name} {body}", proof, family.topic, 3,
                                    f"{FAMILY_ORIGIN} {family.name} (like {family.generalises})"))
    return candidates


def teaches_by_reference(origin: str) -> bool:
    """Whether a pool statement's Lean-checked reference proof is worth a training step: a
    restated lemma's `exact @LEMMA args` and a family's induction or rewrite (not the synthetic
    arithmetic and logic, which one-shot automation closes)."""
    return restated_lemma(origin) is not None or origin.startswith(FAMILY_ORIGIN)


def excluded_keys(suites: list[str]) -> tuple[set[str], set[str]]:
    """Normalised statements of the `core` suite (every split) and the given suites, and the
    library lemmas that core problems restate."""
    from lean_prover.prover.suite import SuiteError, load_suite

    keys, lemmas = set(), set()
    for suite in ["core", *suites]:
        try:
            problems = load_suite(suite)
        except SuiteError as exc:
            raise CurriculumError(str(exc)) from None
        for problem in problems:
            keys.add(statement_key(problem.statement))
            lemma = restated_lemma(problem.origin)
            if lemma:
                lemmas.add(lemma)
    return keys, lemmas


def build_pool(toolchain: Toolchain, out: Path, arithmetic: int = 40, logic: int = 40, seed: int = 0,
               exclude: list[str] = (), names: tuple[str, ...] = LIBRARY_LEMMAS, families: int = 0,
               progress=lambda _m: None) -> PoolReport:
    """Generate, decontaminate, deduplicate and Lean-check the pool; write it to `out` (a suite .jsonl)."""
    if arithmetic < 0 or logic < 0 or families < 0:
        raise CurriculumError("--arithmetic, --logic and --families must be at least 0")
    keys, core_lemmas = excluded_keys(list(exclude))
    progress(f"printing {len(names)} library signatures")
    library = library_candidates(toolchain, names)
    sources = {"library": library, "arithmetic": arithmetic_candidates(arithmetic, seed),
               "logic": logic_candidates(logic, seed), "families": family_candidates(families, seed)}
    dropped: dict[str, int] = {"unreadable_signature": len(names) - len(library), "benchmark_overlap": 0,
                               "duplicate": 0, "lean_rejected": 0}
    kept: list[Candidate] = []
    seen: set[str] = set()
    for candidate in (c for group in sources.values() for c in group):
        key = statement_key(candidate.statement)
        if key in keys or restated_lemma(candidate.origin) in core_lemmas:
            dropped["benchmark_overlap"] += 1
        elif key in seen or any(c.name == candidate.name for c in kept):
            dropped["duplicate"] += 1
        else:
            seen.add(key)
            kept.append(candidate)
    progress(f"checking {len(kept)} statements with their reference proofs in Lean")
    with tempfile.TemporaryDirectory(prefix="prover-pool-") as tmp:
        path = Path(tmp) / "PoolStatements.lean"
        path.write_text("\n\n".join(f"{c.statement} := {c.proof}" for c in kept) + "\n", encoding="utf-8")
        result = check_file(toolchain, path, CheckOptions(timeout_s=900.0, file_syntax="trusted"))
    if result.status not in ("proved", "failed"):
        raise CurriculumError(f"Lean failed while checking the pool: {result.status} {result.detail}")
    status = {d.name.rsplit(".", 1)[-1]: d.status for d in result.declarations}
    accepted = [c for c in kept if status.get(c.name) == "proved"]
    dropped["lean_rejected"] = len(kept) - len(accepted)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps({**{k: v for k, v in c.problem().to_dict().items() if k != "reference_proof"},
                                       "proof": c.proof}, ensure_ascii=False) + "\n" for c in accepted),
                   encoding="utf-8")
    return PoolReport(str(out), len(accepted), {k: len(v) for k, v in sources.items()}, dropped, 2)
