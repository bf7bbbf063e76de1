"""The goal-display parser, on goal texts recorded from real Lean 4.28 runs (`lean --json`)."""

from __future__ import annotations

import pytest

from lean_prover.lean_env.goals import Goal, Hypothesis, goals_hash, goals_pretty, normalise, parse_goal, parse_goals, text_hash

# Message texts exactly as the embedded Lean 4.28 printed them (recorded, not written by hand).
CONSTRUCTOR = "unsolved goals\ncase left\np q : Prop\nhp : p\nhq : q\n⊢ p\n\ncase right\np q : Prop\nhp : p\nhq : q\n⊢ q"
INDUCTION = "unsolved goals\ncase zero\n⊢ 0 + 0 = 0\n\ncase succ\nn✝ : Nat\na✝ : n✝ + 0 = n✝\n⊢ n✝ + 1 + 0 = n✝ + 1"
INTRO_ANONYMOUS = "unsolved goals\nα : Type\ninst : DecidableEq α\nxs ys : List α\nh : xs = ys\nx : α\na✝ : x ∈ xs\n⊢ x ∈ ys"
WRAPPED = "unsolved goals\nf : Nat → Nat\nhf :\n  ∀ (aVeryLongVariableNameNumberOne aVeryLongVariableNameNumberTwo aVeryLongVariableNameNumberThree : Nat),\n    f (aVeryLongVariableNameNumberOne + aVeryLongVariableNameNumberTwo + aVeryLongVariableNameNumberThree) =\n      f aVeryLongVariableNameNumberOne + f aVeryLongVariableNameNumberTwo + f aVeryLongVariableNameNumberThree\n⊢ f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 +\n      f 0 =\n    f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 + f 0 +\n        f 0 +\n      0"
LET_VALUE_ERROR = "Tactic `introN` failed: There are no additional binders or `let` bindings in the goal to introduce\n\nx : Nat\ny : Nat := x + 1\nhy : y = x + 1\n⊢ True"
CASES_OR = "unsolved goals\ncase inl\np q r : Prop\nhpr : p → r\nhqr : q → r\nh✝ : p\n⊢ r\n\ncase inr\np q r : Prop\nhpr : p → r\nhqr : q → r\nh✝ : q\n⊢ r"
INACCESSIBLE = "unsolved goals\nα : Type\ninst✝ : DecidableEq α\nx✝ y✝ : α\nxs✝ : List α\na✝¹ : x✝ ∈ xs✝\na✝ : y✝ ∈ xs✝\n⊢ x✝ = y✝ ∨ x✝ ≠ y✝"
REFINE_GROUPED = "unsolved goals\ncase refine_1\nα : Type\ninst✝ : DecidableEq α\ninst : Inhabited α\nn m a✝ b✝ : Nat\n⊢ a✝ + b✝ = b✝ + a✝\n\ncase refine_2\nα : Type\ninst✝ : DecidableEq α\ninst : Inhabited α\nn m a✝ b✝ : Nat\n⊢ n = n"
METAVARIABLE = "unsolved goals\ncase h\np q : Prop\nhp : p\nhq : q\n⊢ ?w\n\ncase w\np q : Prop\nhp : p\nhq : q\n⊢ Prop"
STRING_LITERAL = "unsolved goals\ns : String\nh : s = \"hello  world\\n\"\nf : Fin 3 → Nat\n⊢ f 0 ≤ f 0"
MATCH_WRAPPED = "unsolved goals\ncase zero\n⊢ (match 0 with\n    | 0 => 1\n    | n.succ => 2) >\n    0"
UNICODE = "unsolved goals\nxs : List Nat\nh : ∀ (i : Nat) (hi : i < xs.length), xs[i] > 0\nε : Nat\nhε : ε > 0\n⊢ ∃ δ, δ > 0 ∧ δ ≤ ε ∧ (fun t => t + δ + xs.length + xs.length + xs.length + xs.length + xs.length + xs.length) 0 ≥ δ"
SHADOWED_THIS = "unsolved goals\nh : ∀ (n : Nat), n = n\nthis✝ : 1 = 1\nthis : 2 = 2\nx : Nat\nhx : x = 1\n⊢ True"


def test_two_goals_with_case_tags():
    goals = parse_goals(CONSTRUCTOR)
    assert [g.case for g in goals] == ["left", "right"]
    assert goals[0].hypotheses == [Hypothesis(["p", "q"], "Prop"), Hypothesis(["hp"], "p"), Hypothesis(["hq"], "q")]
    assert [g.target for g in goals] == ["p", "q"]


def test_induction_cases_and_inaccessible_names():
    zero, succ = parse_goals(INDUCTION)
    assert (zero.case, zero.hypotheses, zero.target) == ("zero", [], "0 + 0 = 0")
    assert succ.case == "succ" and succ.names == ["n✝", "a✝"]
    assert succ.hypotheses[1].type == "n✝ + 0 = n✝" and succ.target == "n✝ + 1 + 0 = n✝ + 1"


def test_inaccessible_instance_and_superscript_names():
    goal = parse_goal(INACCESSIBLE)
    assert goal.case is None
    assert goal.names == ["α", "inst✝", "x✝", "y✝", "xs✝", "a✝¹", "a✝"]
    assert goal.hypotheses[2] == Hypothesis(["x✝", "y✝"], "α")
    assert goal.hypotheses[4].type == "x✝ ∈ xs✝"
    assert goal.target == "x✝ = y✝ ∨ x✝ ≠ y✝"


