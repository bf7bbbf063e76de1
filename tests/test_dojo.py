"""Tactic-level interaction (lean_env.dojo, lean_env.file_engine): the file engine on real Lean, and its fault
isolation on a scripted stand-in for Lean.

Real Lean runs, 6 in all: fixture `session` (initial state + 2 batches), fixture
`file_session` (initial state + 1 batch), and one `check_file` re-checking every
`ProofFinished` script at once.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lean_prover.lean_env.dojo import Dojo, LeanCrash, LeanError, ProofFinished, TacticState, TacticTimeout, Theorem
from lean_prover.lean_env.file_engine import FileEngine
from lean_prover.lean_env.results import indent_tactic
from lean_prover.lean_env.tactic_guard import tactic_problem
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.process import LeanRun
from lean_prover.lean_env.verify import check_file

STATEMENT = "theorem t (p q : Prop) (hp : p) (hq : q) (n : Nat) : p ∧ q ∧ n + 0 = n := by sorry"
# Five shallow `decide`s of 400-800 kilo-heartbeats each: far over the 1000 this session allows.
SLOW = "have : " + " ∧ ".join(f"(∀ x < 150, x * x ≠ {12345 + i})" for i in range(5)) + " := by decide"
FIRST_BATCH = {
    "constructor": "constructor",
    "apply": "apply And.intro",
    "error": "exact hq",
    "induction": "induction n",
    "alternative_fails": "induction n with\n| zero => simp\n| succ k ih => skip",
    "one_step": "exact ⟨hp, hq, by simp⟩",
    "sorry": "sorry",
    "slow": SLOW,
    "multi_line": "constructor\nexact hp",
    "intro": "intro h",
    # names that are not hypotheses of the goal (prover.statement.names_missing_local)
    "missing_induction": "induction m",
    "missing_cases": "cases hr with\n| inl h => exact h\n| inr h => exact h",
    "missing_rcases": "rcases hpq with ⟨a, b⟩",
    "missing_subst": "subst k",
}
MISSING_LOCAL = ("missing_induction", "missing_cases", "missing_rcases", "missing_subst")
CONTEXT_FILE = """\
namespace Demo

theorem add_zero' (n : Nat) : n + 0 = n := by simp

/-- The theorem to prove. -/
theorem target (a b : Nat) (h : a = b) : a + 0 = b := by
  sorry

