"""Published provers end to end, and whole-proof mode.

With `tests/completion_server.py` answering from a script (OpenAI-compatible, 127.0.0.1): a
`bfs-prover` config proves a theorem through `prover prove`, and every prompt the server saw is
a Lean state followed by `:::`; a `deepseek-prover-v2` config with `prover bench --mode whole
--samples 2 --repair-rounds 1` proves a theorem whose sampled proofs both fail, from the repair
round, whose prompts carry Lean's own error text; the report shows pass@k. Tiny models trained
here in a step preset (ReProver's, an encoder-decoder) and a whole-proof preset
(DeepSeek-Prover-V1.5's) prove theorems through the hf backend on CPU. The rest runs without
Lean: admissibility of whole proofs, pass@k, the batching of checks, the hybrid prover and the
planner's whole-proof sketches.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lean_prover.lean_env.batching import BatchingService, CheckVerdict
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.metrics import pass_at_k, pass_at_k_table, repair_gains
from lean_prover.prover.planner import Planner
from lean_prover.prover.prompt_formats import PRESETS
from lean_prover.search.attempt import ProofAttempt
from lean_prover.search.whole_proof import HybridProver, proof_problem

ROOT = Path(__file__).resolve().parent.parent


# -- the scripted server ---------------------------------------------------------------------------

class ScriptedServer:
    """`tests/completion_server.py --script` on an ephemeral port, with its request log."""

    def __init__(self, tmp_path: Path, rules: list[dict]):
        self.script, self.log = tmp_path / "script.json", tmp_path / "requests.jsonl"
        self.script.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "completion_server.py"), "--script", str(self.script),
             "--log", str(self.log), "--max-seconds", "900"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=120)
        if not line or not line[0].startswith("PORT "):
            self.process.kill()
            pytest.fail(f"completion server did not start: {self.process.stderr.read()[-2000:]}")
        self.url = f"http://127.0.0.1:{int(line[0].split()[1])}"

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_cli(*argv: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lean_prover.app.cli", *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


# -- done when: a bfs-prover config through `prover prove` -------------------------------------------

def test_bfs_prover_config_proves_and_every_prompt_is_a_state_then_triple_colon(toolchain, tmp_path):
    server = ScriptedServer(tmp_path, [
        {"match": "case left", "answers": ["exact hp", "exact hq"]},
        {"match": "⊢ q", "answers": ["  exact hq\n"]},
        {"match": "⊢ p ∧ q", "answers": ["constructor", "exact sorry"]},
    ])
    try:
        config = tmp_path / "bfs.yaml"
        config.write_text(f"policy:\n  backend: http\n  url: {server.url}\n  path: BFS-Prover-V2-7B\n"
                          f"  prompt: bfs-prover\n  num_samples: 2\n  max_new_tokens: 64\n", encoding="utf-8")
        source = tmp_path / "bfs_demo.lean"
        source.write_text("theorem bfs_demo (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  sorry\n", encoding="utf-8")
        trace = tmp_path / "trace.json"
        # the policy alone: no first pass (automation would close it first), no Lean suggestions or premises
        proc = run_cli("prove", str(source), "--model", str(config), "--no-decompose", "--width", "2",
                       "--no-first-pass", "--suggest", "none", "--premises", "0", "--trace", str(trace), "--json")
        assert proc.returncode == 0, proc.stderr[-3000:]
        report = json.loads(proc.stdout)
        assert report["ok"] and report["theorems"][0]["status"] == "proved"
        assert report["theorems"][0]["tactics"] == ["constructor", "exact hp", "exact hq"]
        requests = server.requests()
    finally:
        server.close()
    tree = json.loads(trace.read_text(encoding="utf-8"))[0]["trace"]
    states = {"p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"} | {step["goals"] for step in tree if step["goals"]}
    prompts = [prompt for r in requests for prompt in r["body"]["prompt"]]
    assert len(prompts) == 3 and {r["route"] for r in requests} == {"/v1/completions"}
    assert all(p.endswith(":::") and p[:-3] in states for p in prompts), prompts
    assert all("stop" not in r["body"] for r in requests)  # the model ends its tactic with EOS


# -- done when: deepseek-prover-v2 whole mode with repair, pass@k in the report ----------------------

GOOD = ("### Detailed Proof\nSplit the conjunction.\n\n```lean4\ntheorem ds_demo (a b : Nat) (h : a ≤ b) : "
        "a < b + 1 ∧ b ≤ b := by\n  constructor\n  · exact Nat.lt_succ_of_le h\n  · exact Nat.le_refl b\n```")
FIRST_WRONG = ("### Plan\nThe first part is `Nat.lt_succ_of_le`.\n\n```lean4\ntheorem ds_demo (a b : Nat) (h : a ≤ b) : "
               "a < b + 1 ∧ b ≤ b := by\n  constructor\n  exact Nat.lt_succ_of_le h\n```")
SECOND_WRONG = ("```lean4\ntheorem ds_demo (a b : Nat) (h : a ≤ b) : a < b + 1 ∧ b ≤ b := by\n  exact h\n```")
EASY = "```lean4\ntheorem ds_easy (n : Nat) : n + 0 = n := by\n  simp\n```"


def test_deepseek_v2_whole_mode_repairs_with_leans_errors_and_reports_pass_at_k(toolchain, tmp_path):
    server = ScriptedServer(tmp_path, [
        {"match": "is not correct", "answers": [GOOD]},
        {"match": "theorem ds_easy", "answers": [EASY, EASY]},
        {"match": "theorem ds_demo", "answers": [FIRST_WRONG, SECOND_WRONG]},
    ])
    try:
        config = tmp_path / "ds.yaml"
        config.write_text(f"policy:\n  backend: http\n  url: {server.url}\n  path: DeepSeek-Prover-V2-7B\n"
                          f"  prompt: deepseek-prover-v2\n  max_new_tokens: 8192\n", encoding="utf-8")
        suite = tmp_path / "suite.jsonl"
        rows = [{"name": "ds_demo", "split": "test", "formal_statement":
                 "theorem ds_demo (a b : Nat) (h : a ≤ b) : a < b + 1 ∧ b ≤ b := by\n"},
                {"name": "ds_easy", "split": "test", "formal_statement": "theorem ds_easy (n : Nat) : n + 0 = n := by\n"}]
        suite.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        out = tmp_path / "bench"
        proc = run_cli("bench", str(suite), "--mode", "whole", "--samples", "2", "--repair-rounds", "1",
                       "--model", str(config), "--no-baseline", "--out", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
        requests = server.requests()
    finally:
        server.close()
    results = {r["name"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    demo, easy = results["ds_demo"]["whole_proof"], results["ds_easy"]["whole_proof"]
    assert results["ds_demo"]["status"] == "proved" and "Nat.le_refl b" in results["ds_demo"]["proof"]
    assert (demo["samples"], demo["correct"], demo["proved_round"]) == (2, 0, 1)
    assert [(c["round"], c["verdict"]) for c in demo["candidates"]] == [(0, "failed"), (0, "failed"), (1, "proved"),
                                                                          (1, "proved")]
    assert (easy["samples"], easy["correct"], easy["proved_round"]) == (2, 2, 0)
    # every prompt went to the chat endpoint; the two repairs show the failed answer and Lean's errors
    assert {r["route"] for r in requests} == {"/v1/chat/completions"}
    repairs = [r["body"]["messages"] for r in requests if len(r["body"]["messages"]) == 3]
    assert len(repairs) == 2 and [m["role"] for m in repairs[0]] == ["user", "assistant", "user"]
    shown = {m[1]["content"]: m[2]["content"] for m in repairs}
    assert shown.keys() == {FIRST_WRONG, SECOND_WRONG}
    assert shown[FIRST_WRONG].startswith("The proof (Round 0) is not correct.")
    assert "Error Message: unsolved goals\ncase right" in shown[FIRST_WRONG] and "<error>by" in shown[FIRST_WRONG]
    assert "Type mismatch" in shown[SECOND_WRONG] and "<error>exact h</error>" in shown[SECOND_WRONG]
    # all samples of both theorems in one Lean run per round, and one final re-check
    rounds = [line for line in proc.stderr.splitlines() if "whole-proof round" in line]
    assert "round 0: 4 answers, 3 checked in 1 Lean run(s), 2 accepted" in rounds[0]
    assert "round 1: 2 answers, 1 checked in 1 Lean run(s), 2 accepted" in rounds[1]  # the same proof twice
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| pass@k | 0.500 | 0.500 |" in report and "| repair 1 | 1 | 2/2 |" in report
    assert "pass@1 0.500, pass@2 0.500" in proc.stdout


# -- done when: tiny models in published formats through the hf backend ----------------------------

@pytest.fixture(scope="module")
def tiny_reprover(tmp_path_factory) -> Path:
    pytest.importorskip("transformers", reason="the hf backend needs transformers")
    from lean_prover.prover.tiny_model import build_tiny_seq2seq_policy

    return build_tiny_seq2seq_policy(tmp_path_factory.mktemp("tiny") / "reprover", steps=200)


@pytest.fixture(scope="module")
def tiny_deepseek(tmp_path_factory) -> Path:
    pytest.importorskip("transformers", reason="the hf backend needs transformers")
    from lean_prover.prover.tiny_model import build_tiny_prover

    return build_tiny_prover(tmp_path_factory.mktemp("tiny") / "deepseek", steps=300)


def test_tiny_models_in_published_formats_prove_through_the_hf_backend(toolchain, tiny_reprover, tiny_deepseek):
    """A byte-level T5 in ReProver's format (loaded as an encoder-decoder) proves a theorem by step
    search; a GPT-2 in DeepSeek-Prover-V1.5's format proves two by whole-proof samples, checked in
    one Lean run."""
    from lean_prover.prover.backends.hf import HFGenerator
    from lean_prover.prover.models import load_generator, load_policy
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.types import Budget
    from lean_prover.search.whole_proof import WholeProofConfig, WholeProofEngine

    policy = load_policy({"backend": "hf", "path": str(tiny_reprover), "prompt": "reprover", "num_samples": 8})
    assert policy.generator.encoder_decoder
    prover = SearchProver(toolchain, policy, SearchConfig(width=4, budget=Budget(8, 3, 600)))
    step = prover.prove(Theorem.from_statement("theorem t5_demo (a b : Nat) (h : a < b) : a + 1 ≤ b"))
    assert step.status == "proved", step.trace

    config = {"backend": "hf", "path": str(tiny_deepseek), "prompt": "deepseek-prover-v1.5", "max_new_tokens": 24}
    generator = load_generator(config)
    assert isinstance(generator, HFGenerator) and not generator.encoder_decoder
    service = BatchingService(toolchain)
    engine = WholeProofEngine(toolchain, generator, PRESETS["deepseek-prover-v1.5"], WholeProofConfig(samples=2),
                              batching=service)
    theorems = [Theorem.from_statement("theorem nat_add_rearrange_three (a b c : Nat) : a + b + c = c + (b + a)"),
                Theorem.from_statement("theorem nat_compute_product : 12 * 13 = 156")]
    attempts = engine.prove_all(theorems)
    assert [a.status for a in attempts] == ["proved", "proved"], [a.detail for a in attempts]
    assert attempts[0].proof.startswith("by\n  ") and attempts[0].whole_proof["samples"] == 2
    assert service.runs == 2  # every sample of both theorems in one run, then the final re-check


# -- without Lean ---------------------------------------------------------------------------------

STATEMENT = Theorem.from_statement("import Std\n\ntheorem adm (n : Nat) : n + 0 = n")


@pytest.mark.parametrize("proof, reason", [
    ("by simp", None),
    ("by\n  induction n with\n  | zero => rfl\n  | succ k ih => simp", None),
    ("by sorry", "forbidden in a proof: `sorry`"),
    ("by\n  native_decide", "native_decide"),
    ("by simp\n\ntheorem extra : True := trivial", "contains a command"),
    ("by simp /- unterminated", "unterminated comment"),
    ("rfl\nset_option debug.skipKernelTC true in\nexample : True := trivial", "not allowed"),
])
def test_whole_proof_admissibility(proof, reason):
    found = proof_problem(STATEMENT, proof)
    assert found is None if reason is None else reason in found


def test_pass_at_k_estimates():
    assert pass_at_k(4, 0, 1) == 0.0 and pass_at_k(4, 4, 2) == 1.0
    assert math.isclose(pass_at_k(4, 1, 1), 0.25) and math.isclose(pass_at_k(4, 1, 2), 0.5)
    assert math.isclose(pass_at_k(8, 2, 4), 1 - math.comb(6, 4) / math.comb(8, 4))
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)
    rows = [{"whole_proof": {"samples": 4, "correct": 1, "proved_round": 0, "rounds": [{}, {}]}},
            {"whole_proof": {"samples": 4, "correct": 0, "proved_round": 1, "rounds": [{}, {}]}},
            {"whole_proof": {"samples": 4, "correct": 0, "proved_round": None, "rounds": [{}, {}]}},
            {"status": "proved"}]  # a step-mode row: not counted
    table = pass_at_k_table(rows)
    assert list(table) == [1, 2, 4] and math.isclose(table[1], 0.25 / 3) and math.isclose(table[4], 1 / 3)
    assert repair_gains(rows) == [{"round": 0, "proved": 1, "cumulative": 1, "problems": 3},
                                  {"round": 1, "proved": 1, "cumulative": 2, "problems": 3}]


class RecordingChecks(BatchingService):
    """Answers every check from the proof text ("good" proves); records each file's theorem names."""

    def __init__(self, **options):
        super().__init__(toolchain=None, **options)
        self.files: list[list[str]] = []

    def _check_run(self, requests):
        self.files.append([r.theorem.name for r in requests])
        return [CheckVerdict(r.proof == "good", "proved" if r.proof == "good" else "error") for r in requests]