def test_grouped_hypotheses_over_several_goals():
    first, second = parse_goals(REFINE_GROUPED)
    assert (first.case, second.case) == ("refine_1", "refine_2")
    assert first.hypotheses[-1] == Hypothesis(["n", "m", "a✝", "b✝"], "Nat")
    assert first.names[:3] == ["α", "inst✝", "inst"] and second.target == "n = n"


def test_wrapped_hypothesis_and_target_are_joined():
    goal = parse_goal(WRAPPED)
    hf = goal.hypotheses[1]
    assert hf.names == ["hf"]
    assert hf.type.startswith("∀ (aVeryLongVariableNameNumberOne aVeryLongVariableNameNumberTwo ")
    assert "\n" not in hf.type and "  " not in hf.type
    assert hf.type.endswith("= f aVeryLongVariableNameNumberOne + f aVeryLongVariableNameNumberTwo + "
                            "f aVeryLongVariableNameNumberThree")
    assert goal.target.count("f 0") == 40 and goal.target.endswith("f 0 + 0") and "\n" not in goal.target


def test_wrapped_match_target():
    goal = parse_goal(MATCH_WRAPPED)
    assert goal.case == "zero" and goal.target == "(match 0 with | 0 => 1 | n.succ => 2) > 0"


def test_let_value_in_an_error_message_goal():
    _message, goal_text = LET_VALUE_ERROR.split("\n\n", 1)
    goal = parse_goal(goal_text)
    assert goal.hypotheses[1] == Hypothesis(["y"], "Nat", "x + 1")
    assert goal.hypotheses[1].pretty() == "y : Nat := x + 1"
    assert goal.hypotheses[2] == Hypothesis(["hy"], "y = x + 1")


def test_metavariable_targets_string_literals_and_unicode():
    h, w = parse_goals(METAVARIABLE)
    assert (h.case, h.target, w.case, w.target) == ("h", "?w", "w", "Prop")
    goal = parse_goal(STRING_LITERAL)
    assert goal.hypotheses[1] == Hypothesis(["h"], 's = "hello  world\\n"')
    assert goal.hypotheses[2].type == "Fin 3 → Nat"
    goal = parse_goal(UNICODE)
    assert goal.names == ["xs", "h", "ε", "hε"] and goal.hypotheses[1].type == "∀ (i : Nat) (hi : i < xs.length), xs[i] > 0"
    assert goal.target.startswith("∃ δ, δ > 0 ∧ δ ≤ ε ∧ (fun t => t + δ")


def test_shadowed_names_and_intro_anonymous():
    assert parse_goal(SHADOWED_THIS).names == ["h", "this✝", "this", "x", "hx"]
    goal = parse_goal(INTRO_ANONYMOUS)
    assert goal.hypotheses[2] == Hypothesis(["xs", "ys"], "List α") and goal.names[-1] == "a✝"


@pytest.mark.parametrize("text", [CONSTRUCTOR, INDUCTION, INACCESSIBLE, REFINE_GROUPED, METAVARIABLE, CASES_OR,
                                  INTRO_ANONYMOUS, SHADOWED_THIS, UNICODE, STRING_LITERAL])
def test_pretty_round_trips_unwrapped_displays(text):
    body = text.removeprefix("unsolved goals\n")
    assert goals_pretty(parse_goals(text)) == body
    assert goals_pretty(parse_goals(goals_pretty(parse_goals(body)))) == body


def test_empty_and_no_goals():
    assert parse_goals("") == [] and parse_goals("no goals") == [] and parse_goals("unsolved goals\n") == []
    with pytest.raises(ValueError):
        parse_goal(CONSTRUCTOR)


def test_goals_without_a_blank_line_between_them_are_still_split():
    joined = CASES_OR.replace("⊢ r\n\ncase inr", "⊢ r\ncase inr")
    assert [g.case for g in parse_goals(joined)] == ["inl", "inr"]


def test_hash_is_stable_whitespace_insensitive_and_order_sensitive():
    goals = parse_goals(CONSTRUCTOR)
    assert goals_hash(goals) == goals_hash(parse_goals(CONSTRUCTOR)) == text_hash(CONSTRUCTOR)
    assert len(goals_hash(goals)) == 32 and int(goals_hash(goals), 16) >= 0
    rewrapped = WRAPPED.replace("⊢ f 0 + f 0", "⊢ f 0 +\n    f 0").replace("hf :\n  ∀", "hf : ∀")
    assert text_hash(rewrapped) == text_hash(WRAPPED)
    assert goals_hash(list(reversed(goals))) != goals_hash(goals)
    assert goals_hash(goals[:1]) != goals_hash(goals)
    assert text_hash(INDUCTION) != text_hash(CONSTRUCTOR)
    left = Goal("left", [Hypothesis(["p", "q"], "Prop")], "p")
    assert goals_hash([left]) != goals_hash([Goal(None, left.hypotheses, "p")])  # case tags count


def test_goals_are_hashable_values():
    assert len({parse_goal(SHADOWED_THIS), parse_goal(SHADOWED_THIS)}) == 1
    assert normalise("  a \n   b\tc ") == "a b c"


def test_very_long_types():
    long_type = " ∧ ".join(f"x{i} = x{i}" for i in range(3000))
    display = "x0 x1 : Nat\nh :\n  " + long_type.replace(" ∧ x1000 ", " ∧\n    x1000 ") + "\n⊢ True"
    goal = parse_goal(display)
    assert goal.hypotheses[1].type == long_type and goal.target == "True"