end Demo
"""


@pytest.fixture(scope="module")
def session(toolchain):
    """One Dojo on STATEMENT; everything it computes, from three Lean runs."""
    theorem = Theorem.from_statement(STATEMENT)
    with Dojo(theorem, toolchain=toolchain, heartbeats=1000) as (dojo, initial):
        assert isinstance(initial, TacticState), initial
        first = dict(zip(FIRST_BATCH, dojo.run_tacs([(initial, t) for t in FIRST_BATCH.values()])))
        runs_after_first = dojo.engine.runs
        cached = dojo.run_tac(initial, "constructor")  # answered from the Dojo's cache
        runs_after_cached = dojo.engine.runs
        step2 = dojo.run_tacs([(first["constructor"], "exact hp"), (first["induction"], "all_goals simp [hp, hq]")])
        return {"theorem": theorem, "dojo": dojo, "initial": initial, "first": first, "cached": cached,
                "runs_after_first": runs_after_first, "runs_after_cached": runs_after_cached,
                "step2": step2, "runs": dojo.engine.runs}


@pytest.fixture(scope="module")
def file_session(toolchain, tmp_path_factory):
    """A theorem from a file: namespace and an earlier lemma in its context (two Lean runs)."""
    path = tmp_path_factory.mktemp("ctx") / "Context.lean"
    path.write_text(CONTEXT_FILE, encoding="utf-8")
    theorem = Theorem.from_file(path, "target")
    with Dojo(theorem, toolchain=toolchain) as (dojo, initial):
        results = dojo.run_tacs([(initial, "rw [add_zero']"), (initial, "rw [add_zero']\nexact h"),
                                 (initial, "exact (Demo.add_zero' a).trans h"), (initial, "exact undefined_lemma")])
    return {"theorem": theorem, "initial": initial, "results": results}


# ---------------------------------------------------------------------------------------------
# real Lean


def test_initial_state(session):
    initial = session["initial"]
    assert initial.id == 0 and initial.tactics == () and len(initial.goals) == 1
    assert initial.pp == "p q : Prop\nhp : p\nhq : q\nn : Nat\n⊢ p ∧ q ∧ n + 0 = n"
    assert initial.goals[0].names == ["p", "q", "hp", "hq", "n"] and initial.goals[0].target == "p ∧ q ∧ n + 0 = n"


def test_constructor_gives_two_goals(session):
    state = session["first"]["constructor"]
    assert isinstance(state, TacticState) and state.tactics == ("constructor",) and state.id > 0
    assert [g.case for g in state.goals] == ["left", "right"]
    assert [g.target for g in state.goals] == ["p", "q ∧ n + 0 = n"]
    assert state.pp.startswith("case left\np q : Prop\n")


def test_induction_case_tags_and_inaccessible_names(session):
    state = session["first"]["induction"]
    assert isinstance(state, TacticState)
    zero, succ = state.goals
    assert (zero.case, succ.case) == ("zero", "succ")
    assert zero.target == "p ∧ q ∧ 0 + 0 = 0"
    assert succ.names[-2:] == ["n✝", "a✝"] and succ.target == "p ∧ q ∧ n✝ + 1 + 0 = n✝ + 1"


def test_erroring_tactics(session):
    first = session["first"]
    assert isinstance(first["error"], LeanError) and "mismatch" in first["error"].error.lower()
    assert isinstance(first["intro"], LeanError) and "introN" in first["intro"].error
    # an alternative of the new tactic leaving goals is the tactic's error, not a new state
    assert isinstance(first["alternative_fails"], LeanError)
    assert first["alternative_fails"].error.startswith("unsolved goals\ncase zero")
    assert isinstance(first["sorry"], LeanError) and "sorry" in first["sorry"].error


def test_tactics_flagged_as_naming_a_missing_local_are_rejected_by_lean(session):
    from lean_prover.prover.statement import names_missing_local

    state = session["initial"].pp
    for key in MISSING_LOCAL:
        assert names_missing_local(state, FIRST_BATCH[key]), key
        assert isinstance(session["first"][key], LeanError), key
    for key in ("induction", "alternative_fails"):  # `induction n` names a hypothesis: not flagged
        assert not names_missing_local(state, FIRST_BATCH[key])
    assert isinstance(session["first"]["induction"], TacticState)


def test_heartbeat_timeout_is_that_pair_only(session):
    slow = session["first"]["slow"]
    assert isinstance(slow, TacticTimeout) and "heartbeats" in slow.detail
    assert isinstance(session["first"]["one_step"], ProofFinished)


# Recursion without limits: the WebAssembly Lean process dies (a native Lean overflows its
# stack or runs into the wall-clock limit); either way the Lean process is gone mid-batch.
PROCESS_KILLER = ("set_option maxHeartbeats 0 in\nset_option maxRecDepth 1000000000 in\n"
                  "repeat (first | (have : True := trivial; clear this) | skip)")


def test_a_lean_process_dying_mid_batch_costs_only_its_pair(toolchain):
    theorem = Theorem.from_statement("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q")
    with Dojo(theorem, toolchain=toolchain, timeout_s=120) as (dojo, initial):
        runs_before = dojo.engine.runs
        results = dojo.run_tacs([(initial, "constructor"), (initial, "exact ⟨hp, hq⟩"),
                                 (initial, PROCESS_KILLER), (initial, "exact hq"), (initial, "exact ⟨hp, hq⟩ ")])
        batch_runs = dojo.engine.runs - runs_before
        after = dojo.run_tac(results[0], "exact hp")  # the Dojo keeps working after the fault
    assert isinstance(results[2], (LeanCrash, TacticTimeout)), results[2]
    assert isinstance(results[0], TacticState) and len(results[0].goals) == 2
    assert isinstance(results[1], ProofFinished)
    assert isinstance(results[3], LeanError) and isinstance(results[4], ProofFinished)
    # The dead process may have printed nothing of the probes before the killer: the engine
    # bisects, so one fault among 5 pairs costs at most 1 + 2·ceil(log2 5) runs, plus one run
    # that re-checks the context when its marker was lost too; never one run per pair and more.
    assert 3 <= batch_runs <= 1 + 2 * math.ceil(math.log2(5)) + 1
    assert isinstance(after, TacticState) and len(after.goals) == 1


def test_duplicate_states_share_a_hash(session):
    first, step2 = session["first"], session["step2"]
    assert first["apply"].hash == first["constructor"].hash
    assert first["apply"].tactics != first["constructor"].tactics and first["apply"].id != first["constructor"].id
    # two steps and one two-line tactic reach the same state
    assert isinstance(step2[0], TacticState) and step2[0].hash == first["multi_line"].hash
    assert step2[0].goals[0].case == "right"
    assert first["constructor"].hash != session["initial"].hash != first["induction"].hash


def test_batches_are_one_lean_run_each_and_repeats_are_cached(session):
    assert session["runs_after_first"] == 2  # initial state + first batch
    assert session["runs_after_cached"] == 2 and session["cached"] == session["first"]["constructor"]
    assert session["runs"] == 3


def test_multi_step_proof_finishes(session):
    done = session["step2"][1]
    assert isinstance(done, ProofFinished)
    assert done.tactics == ("induction n", "all_goals simp [hp, hq]")
    assert done.script == "by\n  induction n\n  all_goals simp [hp, hq]"
    step = session["step2"][0]  # `constructor` then `exact hp`: one goal of the two is left
    assert isinstance(step, TacticState) and step.tactics == ("constructor", "exact hp") and len(step.goals) == 1


def test_theorem_from_file_with_context(file_session):
    theorem, initial, results = file_session["theorem"], file_session["initial"], file_session["results"]
    assert theorem.name == "target" and "namespace Demo" in theorem.context and "add_zero'" in theorem.context
    assert "The theorem to prove" not in theorem.context
    assert isinstance(initial, TacticState) and initial.pp == "a b : Nat\nh : a = b\n⊢ a + 0 = b"
    rewritten, finished, term, unknown = results
    assert isinstance(rewritten, TacticState) and rewritten.goals[0].target == "a = b"
    assert isinstance(finished, ProofFinished) and finished.tactics == ("rw [add_zero']\nexact h",)
    assert isinstance(term, ProofFinished)
    assert isinstance(unknown, LeanError) and "undefined_lemma" in unknown.error


def test_finished_scripts_recheck_with_check_file(session, file_session, toolchain, tmp_path):
    """Every ProofFinished script, written into its theorem, is accepted by the verifier (one run)."""
    a, b = session["theorem"], file_session["theorem"]
    finished_a = [session["step2"][1], session["first"]["one_step"]]
    finished_b = [r for r in file_session["results"] if isinstance(r, ProofFinished)]
    assert all(isinstance(r, ProofFinished) for r in finished_a) and len(finished_b) == 2
    parts = [b.lean_text(finished_b[0].script)]
    for i, result in enumerate(finished_b[1:] + finished_a):
        theorem = b if result in finished_b else a
        parts.append(f"{theorem.renamed(f'again_{i}')} := {result.script}\n")
    parts.append("end Demo\n")
    path = tmp_path / "Finished.lean"
    path.write_text("\n".join(parts), encoding="utf-8")
    result = check_file(toolchain, path)
    assert result.status == "proved", (result.detail, result.declarations)
    assert sorted(d.name for d in result.declarations if d.keyword == "theorem") == [
        "Demo.add_zero'", "Demo.again_0", "Demo.again_1", "Demo.again_2", "Demo.target"]


# ---------------------------------------------------------------------------------------------
# no Lean


def test_tactics_refused_before_running():
    assert tactic_problem("simp") is None and tactic_problem("open Nat in simp") is None
    assert tactic_problem("set_option maxRecDepth 2000 in\n  decide") is None
    assert tactic_problem("simp -- no sorry needed") is None and tactic_problem('exact "sorry"') is None
    for bad in ("sorry", "exact sorry", "admit", "native_decide", "decide +native", "exact Lean.ofReduceBool _ _ _",
                "simp /- open comment", 'exact "open string', "simp -/",
                "set_option debug.skipKernelTC true in simp", "skip\ntheorem x : False := trivial",
                "skip\n  axiom x : False", "skip\nend Demo", "skip\n#exit", "  ", ""):
        assert tactic_problem(bad) is not None, bad


def test_indentation_of_multi_line_tactics():
    assert indent_tactic("induction n with\n| zero => simp\n| succ k ih => omega") == \
        "  induction n with\n  | zero => simp\n  | succ k ih => omega"
    assert indent_tactic("have h : p := by\n    exact hp") == "  have h : p := by\n      exact hp"
    assert indent_tactic("    cases h with\n    | inl h => exact h\n\n    | inr h => exact h") == \
        "  cases h with\n  | inl h => exact h\n  | inr h => exact h"
    assert indent_tactic("  constructor\nexact hp") == "  constructor\n  exact hp"


def test_statements_and_probe_headers():
    theorem = Theorem.from_statement("open Nat\n\nlemma foo.bar (n : Nat) : n + 0 = n")
    assert (theorem.name, theorem.context) == ("bar", "open Nat")
    assert theorem.statement == "theorem foo.bar (n : Nat) : n + 0 = n"
    assert theorem.probe_header(7) == "theorem foo.dojo_probe_7 (n : Nat) : n + 0 = n"
    universe = Theorem("id_eq", "theorem Nat.id_eq.{u} {α : Sort u} (a : α) : id a = a")
    assert universe.probe_header(0) == "theorem Nat.dojo_probe_0.{u} {α : Sort u} (a : α) : id a = a"
    decorated = Theorem("x", "/-- doc -/\n@[simp] private theorem «my thm» (n : Nat) : n = n")
    assert decorated.probe_header(2) == "theorem dojo_probe_2 (n : Nat) : n = n"
    with_proof = Theorem.from_statement("theorem t (p : Prop) (hp : p) : p := by\n  sorry")
    assert with_proof.statement == "theorem t (p : Prop) (hp : p) : p" and with_proof.name == "t"
    source = "namespace A\ntheorem one : 1 = 1 := rfl\n@[simp]\ntheorem two : 2 = 2 := rfl\nend A\n"
    assert Theorem.from_source(source, "A.two").context == "namespace A\ntheorem one : 1 = 1 := rfl"
    with pytest.raises(ValueError):
        Theorem.from_source(source, "three")


def test_batch_file_layout():
    engine = FileEngine(toolchain=None, theorem=Theorem.from_statement(STATEMENT), heartbeats=1000)
    text, probes, context_marker = engine.batch_file([(), ("constructor",), ("constructor", "exact hp\nexact hq")])
    lines = text.split("\n")
    assert lines[context_marker - 1].startswith('#print "dojo:')
    assert lines[probes[1].first_line - 1] == "set_option maxHeartbeats 1000 in"
    assert lines[probes[2].first_line - 1] == "set_option maxHeartbeats 2000 in"  # scaled by the path's length
    assert lines[probes[2].header_line - 1].endswith(":= by")
    assert lines[probes[2].header_line - 1][probes[2].by_column:] == "by"
    assert lines[probes[2].tactic_line - 1: probes[2].marker_line - 1] == ["  exact hp", "  exact hq"]
    assert lines[probes[0].header_line] == "  skip"


class ScriptedLean:
    """Stands in for `run_lean_file`: reads the generated file and answers probe by probe.
    A new tactic containing HANG makes the process time out there, BOOM makes it crash, BREAK
    makes its marker go missing (as if the tactic had broken the file's syntax), OPEN leaves a
    goal; anything else finishes the proof. CONTEXT_CRASH in the context crashes before it."""

    def __init__(self):
        self.batches: list[list[str]] = []

    def __call__(self, toolchain, path: Path, timeout_s: float) -> LeanRun:
        lines = path.read_text(encoding="utf-8").split("\n")
        messages: list[LeanMessage] = []
        tactics: list[str] = []
        self.batches.append(tactics)

        def done(fault=None):
            return LeanRun(messages, 0 if fault is None else -9, 0.1, fault, fault or "", "", 1)

        header = by = None
        last_tactic: list[str] = []
        for number, line in enumerate(lines, start=1):
            if "CONTEXT_CRASH" in line:
                return done("crash")
            if line.startswith("theorem "):
                header, by, last_tactic = number, len(line) - 2, []
            elif line.startswith("  ") and header is not None:
                last_tactic = [line] if not line.startswith("    ") else last_tactic + [line]
            elif line.startswith('#print "'):
                marker = line.split('"')[1]
                if header is not None:
                    tactic = "\n".join(last_tactic)
                    tactics.append(tactic.strip())
                    if "HANG" in tactic:
                        return done("timeout")
                    if "BOOM" in tactic:
                        return done("crash")
                    if "OPEN" in tactic:
                        messages.append(LeanMessage("error", header, by, header, by + 2, "unsolved goals\n⊢ True",
                                                    "Tactic.unsolvedGoals"))
                    if "BREAK" in tactic:
                        header = None
                        continue
                messages.append(LeanMessage("information", number, 0, number, 6, marker))
                header = None
        return done()


def test_fault_isolation_gives_every_other_pair_its_result():
    lean = ScriptedLean()
    engine = FileEngine(toolchain=None, theorem=Theorem.from_statement(STATEMENT), runner=lean)
    paths = [("a",), ("HANG",), ("OPEN",), ("c",), ("BOOM",), ("BREAK",), ("OPEN",)]
    results = engine.evaluate(paths)
    assert isinstance(results[0], ProofFinished) and isinstance(results[3], ProofFinished)
    assert isinstance(results[1], TacticTimeout)
    assert isinstance(results[2], TacticState) and results[2].goals[0].target == "True"
    assert isinstance(results[4], LeanCrash)
    assert isinstance(results[5], LeanError) and "syntax" in results[5].error
    assert isinstance(results[6], TacticState)
    # whole batch (to HANG); HANG alone; the rest (to BOOM); BOOM alone; the rest (BREAK answered there)
    assert [len(b) for b in lean.batches] == [2, 1, 3, 1, 2]
    assert engine.runs == 5


def test_a_fault_in_the_context_is_retried_once_then_shared():
    lean = ScriptedLean()
    theorem = Theorem("t", "theorem t : True", context="-- CONTEXT_CRASH")
    results = FileEngine(toolchain=None, theorem=theorem, runner=lean).evaluate([("a",), ("b",)])
    assert all(isinstance(r, LeanCrash) and "context" in r.detail for r in results)
    assert len(lean.batches) == 2


def test_a_context_that_stops_the_file_answers_every_pair_in_one_run():
    lean = ScriptedLean()
    theorem = Theorem("t", "theorem t : True", context="#print \"not a marker\"")
    engine = FileEngine(toolchain=None, theorem=theorem, runner=lambda tc, path, timeout: _without_context_marker(
        lean(tc, path, timeout)))
    results = engine.evaluate([("a",), ("b",), ("c",)])
    assert all(isinstance(r, LeanError) and "context" in r.error for r in results) and engine.runs == 1


def _without_context_marker(run: LeanRun) -> LeanRun:
    kept = [m for m in run.messages if not m.text.endswith(":context")]
    return LeanRun(kept, run.returncode, run.elapsed_s, run.fault, run.fault_detail, run.stderr, run.peak_rss_bytes)


def test_dojo_answers_refused_and_duplicate_pairs_without_extra_runs():
    lean = ScriptedLean()
    theorem = Theorem.from_statement(STATEMENT)
    engine = FileEngine(toolchain=None, theorem=theorem, runner=lean)
    engine_initial = TacticState("⊢ True", [], 0, ())
    dojo = Dojo(theorem, engine=engine)
    results = dojo.run_tacs([(engine_initial, "OPEN"), (engine_initial, "OPEN"), (engine_initial, "sorry"),
                             (engine_initial, "x")])
    assert results[0] == results[1] and results[0].id == 1 and isinstance(results[2], LeanError)
    assert isinstance(results[3], ProofFinished) and engine.runs == 1 and lean.batches == [["OPEN", "x"]]
    assert isinstance(dojo.run_tac(results[3], "skip"), LeanError)  # not a state
