"""The floor: the prover never proves less than Lean's one-shot automation, whatever the file,
the concurrency and the load, and every `error` says why."""

from __future__ import annotations

import concurrent.futures
import re
import threading
from pathlib import Path

import pytest

from lean_prover.app.prove_file import prove_file
from lean_prover.lean_env.theorem import Theorem
from lean_prover.lean_env.verify import CheckOptions, FileResult, check_file
from lean_prover.prover.prior import PriorPolicy
from lean_prover.prover.suite import load_suite
from lean_prover.search.config import SearchConfig
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.portfolio import FirstPassSettings, run_portfolio, theorem_key
from lean_prover.search.prove import SearchProver
from lean_prover.search.types import Budget

MIXED = """theorem closed_pow : (2^2010) % 10 = 4 := by
  sorry

theorem closed_sum : (29 * 79 + 31 * 81) % 10 = 2 := by
  sorry

theorem swap_and (p q : Prop) (hp : p) (hq : q) : q ∧ p := by
  sorry

theorem bounded_all : ∀ n, n < 5 → n * n < 25 := by
  sorry

theorem false_claim (n : Nat) : n + 1 = n := by
  sorry

theorem ill_typed (n : Nat) : n + (true : Bool) = n := by
  sorry
"""


def test_portfolio_splits_a_faulting_file(toolchain):
    """A file that faults is split and re-run: each attempt's verdict is its own."""
    theorems = [Theorem.from_statement(f"theorem t{i} : {i} + {i} = {2 * i}") for i in range(3)]
    calls: list[int] = []

    def checker(tc, path: Path, options: CheckOptions) -> FileResult:
        text = path.read_text(encoding="utf-8")
        calls.append(text.count("theorem "))
        if ": 0 + 0 = 0" in text and ": 1 + 1 = 2" in text:  # pretend t0 and t1 together kill Lean
            return FileResult(str(path), "crash", "Lean crashed")
        return check_file(tc, path, options)

    results, runs = run_portfolio(toolchain, theorems, (("omega",),), checker=checker)
    assert all(results[theorem_key(t)].solved_by == ["omega (no intros)"] for t in theorems)
    assert runs == len(calls) == 3 and calls == [3, 1, 2]  # the whole file, then each half


def test_mixed_file_in_lockstep_keeps_the_automation_floor(toolchain, tmp_path):
    path = tmp_path / "Mixed.lean"
    path.write_text(MIXED, encoding="utf-8")
    # One Lean call of budget: the first pass spends it, so the search itself cannot prove anything.
    config = SearchConfig(width=2, budget=Budget(4, 1, 900.0))
    prover = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=900, first_pass=FirstPassSettings())
    report = prove_file(LockstepPool(prover, concurrency=4), path, tmp_path / "Mixed.proved.lean")
    by_name = {a.name: a for a in report.attempts}
    for name in ("closed_pow", "closed_sum", "swap_and", "bounded_all"):
        assert by_name[name].status == "proved", by_name[name]
        assert by_name[name].stop_reason == "first pass" and by_name[name].lean_calls == 1
    assert by_name["bounded_all"].detail == "one-shot automation: decide (no intros)"
    assert by_name["false_claim"].status == "not_proved"
    assert by_name["ill_typed"].status == "error" and by_name["ill_typed"].detail.startswith("cannot start the proof")
    written = (tmp_path / "Mixed.proved.lean").read_text(encoding="utf-8")
    assert written.count("sorry") == 2 and "omega" in written
    # The whole-file re-check: the ill-typed theorem is an error, the false claim a `sorry`, and
    # the report still vouches for the first-pass proofs (the verifier blanks the failing
    # statement for the report only)
    final = {d.name: d.status for d in report.final_check.declarations}
    assert report.final_check.status == "failed"
    assert final["false_claim"] == "sorry" and final["ill_typed"] == "error"
    assert all(final[name] == "proved" for name in ("closed_pow", "closed_sum", "swap_and", "bounded_all")), final


