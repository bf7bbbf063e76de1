"""Prompt presets against text rendered by the published code itself (`tests/fixtures/prompts/`,
see `tests/fixtures/README.md`), compared byte for byte; the readers of completions; Lean's errors
in Goedel-Prover-V2's and Kimina-Prover's layouts; custom formats and their config errors.

The inputs come through the suite loaders of `prover.suite` (the published JSONL rows), so
these tests also check that a loaded problem renders exactly as its authors' code renders it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_prover.lean_env.messages import LeanMessage
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.prompt_formats import (PRESETS, ChatMessage, StepInput, error_report, read_proof, read_tactic,
                                               render_repair, render_step, render_whole, resolve_format, whole_input)
from lean_prover.prover.suite import Problem, load_suite

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROMPTS = FIXTURES / "prompts"
SUITES = FIXTURES / "suites"


def text(name: str) -> str:
    return (PROMPTS / name).read_text(encoding="utf-8")


def messages(name: str) -> list[dict]:
    return json.loads(text(name))


def lean_messages(name: str) -> list[LeanMessage]:
    """Lean's messages of a repair fixture (`LeanMessage.to_dict()` as Lean's `--json` gives them)."""
    return [LeanMessage(**m) for m in json.loads(text(name))]


def as_dicts(prompt) -> list[dict]:
    return [m.to_dict() for m in prompt]


def deepseek_row(name: str) -> Problem:
    return next(p for p in load_suite(str(SUITES / "deepseek-prover-v1.5/datasets/minif2f.jsonl")) if p.name == name)


def problem_input(problem: Problem):
    return whole_input(problem.header, problem.statement, problem.informal)


STATE = ("z : ℂ\nh₀ : z = (1 + Complex.I) / ↑√2\n⊢ (∑ k ∈ Finset.Icc 1 12, z ^ k ^ 2) * ∑ k ∈ Finset.Icc 1 12, 1 / z ^ k ^ 2 = 36")


def test_the_fixture_state_is_the_published_goal():
    row = json.loads((SUITES / "deepseek-prover-v1.5/datasets/minif2f.jsonl").read_text().splitlines()[0])
    assert row["name"] == "amc12a_2019_p21" and row["goal"] == STATE


@pytest.mark.parametrize("preset", ["reprover", "bfs-prover"])
def test_state_only_step_presets(preset):
    assert render_step(PRESETS[preset], StepInput(STATE)) == text(f"{preset}.txt")


def test_internlm_stepprover_shows_name_and_proof_so_far():
    fmt = PRESETS["internlm-stepprover"]
    assert render_step(fmt, StepInput(STATE, "amc12a_2019_p21", "")) == text("internlm-stepprover.txt")
    after = StepInput(STATE, "amc12a_2019_p21", "norm_num\nsimp only [h₀]")
    assert render_step(fmt, after) == text("internlm-stepprover-after-two-steps.txt")


@pytest.mark.parametrize("preset", ["deepseek-prover-v1.5", "deepseek-prover-v1.5-cot"])
def test_deepseek_v15_completion_prompt_from_the_published_jsonl(preset):
    prompt = render_whole(PRESETS[preset], problem_input(deepseek_row("amc12a_2019_p21")))
    assert prompt == text(f"{preset}.txt")


def test_deepseek_v2_chat_prompt_from_the_readme(tmp_path):
    expected = messages("deepseek-prover-v2.json")
    published = expected[0]["content"].split("```lean4\n", 1)[1].split("\n```", 1)[0]  # the README's statement
    row = tmp_path / "readme.jsonl"
    row.write_text(json.dumps({"name": "mathd_algebra_10", "formal_statement": published}) + "\n", encoding="utf-8")
    (problem,) = load_suite(str(row))
    assert as_dicts(render_whole(PRESETS["deepseek-prover-v2"], problem_input(problem))) == expected


@pytest.mark.parametrize("preset", ["goedel-prover-v2", "kimina-prover"])
def test_goedel_and_kimina_chat_prompts_from_goedels_jsonl(preset):
    problem = load_suite(str(SUITES / "goedel-prover-v2/dataset/test.jsonl"))[0]
    assert problem.name == "mathd_algebra_478"
    assert as_dicts(render_whole(PRESETS[preset], problem_input(problem))) == messages(f"{preset}.json")


# -- Lean's errors and repair turns ------------------------------------------------------------

@pytest.mark.parametrize("case", ["and_swap", "two_goals"])
@pytest.mark.parametrize("style", ["goedel", "kimina"])
def test_error_reports_match_the_published_layout(style, case):
    code = text(f"repair/{case}.lean")
    assert error_report(style, code, lean_messages(f"repair/{case}.messages.json")) == text(f"repair/{style}-{case}.txt")


def test_error_report_ignores_warnings():
    code = text("repair/two_goals.lean")
    errors = lean_messages("repair/two_goals.messages.json")
    warning = LeanMessage("warning", errors[0].line, errors[0].column, errors[0].end_line, errors[0].end_column,
                          "unused variable `h`")
    assert error_report("goedel", code, [warning] + errors) == text("repair/goedel-two_goals.txt")


@pytest.mark.parametrize("preset", ["goedel-prover-v2", "kimina-prover"])
def test_repair_conversation_matches_the_published_one(preset):
    style = "goedel" if preset == "goedel-prover-v2" else "kimina"
    fixture = json.loads(text(f"repair/{style}-conversation.json"))
    code = text("repair/two_goals.lean")
    query = whole_input("", code.split(" := by")[0])
    fmt = PRESETS[preset]
    first = render_whole(fmt, query)
    errors = error_report(fmt.errors, code, lean_messages("repair/two_goals.messages.json"))
    repair = render_repair(fmt, first, fixture["previous"], errors, 0, query)
    assert as_dicts(repair) == fixture["messages"]
    assert "unsolved goals" in repair[-1].content and repair[-2] == ChatMessage("assistant", fixture["previous"])


def test_completion_repair_shows_the_attempt_and_the_errors():
    fmt = PRESETS["deepseek-prover-v1.5"]
    query = whole_input("", "theorem t (a b : Nat) (h : a ≤ b) : a < b + 1 ∧ b ≤ b")
    first = render_whole(fmt, query)
    repair = render_repair(fmt, first, "  constructor\n  exact Nat.lt_succ_of_le h", "unsolved goals\n⊢ b ≤ b", 0, query)
    assert repair.startswith(first + "  constructor\n") and "unsolved goals\n⊢ b ≤ b" in repair
    assert repair.endswith("```lean4\ntheorem t (a b : Nat) (h : a ≤ b) : a < b + 1 ∧ b ≤ b := by\n")


# -- reading completions ------------------------------------------------------------------------

def test_lean4_block_reader_takes_the_last_block_declaring_the_theorem():
    answer = ("### Plan\nUse nlinarith.\n```lean4\ntheorem foo : True := by\n  trivial\n```\nNow the real one:\n"
              "```lean4\nimport Mathlib\n\nlemma helper : 1 = 1 := rfl\n\ntheorem mathd_algebra_478 (b h v : ℝ) : v = 65 := by\n"
              "  have h4 : b * h = 195 := by\n    nlinarith\n  linarith\n```\n```lean4\n#check 1\n```")
    fmt = PRESETS["goedel-prover-v2"]
    assert read_proof(fmt, answer, "mathd_algebra_478") == "by\n  have h4 : b * h = 195 := by\n    nlinarith\n  linarith"
    assert read_proof(fmt, answer, "other_theorem") is None
    assert read_proof(fmt, "no code at all", "mathd_algebra_478") is None
    unclosed = "```lean4\ntheorem t : 2 = 2 := by\n  rfl```"  # Goedel's second pattern: no newline before the fence
    assert read_proof(fmt, unclosed, "t") == "by\n  rfl"


def test_continuation_reader_adds_the_prompts_by_and_cuts_at_the_fence():
    fmt = PRESETS["deepseek-prover-v1.5"]
    assert read_proof(fmt, "  nlinarith [sq_nonneg a]\n```\ntrailing", "t") == "by\n  nlinarith [sq_nonneg a]"
    assert read_proof(fmt, "   \n", "t") is None


def test_step_readers():
    assert read_tactic(PRESETS["default"], "simp\nomega") == "simp"
    assert read_tactic(PRESETS["bfs-prover"], "  constructor\n  · exact hp\n  · exact hq\n") == \
        "constructor\n  · exact hp\n  · exact hq"
    assert read_tactic(PRESETS["reprover"], "rw [<a>Nat.add_comm</a>]") == "rw [Nat.add_comm]"
    assert read_tactic(PRESETS["bfs-prover"], "exact sorry") is None
    assert read_tactic(PRESETS["internlm-stepprover"], "simp [h₀]</s>") == "simp [h₀]"


# -- configuration --------------------------------------------------------------------------------

def test_custom_format_from_config():
    config = ModelConfig.from_dict({"backend": "http", "url": "http://127.0.0.1:1",
                                    "prompt": {"template": "GOAL {state} TACTIC", "stop": "\n"}})
    fmt = config.format
    assert (fmt.kind, fmt.reader, fmt.stop, fmt.chat) == ("step", "line", ("\n",), False)
    assert render_step(fmt, StepInput("⊢ p")) == "GOAL ⊢ p TACTIC"
    whole = resolve_format({"template": "Prove:\n{code}", "chat": True, "system": "Be brief."})
    assert (whole.kind, whole.reader) == ("whole", "lean4-block")
    assert render_whole(whole, whole_input("", "theorem t : True")) == (
        ChatMessage("system", "Be brief."), ChatMessage("user", "Prove:\ntheorem t : True"))


@pytest.mark.parametrize("spec, message", [
    ("nope", "unknown prompt preset 'nope'"),
    ({"template": "{state} {code}"}, "unknown field"),
    ({"template": "no fields"}, r"needs \{state\}"),
    ({"template": "{code}", "chat": True, "reader": "continuation"}, "cannot continue"),
    ({"template": "{state}", "colour": "red"}, "unknown prompt field"),
    ({"stop": "\n"}, "needs `template`"),
    (3, "preset name or a mapping"),
])
def test_bad_prompt_config_is_one_clear_error(spec, message):
    with pytest.raises(ModelConfigError, match=message):
        ModelConfig.from_dict({"backend": "http", "url": "http://127.0.0.1:1", "prompt": spec})


def test_every_preset_names_its_source():
    for name, fmt in PRESETS.items():
        assert fmt.name == name and fmt.source
        assert (fmt.kind == "whole") == ("{code}" in fmt.template)
