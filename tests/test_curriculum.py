"""The training theorem pool: restatements, synthetic statements, decontamination, Lean check.

Real Lean: one `prover train pool` run (2 Lean processes: the library signatures, the check).
"""

from __future__ import annotations

import dataclasses
import json
import re
from itertools import product
from pathlib import Path

import pytest

from lean_prover.prover.suite import load_suite
from lean_prover.training.curriculum import (FAMILIES, arithmetic_candidates, excluded_keys, family_candidates,
                                             logic_candidates, restate, statement_key, teaches_by_reference)


def test_statement_key_ignores_names_binder_names_and_spacing() -> None:
    a = statement_key("theorem a (n m : Nat) : n + m = m + n")
    assert a == statement_key("theorem b (x y : Nat) :\n  x + y = y + x")
    assert a != statement_key("theorem c (n m : Nat) : n * m = m * n")
    assert a != statement_key("theorem d (n m : Int) : n + m = m + n")


def test_restate_reads_lean_signatures_without_naming_the_lemma() -> None:
    # `#check` answers as the embedded Lean 4.28 prints them
    nat = restate("Nat.add_comm", "Nat.add_comm (n m : Nat) : n + m = m + n")
    assert nat.statement == f"theorem {nat.name} (n m : Nat) : n + m = m + n"
    assert "add_comm" not in nat.name and nat.proof == "by exact @Nat.add_comm n m"
    lists = restate("List.map_map", "List.map_map.{u_1, u_2, u_3} {β : Type u_1} {γ : Type u_2} {α : Type u_3} "
                                    "{g : β → γ} {f : α → β} {l : List α} :\n  List.map g (List.map f l) = List.map (g ∘ f) l")
    assert lists.statement.endswith("{β : Type} {γ : Type} {α : Type} {g : β → γ} {f : α → β} {l : List α} : "
                                    "List.map g (List.map f l) = List.map (g ∘ f) l")
    assert lists.proof == "by exact @List.map_map β γ α g f l"
    inst = restate("List.mem_of", "List.mem_of {α : Type} [BEq α] {a : α} : a = a")
    assert inst.proof == "by exact @List.mem_of α _ a"  # anonymous instance binders are left to Lean
    assert restate("Foo.bar", "Foo.bar {x✝ : Nat} : x✝ = x✝") is None  # not readable back
    assert restate("Foo.baz", "Foo.baz.{u} {α : Sort (max 1 u)} : α = α") is None  # universe left over


def _truth(formula: str, values: dict[str, bool]) -> bool:
    """Evaluate a generated formula: every binary operand is an atom, a negation or parenthesised."""
    def operand(text: str) -> tuple[bool, str]:
        text = text.lstrip()
        if text.startswith("¬"):
            value, rest = operand(text[1:])
            return not value, rest
        if text.startswith("("):
            depth = 0
            for index, char in enumerate(text):
                depth += {"(": 1, ")": -1}.get(char, 0)
                if depth == 0:
                    return _truth(text[1:index], values), text[index + 1:]
        return values[text[0]], text[1:]

    left, rest = operand(formula)
    rest = rest.strip()
    if not rest:
        return left
    right, tail = operand(rest[1:])
    assert not tail.strip(), formula
    return {"∧": left and right, "∨": left or right, "→": (not left) or right, "↔": left == right}[rest[0]]


def test_synthetic_statements_are_true_and_seeded() -> None:
    logic = logic_candidates(30, seed=3)
    assert len(logic) == 30 and logic == logic_candidates(30, seed=3)
    for candidate in logic:  # every formula is a tautology, evaluated independently of the generator
        formula = candidate.statement.split(" : Prop) : ", 1)[1]
        assert all(_truth(formula, dict(zip("pqr", v))) for v in product((False, True), repeat=3)), formula
    assert _truth("p → q", {"p": True, "q": False}) is False  # the evaluator itself can say no
    arithmetic = arithmetic_candidates(25, seed=1)
    assert len({c.name for c in arithmetic}) == len(arithmetic)
    for candidate in arithmetic:
        found = re.search(r"\(h : x \+ (\d+) = (\d+)\) : x = (\d+)", candidate.statement)
        if found:
            assert int(found[2]) - int(found[1]) == int(found[3])