@pytest.mark.slow
def test_large_mixed_file_under_load_never_below_automation(toolchain, tmp_path):
    """60 core problems in one file, proved 16 at a time (one Lean process) while another Lean
    process keeps checking a 300-theorem file: every problem automation proves in a file of its
    own topic is proved."""
    problems = [p for p in load_suite("core", split="dev")][:60]
    source = "\n\n".join(f"{p.statement} := by\n  sorry" for p in problems) + "\n"
    path = tmp_path / "Large.lean"
    path.write_text(source, encoding="utf-8")
    by_topic: dict[str, list[Theorem]] = {}
    for p in problems:
        by_topic.setdefault(p.topic, []).append(Theorem.from_statement(p.statement, name=p.name))
    alone: dict[str, bool] = {}
    for group in by_topic.values():
        results, _ = run_portfolio(toolchain, group)
        alone.update({t.name: results[theorem_key(t)].solved for t in group})
    load = tmp_path / "Load.lean"
    load.write_text("\n\n".join(f"theorem load{i} : {i} * {i} = {i * i} := by decide" for i in range(300)) + "\n")
    config = SearchConfig(width=4, budget=Budget(16, 3, 900.0))
    prover = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=1200, first_pass=FirstPassSettings())
    done = threading.Event()

    def keep_loading() -> int:
        runs = 0
        while not done.is_set():
            check_file(toolchain, load)
            runs += 1
        return runs

    with concurrent.futures.ThreadPoolExecutor(1) as background:
        loader = background.submit(keep_loading)
        try:
            report = prove_file(LockstepPool(prover, concurrency=16, processes=1), path, tmp_path / "Large.proved.lean")
        finally:
            done.set()
        assert loader.result() >= 1
    proved = {a.name for a in report.attempts if a.status == "proved"}
    missed = sorted(name for name, solved in alone.items() if solved and name not in proved)
    assert not missed, missed
    assert all(a.detail for a in report.attempts if a.status == "error")
    assert re.search(r"theorem", (tmp_path / "Large.proved.lean").read_text(encoding="utf-8"))


def test_known_root_failures_and_the_policy_that_skips_them():
    """No Lean: which refused portfolio attempts a search may skip on the root, and the wrapped
    policy filling the skipped places with its next candidates."""
    from lean_prover.prover.policy import TacticSuggestion, merge
    from lean_prover.search.portfolio import FirstPassResult, RootSkippingPolicy, known_root_failures

    refused = FirstPassResult("t", failed=[("intros", "omega"), ("intros", "grind"), ("decide",)])
    plain = "a b : Nat\nh : a ∣ b\n⊢ a ∣ b + b"
    assert known_root_failures(refused, plain, 200000) == {"omega", "grind", "decide"}
    # `intros` would change an arrow goal: only the attempt without it counts
    assert known_root_failures(refused, "a b : Nat\n⊢ a ∣ b → a ∣ b + b", 200000) == {"decide"}
    assert known_root_failures(refused, "case a\n⊢ p\ncase b\n⊢ q", 200000) == {"decide"}
    # `intros` leaves `¬p` and a `fun` inside an application alone: both attempts count
    recursion = "l : List Nat\n⊢ List.rec 0 (fun x x_1 s => x + s) l = l.sum"
    assert known_root_failures(refused, recursion, 200000) == {"omega", "grind", "decide"}
    assert known_root_failures(refused, "p : Prop\n⊢ ¬(p ∧ ¬p)", 200000) == {"omega", "grind", "decide"}
    assert known_root_failures(refused, plain, 400000) == frozenset()  # a search allowed more heartbeats
    proved = FirstPassResult("t", proof="by\n  omega", failed=[("intros", "grind")])
    assert known_root_failures(proved, plain, 200000) == frozenset()

    class Ranked:
        def suggest(self, states, k):
            return [[TacticSuggestion(t, -i) for i, t in enumerate(["omega", "grind", "simp", "exact h", "rfl"][:k])]
                    for _ in states]

    policy = RootSkippingPolicy(Ranked(), plain, frozenset({"omega", "grind"}))
    root, other = policy.suggest([plain, "⊢ q"], 2)
    assert [s.tactic for s in root] == ["simp", "exact h"] and [s.tactic for s in other] == ["omega", "grind"]

    class Adding(Ranked):  # k tactics and one more beyond them (as a tactic memory adds)
        def suggest(self, states, k):
            return [answer + [TacticSuggestion("exact Nat.dvd_add h h", -9)] for answer in super().suggest(states, k)]

    root, other = RootSkippingPolicy(Adding(), plain, frozenset({"omega", "grind"})).suggest([plain, "⊢ q"], 2)
    assert [s.tactic for s in root] == ["simp", "exact h", "exact Nat.dvd_add h h"]
    assert [s.tactic for s in other] == ["omega", "grind", "exact Nat.dvd_add h h"]

    class Remembering(Ranked):  # a tactic memory: its proposals the policy did not make, up to 2
        remembered = [TacticSuggestion("exact Nat.dvd_add h h", -0.5), TacticSuggestion("simp", -0.6)]

        def suggest(self, states, k):
            answers = []
            for answer in super().suggest(states, k):
                known = {s.tactic for s in answer}
                answers.append(merge(answer, [s for s in self.remembered if s.tactic not in known][:2]))
            return answers

    # the memory's `simp` is the policy's third: asked for more, the policy repeats it, yet the
    # root still gets the policy's next one in the skipped place, as many candidates as `⊢ q`
    root, other = RootSkippingPolicy(Remembering(), plain, frozenset({"omega", "grind"})).suggest([plain, "⊢ q"], 1)
    assert [s.tactic for s in other] == ["omega", "exact Nat.dvd_add h h", "simp"]
    assert [s.tactic for s in root] == ["exact Nat.dvd_add h h", "simp", "exact h"]