def test_check_all_shares_files_within_the_limit_and_keeps_names_distinct():
    service = RecordingChecks(max_checks=3, processes=2)
    items = [(Theorem(f"t{i}", f"theorem t{i} : True"), "good" if i % 2 else "bad") for i in range(7)]
    items.append((Theorem("t0", "theorem t0 : True"), "good"))  # the same name again: another file
    verdicts = service.check_all(items)
    assert [v.proved for v in verdicts] == [False, True, False, True, False, True, False, True]
    assert service.rounds == 1 and all(len(f) <= 3 for f in service.files)
    assert all(len(set(f)) == len(f) for f in service.files) and sum(map(len, service.files)) == 8


class FakeStep:
    toolchain, tactic_timeout_s, cache = None, 1.0, None

    def __init__(self, status: str):
        self.status, self.verified = status, []

    def prove(self, theorem):
        return ProofAttempt(theorem.name, self.status, "by simp" if self.status == "proved" else "", lean_calls=2,
                            time_s=1.0)

    def verify(self, theorem, proof):
        self.verified.append(proof)
        return True

    def lean_gate(self):
        return "gate"


class FakeWhole:
    def __init__(self, status: str):
        self.status = status

    def prove(self, theorem):
        attempt = ProofAttempt(theorem.name, self.status, "by omega" if self.status == "proved" else "", lean_calls=1,
                               time_s=0.5)
        attempt.whole_proof = {"samples": 2, "correct": int(self.status == "proved")}
        return attempt