def test_families_bring_other_families_each_round_and_teach_their_whole_proof() -> None:
    """No Lean: consecutive seeds (a run's rounds) take other families, constants change with the
    seed, and an instance's reference step is its whole induction block (or its rewrite)."""
    from lean_prover.training.data import reference_steps

    family = {f.name: f for f in FAMILIES}
    first, second = (family_candidates(2, seed) for seed in (1, 2))
    names = [[c.origin.split()[2] for c in cs] for cs in (first, second)]
    assert all(n in family for n in names[0] + names[1]) and not set(names[0]) & set(names[1])
    assert family_candidates(2, 1) == first and family_candidates(2, 4) != first  # seeded
    assert all(teaches_by_reference(c.origin) for c in first)
    assert teaches_by_reference("restates Init lemma Nat.dvd_add")
    assert not teaches_by_reference("synthetic arithmetic") and not teaches_by_reference("synthetic logic")
    blocks = {c.origin.split()[2]: step.tactic for c in family_candidates(len(FAMILIES), 0)
              for step in reference_steps([c.problem()])}
    assert set(blocks) == set(family)  # every family gives a step
    assert blocks["range_const_sum"] == \
        "induction n with\n| zero => simp_all\n| succ k ih => simp_all [List.range_succ] <;> omega"
    assert blocks["pow_dvd"] == "simp [Nat.dvd_iff_mod_eq_zero, Nat.add_mod, Nat.pow_mod]"
    problem = first[0].problem()
    for proof, tactic in (("by\n  intro h\n  exact h", "intro h"), ("by exact foo", "exact foo"),
                          ("by induction n with\n  | zero => rfl\n  | succ k ih => omega\n  done",
                           "induction n with\n| zero => rfl\n| succ k ih => omega"),
                          ("by\n  induction n with\n  exact h", None)):
        steps = reference_steps([dataclasses.replace(problem, reference_proof=proof)])
        assert [s.tactic for s in steps] == ([tactic] if tactic else []), proof


def test_core_suite_is_excluded_in_every_split() -> None:
    keys, lemmas = excluded_keys([])
    core = load_suite("core")
    assert {p.split for p in core} == {"dev", "test"}
    assert all(statement_key(p.statement) in keys for p in core)
    assert "and_or_left" in lemmas  # core's logic_and_or_distrib restates it


@pytest.fixture(scope="module")
def pool(toolchain, tmp_path_factory) -> tuple[Path, dict, str]:
    """`prover train pool` with a private benchmark file that contains one would-be pool statement."""
    from lean_prover.app.cli import build_parser, dispatch

    work = tmp_path_factory.mktemp("pool")
    leaked = arithmetic_candidates(12, seed=0)[0]
    renamed = re.sub(r"\bx\b", "z", leaked.statement.replace(leaked.name, "bench_leak"))
    bench = work / "bench.jsonl"
    bench.write_text(json.dumps({"name": "bench_leak", "statement": renamed, "split": "test"}) + "\n")
    out = work / "pool.jsonl"
    args = build_parser().parse_args(["train", "pool", "--out", str(out), "--arithmetic", "12", "--logic", "12",
                                      "--families", "12", "--exclude", str(bench), "--json"])
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert dispatch(args) == 0
    return out, json.loads(printed.getvalue()), leaked.statement


def test_pool_is_a_loadable_checked_decontaminated_suite(pool) -> None:
    out, report, leaked = pool
    problems = load_suite(str(out))
    assert len(problems) == report["written"] >= 100
    assert {p.split for p in problems} == {"dev"}
    assert {"nat", "list", "bool", "logic", "arithmetic"} <= {p.topic for p in problems}
    keys, lemmas = excluded_keys([])
    assert not any(statement_key(p.statement) in keys for p in problems)
    assert not any(p.origin.removeprefix("restates Init lemma ") in lemmas for p in problems)
    assert len({statement_key(p.statement) for p in problems}) == len(problems)
    assert statement_key(leaked) not in {statement_key(p.statement) for p in problems}  # the benchmark exclusion
    assert report["dropped"]["benchmark_overlap"] >= 2  # core restatements and the leaked statement
    library = [p for p in problems if p.origin.startswith("restates")]
    assert library and all(p.origin.split()[-1] not in p.statement for p in library)  # lemma not named
    assert sum(report["candidates"].values()) == \
        len(problems) + sum(v for k, v in report["dropped"].items() if k != "unreadable_signature")
    # every family instance that does not restate a core problem (nor repeat another) is proved by
    # its reference proof in Lean, so every family is in the pool
    expected = {statement_key(c.statement) for c in family_candidates(12, 0)} - keys
    written = {statement_key(p.statement) for p in problems if p.origin.startswith("synthetic family")}
    assert written == expected and {p.origin.split()[2] for p in problems
                                    if p.origin.startswith("synthetic family")} == {f.name for f in FAMILIES}


def test_pool_cli_bad_input(tmp_path: Path) -> None:
    from lean_prover.app.cli import build_parser, dispatch
    from lean_prover.app.console import CommandError

    args = build_parser().parse_args(["train", "pool", "--out", str(tmp_path / "p.jsonl"), "--exclude", "/no/such/suite"])
    with pytest.raises(CommandError, match="no suite named"):
        dispatch(args)