INTROS_TARGETS = {  # target: a proof of it after `intros` (and the check whether `intros` changed it)
    "¬(1 = 2)": "decide",
    "(List.map (fun x => x + 1) [1, 2]).sum = 5": "decide",
    "Function.Injective (fun x : Nat => x + 1)": "intro a b h\n  simp at h\n  exact h",
    "∀ n : Nat, n + 0 = n": "omega",
    "(n : Nat) → n = 0 → n + 1 = 1": "omega",
    "1 = 1 → (2 = 2 → 3 = 3)": "omega",
    "let m := 2; m + m = 4": "rfl",
}


def test_intros_changes_exactly_the_targets_the_rule_says(toolchain, tmp_path):
    """Real Lean: after `intros` the target is the same (`guard_target =ₛ`) where
    :func:`intros_introduces` says `intros` does nothing, and another one (`fail_if_success
    guard_target =ₛ`) where it says it may; each theorem is then closed, so every theorem of the
    file is proved exactly when every prediction holds."""
    from lean_prover.lean_env.goals import intros_introduces

    predicted = {target: intros_introduces(target) for target in INTROS_TARGETS}
    assert list(predicted.values()) == [False, False, False, True, True, True, True]
    path = tmp_path / "Intros.lean"
    path.write_text("".join(
        f"theorem t{i} : {target} := by\n  intros\n  {'fail_if_success ' if predicted[target] else ''}"
        f"guard_target =ₛ {target}\n  {proof}\n\n" for i, (target, proof) in enumerate(INTROS_TARGETS.items())),
        encoding="utf-8")
    result = check_file(toolchain, path, CheckOptions(timeout_s=600))
    assert result.status == "proved" and len(result.declarations) == len(INTROS_TARGETS), result


def test_the_search_does_not_retry_automation_the_first_pass_saw_fail(toolchain):
    """A goal automation cannot close: the first pass tried omega, grind, decide and simp_all on
    it, so the search's root probes are other tactics (the prior ranks omega first here)."""
    theorem = Theorem.from_statement("theorem dvd_sum (a b c : Nat) (h1 : a ∣ b) (h2 : a ∣ c) : a ∣ b + c")
    config = SearchConfig(width=2, budget=Budget(4, 2, 900.0))
    ranked = [s.tactic for s in PriorPolicy().suggest(["a b c : Nat\nh1 : a ∣ b\nh2 : a ∣ c\n⊢ a ∣ b + c"], 2)[0]]
    assert set(ranked) & {"omega", "grind", "decide", "simp_all"}  # without the rule they would be probed
    prover = SearchProver(toolchain, PriorPolicy(), config, tactic_timeout_s=900, first_pass=FirstPassSettings())
    [attempt] = prover.prove_all([theorem])
    root_probes = [step["tactic"] for step in attempt.trace if step["parent"] == 0]
    assert attempt.stop_reason != "first pass" and len(root_probes) == 2, attempt
    assert not set(root_probes) & {"omega", "grind", "decide", "simp_all"}, root_probes