def test_hybrid_prover_takes_whole_proofs_first_then_step_search():
    theorem = Theorem("h", "theorem h (n : Nat) : n = n")
    whole_first = HybridProver(FakeStep("proved"), FakeWhole("proved")).prove(theorem)
    assert (whole_first.proof, whole_first.stop_reason) == ("by omega", "whole-proof")
    step = FakeStep("proved")
    hybrid = HybridProver(step, FakeWhole("not_proved"))
    fallback = hybrid.prove(theorem)
    assert fallback.proof == "by simp" and fallback.lean_calls == 3 and fallback.whole_proof["samples"] == 2
    assert hybrid.verify(theorem, "by rfl") and step.verified == ["by rfl"] and hybrid.lean_gate() == "gate"


def test_planner_reads_sketches_from_whole_proof_answers():
    answer = ("### Proof plan\nSplit it.\n```lean4\ntheorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
              "  have hl : p := by\n    sorry\n  have hr : q := by sorry\n  exact ⟨hl, hr⟩\n```")

    class Model:
        def __init__(self):
            self.prompts = []

        def complete(self, prompts, n, stop="\n", max_new_tokens=None):
            self.prompts += prompts
            return [[type("C", (), {"text": answer, "logprob": -1.0, "finished": True})()] * n for _ in prompts]

    model = Model()
    planner = Planner(toolchain=None, model=model, num_sketches=2, prompt_format=PRESETS["deepseek-prover-v2"])
    sketches = [s for s in planner.candidates("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q", "import Std")
                if s.origin == "lm"]
    assert len(sketches) == 1 and sketches[0].subgoals() == ["p", "q"] and sketches[0].closing == "exact ⟨hl, hr⟩"
    assert model.prompts[0][0].content.startswith("Complete the following Lean 4 code:\n\n```lean4\nimport Std\n\n")


