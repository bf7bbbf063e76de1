"""The planner: structural and LM sketches, and their check in Lean (one Lean process in all)."""

from __future__ import annotations

import pytest

import lean_prover.prover.planner as planner_module
from lean_prover.prover.backends import Completion
from lean_prover.prover.planner import HaveStep, Planner, Sketch, parse_sketch, sketch_file, structural_sketches
from lean_prover.prover.statement import parse_statement

THEOREM = "theorem plan (p q : Prop) (h : p ∨ q) (n : Nat) : (q ∨ p) ∧ n + 0 = n := by sorry"
GOOD_LM = "have hqp : q ∨ p := by sorry\nexact ⟨hqp, by omega⟩"
WRONG_TYPE_LM = "have hq : q := by sorry\nexact ⟨Or.inl hq, hq⟩"          # hq is no proof of n + 0 = n
UNCLOSED_LM = "have hp : p := by sorry\nconstructor"                      # leaves goals open
GARBAGE_LM = ["sorry", "have x : (p := by sorry\nrfl", "", "have h : p := by sorry\nexact sorry", "#eval 1",
              "have h : p := by sorry"]


class StubModel:
    """A planner model whose completions are fixed (one list per prompt)."""

    def __init__(self, texts: list[str], unfinished: list[str] = ()) -> None:
        self.texts, self.unfinished, self.prompts = texts, list(unfinished), []

    def complete(self, prompts, n, stop="\n", max_new_tokens=None):
        self.prompts += prompts
        found = [Completion(t, -1.0 - i) for i, t in enumerate(self.texts)]
        found += [Completion(t, -0.5, finished=False) for t in self.unfinished]
        return [found[:n + len(self.unfinished)] for _ in prompts]


# -- sketches without Lean ----------------------------------------------------------------

def origins(statement: str) -> list[str]:
    return [s.origin for s in structural_sketches(parse_statement(statement))]


def test_structural_split_and():
    sketch, = structural_sketches(parse_statement("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q"))
    assert sketch.tactics() == ["have h1 : p := by sorry", "have h2 : q := by sorry", "exact ⟨h1, h2⟩"]
    assert sketch.proof() == "by\n  have h1 : p := by sorry\n  have h2 : q := by sorry\n  exact ⟨h1, h2⟩"
    assert sketch.subgoals() == ["p", "q"]


def test_structural_iff_intro_and_or():
    sketch, = structural_sketches(parse_statement("theorem i (p q : Prop) : p ∧ q ↔ q ∧ p"))
    assert sketch.origin == "split-iff" and sketch.subgoals() == ["(p ∧ q) → (q ∧ p)", "(q ∧ p) → (p ∧ q)"]
    sketch, = structural_sketches(parse_statement("theorem f : ∀ (a b : Nat), a + b = b + a ∧ a * b = b * a"))
    assert sketch.intros == ("a", "b") and sketch.subgoals() == ["a + b = b + a", "a * b = b * a"]
    sketch, = structural_sketches(parse_statement("theorem o (p q r : Prop) (h : p ∨ q) (f : p → r) (g : q → r) : r"))
    assert sketch.origin == "cases-or" and sketch.closing == "exact h.elim h_left h_right"
    assert origins("theorem c (p q : Prop) : p ∨ q → q ∨ p") == ["cases-or"]


def test_structural_induction_skeletons():
    sketch, = structural_sketches(parse_statement("theorem s (n : Nat) : 2 * n = n + n"))
    assert sketch.subgoals() == ["2 * 0 = 0 + 0", "∀ k, (2 * k = k + k) → (2 * (k + 1) = (k + 1) + (k + 1))"]
    assert sketch.closing == "induction n with\n| zero => exact base\n| succ k ih => exact step k ih"
    sketch, = structural_sketches(parse_statement("theorem l (xs : List Nat) : xs.reverse.length = xs.length"))
    assert sketch.subgoals()[0] == "([] : List Nat).reverse.length = ([] : List Nat).length"
    # a hypothesis that mentions the variable, or a target that re-binds it: no text induction
    assert origins("theorem d (n : Nat) (h : 0 < n) : n ≠ 0") == []
    assert origins("theorem e (n : Nat) : ∀ n : Nat, n = n") == []
    assert origins("theorem f (n : Nat) : (fun n => n) n = n") == []
    # a `fun` whose body mentions the variable does not bind it
    assert origins("theorem g (n : Nat) : ((List.range n).map (fun _ => 3)).sum = 3 * n") == ["induction"]


def test_no_structure_no_sketch():
    assert origins("theorem t (a b : Prop) (h : a) : a") == []