@pytest.mark.slow
def test_hybrid_mode_closes_planner_pieces_with_whole_proof_samples(toolchain, tmp_path):
    """`--mode hybrid`: the theorem is not proved whole nor by a one-step search, so the planner
    splits it (`∧`) and each piece is proved by a whole-proof sample; the assembly is re-checked."""
    server = ScriptedServer(tmp_path, [
        {"match": "theorem hyb_piece1", "answers": ["```lean4\ntheorem hyb_piece1 (p q : Prop) (hp : p) (hq : q) : "
                                                    "p ∨ False := by\n  exact Or.inl hp\n```"]},
        {"match": "theorem hyb_piece2", "answers": ["```lean4\ntheorem hyb_piece2 (p q : Prop) (hp : p) (hq : q) : "
                                                    "q ∨ False := by\n  exact Or.inl hq\n```"]},
        {"match": "theorem hyb", "answers": ["```lean4\ntheorem hyb (p q : Prop) (hp : p) (hq : q) : "
                                             "(p ∨ False) ∧ (q ∨ False) := by\n  exact hp\n```"]},
    ])
    try:
        config = tmp_path / "ds.yaml"
        config.write_text(f"policy:\n  backend: http\n  url: {server.url}\n  prompt: deepseek-prover-v2\n",
                          encoding="utf-8")
        source = tmp_path / "hyb.lean"
        source.write_text("theorem hyb (p q : Prop) (hp : p) (hq : q) : (p ∨ False) ∧ (q ∨ False) := by\n  sorry\n",
                          encoding="utf-8")
        proc = run_cli("prove", str(source), "--model", str(config), "--mode", "hybrid", "--samples", "1",
                       "--budget", "1", "--max-lean-calls", "1", "--width", "1", "--json")
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        server.close()
    attempt = json.loads(proc.stdout)["theorems"][0]
    assert attempt["status"] == "proved" and attempt["stop_reason"] == "decomposed"
    pieces = attempt["decomposition"]["sketches"][0]["pieces"]
    assert [p["proof"] for p in pieces] == ["by\n  exact Or.inl hp", "by\n  exact Or.inl hq"]


def test_search_shows_internlm_prompts_the_theorem_name_and_the_tactics_so_far():
    """The search → policy plumbing for formats that show more than the state (a scripted probe
    environment stands in for Lean: this tests what the policy is asked, not Lean)."""
    from lean_prover.prover.backends import Completion, StepModelPolicy
    from lean_prover.prover.model_config import ModelConfig
    from lean_prover.search.best_first import best_first_search
    from lean_prover.search.config import SearchConfig
    from lean_prover.search.types import Outcome

    class Completer:
        max_prompt_tokens = 4096

        def __init__(self):
            self.prompts = []

        def count_tokens(self, text):
            return len(text)

        def complete(self, prompts, n, stop="\n", max_new_tokens=None):
            self.prompts += prompts
            return [[Completion(" constructor\n" if "∧" in p else "exact hp", -0.5, token_count=2)] for p in prompts]

    class Env:
        theorem_name = "Demo.and_intro"

        def root(self):
            return Outcome("state", key="root", goals="p q : Prop\nhp : p\n⊢ p ∧ p", num_goals=1)

        def probe(self, pairs):
            return [Outcome("state", key="left", goals="case left\np q : Prop\nhp : p\n⊢ p", num_goals=1)
                    if tactic == "constructor" else Outcome("proved") for _, tactic in pairs]

    completer = Completer()
    policy = StepModelPolicy(ModelConfig(backend="http", url="http://127.0.0.1:1", prompt="internlm-stepprover",
                                         num_samples=1), completer)
    result = best_first_search(Env(), policy, SearchConfig(width=1, nodes_per_call=1))
    assert result.proved and result.tactics == ["constructor", "exact hp"]
    first, second = completer.prompts
    assert "NAME: Demo.and_intro\n\n---\nPROOF_BEFORE: \n\n---\nSTATE_BEFORE: p q : Prop" in first
    assert "PROOF_BEFORE: constructor\n\n---\nSTATE_BEFORE: case left" in second
    assert second.endswith("TACTIC: <|im_end|>\n<|im_start|>assistant\n")