def test_parse_lm_sketch():
    sketch = parse_sketch("  intro a b\n  have h1 : a ≤ b := by sorry\n  omega", -3.0)
    assert sketch == Sketch((HaveStep("h1", "a ≤ b"),), "omega", ("a", "b"), "lm", -3.0)
    multi = parse_sketch("have h : p := by sorry\ncases h with\n| intro a => exact a")
    assert multi.closing == "cases h with\n| intro a => exact a"
    for text in GARBAGE_LM + ["intros\nomega", "have h : p := by sorry\nrun_tac pure ()", "have h : p := by sorry\n("]:
        assert parse_sketch(text) is None, text


def test_lm_candidates_with_garbage_never_raise():
    model = StubModel(GARBAGE_LM, unfinished=[GOOD_LM])
    planner = Planner(toolchain=None, model=model, num_sketches=len(GARBAGE_LM))
    found = planner.candidates("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q")
    assert [s.origin for s in found] == ["split-and"]
    assert model.prompts == ["[THEOREM]\ntheorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q\n[SKETCH]\n"]
    assert Planner(model=object()).model is None  # a policy without `complete` (rules) proposes nothing


def test_the_planner_prompt_shows_the_premises_retrieved_for_the_theorem():
    """No Lean (a retriever answering from a list): ReProver's `<a>NAME</a> STATEMENT` blocks
    before the sketch prompt, and `--` lines after a whole-proof format's context."""
    from types import SimpleNamespace

    from lean_prover.prover.prompt_formats import resolve_format

    asked = []

    class Listed:
        def retrieve(self, state, k, imports=()):
            asked.append((state, k, tuple(imports)))
            statement = "Nat.dvd_add {a b c : Nat} (h₁ : a ∣ b) (h₂ : a ∣ c) : a ∣ b + c"
            return [SimpleNamespace(premise=SimpleNamespace(name="Nat.dvd_add", statement=statement), score=2.0)]

    theorem = "theorem t (x y z : Nat) (hy : x ∣ y) (hz : x ∣ z) : x ∣ y + z"
    model = StubModel([])
    Planner(toolchain=None, model=model, retriever=Listed(), premises=3).candidates(theorem)
    assert model.prompts == ["<a>Nat.dvd_add</a> {a b c : Nat} (h₁ : a ∣ b) (h₂ : a ∣ c) : a ∣ b + c\n\n"
                             f"[THEOREM]\n{theorem}\n[SKETCH]\n"]
    assert asked == [("x y z : Nat\nhy : x ∣ y\nhz : x ∣ z\n⊢ x ∣ y + z", 3, ())]
    whole = StubModel([])
    Planner(toolchain=None, model=whole, retriever=Listed(), prompt_format=resolve_format("deepseek-prover-v2"),
            ).candidates(theorem, "import Std")
    assert "import Std\n\n-- Library lemmas that may help:\n-- Nat.dvd_add {a b c : Nat}" in whole.prompts[0][0].content
    assert asked[-1][2] == ("Std",)


def test_sketch_file_one_copy_per_sketch():
    statement = parse_statement(THEOREM)
    sketches = structural_sketches(statement)
    text, names = sketch_file(statement, sketches, "-- context")
    assert names == ["plan_sketch1", "plan_sketch2", "plan_sketch3"]
    assert text.startswith("-- context\n\ntheorem plan_sketch1 (p q : Prop) (h : p ∨ q) (n : Nat) : "
                           "(q ∨ p) ∧ n + 0 = n := by\n  have h1 : q ∨ p := by sorry")
    assert text.count("theorem ") == 3


# -- the check in Lean (one Lean process) -------------------------------------------------

@pytest.fixture(scope="module")
def planned(toolchain):
    calls = []
    real = planner_module.check_file

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    planner_module.check_file = counting
    try:
        model = StubModel([GOOD_LM, WRONG_TYPE_LM, UNCLOSED_LM, *GARBAGE_LM])
        planner = Planner(toolchain, model=model, num_sketches=16)
        accepted = planner.decompose(THEOREM)
        return {"accepted": accepted, "verdicts": planner.last_verdicts, "lean_runs": len(calls)}
    finally:
        planner_module.check_file = real


def test_all_candidates_checked_in_one_lean_file(planned):
    assert planned["lean_runs"] == 1
    assert [v.sketch.origin for v in planned["verdicts"]] == ["split-and", "cases-or", "induction", "lm", "lm", "lm"]


def test_sketches_lean_accepts(planned):
    accepted = planned["accepted"]
    assert [s.origin for s in accepted] == ["split-and", "cases-or", "induction", "lm"]
    assert accepted[3].closing == "exact ⟨hqp, by omega⟩" and accepted[3].score == -1.0
    for verdict in planned["verdicts"][:4]:
        assert verdict.accepted and verdict.status == "sorry" and verdict.errors == []


def test_sketches_lean_rejects(planned):
    wrong_type, unclosed = planned["verdicts"][4:]
    assert not wrong_type.accepted and wrong_type.status == "error"
    assert any("mismatch" in e.lower() for e in wrong_type.errors)
    assert not unclosed.accepted and unclosed.status == "error"
    assert any("unsolved goals" in e for e in unclosed.errors)
