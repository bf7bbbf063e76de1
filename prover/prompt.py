"""The one prompt format shared by every model backend, its truncation rule, and the
reading of completions.

Step policy (hf, vllm, http — and the data the models are trained on)::

    [GOAL]
    {state}
    [PROOFSTEP]
    {tactic}

The prompt is everything up to and including the newline after `[PROOFSTEP]`
(:data:`PROMPT_TEMPLATE`); the completion is one tactic, ended by a newline or by the model's
end-of-sequence token. `{state}` is the goal text as Lean prints it (`p q : Prop\\nhp : p\\n⊢ p ∧ q`;
several goals separated by blank lines). A completion that reaches `max_new_tokens` without a
newline or EOS is cut off, and dropped.

Planner (LM-proposed sketches; see `prover.planner`)::

    [THEOREM]
    {theorem statement, without `:= …`}
    [SKETCH]
    have h1 : … := by sorry
    have h2 : … := by sorry
    {closing tactic}

ended by a blank line or EOS (:data:`SKETCH_TEMPLATE`).

Critic (hf sequence classifier; see `prover.backends.hf.HFCritic`): `[GOAL]\n{state}\n[CRITIC]\n`
(:data:`CRITIC_TEMPLATE`), truncated by the same rule; the value is read from the classifier's
output at the last token.

**Truncation rule** (:func:`truncate_state`), when `count_tokens(prompt) > max_prompt_tokens`
(tokens of the model's own tokenizer; the http backend, having no tokenizer, counts
⌈UTF-8 bytes / 3⌉ per text):

1. goals after the first are dropped, last first — the tactic acts on the first goal;
2. then hypotheses of the first goal are dropped, earliest first (later hypotheses tend to
   depend on earlier ones and be closer to the target), keeping the `case` tag line;
3. the `⊢` target (all its lines) is always kept; if the target alone still does not fit it
   is cut at the end, to the longest prefix (whole characters) that fits.

It is a pure function of the state, the budget and the token counter.
"""

from __future__ import annotations

from typing import Callable

from lean_prover.lean_env.tactic_guard import is_usable_tactic
from lean_prover.prover.statement import balanced, split_goals

PROMPT_TEMPLATE = "[GOAL]\n{state}\n[PROOFSTEP]\n"
SKETCH_TEMPLATE = "[THEOREM]\n{statement}\n[SKETCH]\n"
CRITIC_TEMPLATE = "[GOAL]\n{state}\n[CRITIC]\n"
_MARKERS = ("[GOAL]", "[PROOFSTEP]", "[THEOREM]", "[SKETCH]", "[CRITIC]")

TokenCounter = Callable[[str], int]


def context_length(model_config, default: int | None = None) -> int | None:
    """The context window of a Hugging Face model config (`n_positions` or
    `max_position_embeddings`), or `default` when it names none."""
    for name in ("n_positions", "max_position_embeddings"):
        value = getattr(model_config, name, None)
        if value:
            return int(value)
    return default


def prompt_budget(max_prompt_tokens: int, context: int | None, completion_tokens: int = 0) -> int:
    """The tokens a (truncated) prompt may take: the configured budget, bounded by the model's
    context less the tokens of the completion, and at least 8. The one rule for inference (hf,
    vllm), SFT, GRPO and the critic, so that a model sees the prompts it was trained on."""
    if not context:
        return max_prompt_tokens
    return max(8, min(max_prompt_tokens, context - completion_tokens))


def byte_token_estimate(text: str) -> int:
    """Token count estimate used where no tokenizer is at hand: ⌈UTF-8 bytes / 3⌉."""
    return -(-len(text.encode("utf-8")) // 3)


def format_prompt(state: str, max_prompt_tokens: int | None = None,
                  count_tokens: TokenCounter = byte_token_estimate) -> str:
    """The step-policy prompt for `state`, truncated to `max_prompt_tokens` when given."""
    return _render(PROMPT_TEMPLATE, state, max_prompt_tokens, count_tokens)


def format_critic_prompt(state: str, max_prompt_tokens: int | None = None,
                         count_tokens: TokenCounter = byte_token_estimate) -> str:
    """The critic prompt for `state`, truncated like the step prompt (same token budget)."""
    return _render(CRITIC_TEMPLATE, state, max_prompt_tokens, count_tokens)


def _render(template: str, state: str, max_prompt_tokens: int | None, count_tokens: TokenCounter) -> str:
    state = state.strip("\n")
    if max_prompt_tokens is not None:
        state = truncate_state(state, max_prompt_tokens, count_tokens)
    return template.format(state=state)


def format_sketch_prompt(statement: str) -> str:
    """The planner prompt for a theorem statement."""
    return SKETCH_TEMPLATE.format(statement=statement.strip())


def truncate_state(state: str, max_prompt_tokens: int, count_tokens: TokenCounter,
                   render: Callable[[str], str] | None = None) -> str:
    """The state, shortened by the module's rule so that its whole prompt fits the budget.

    `render(state)` is the whole prompt of a state (default: :data:`PROMPT_TEMPLATE`); a
    published format (`prover.prompt_formats`) passes its own, with its other fields filled."""
    render = render or (lambda text: PROMPT_TEMPLATE.format(state=text))

    def fits(text: str) -> bool:
        return count_tokens(render(text)) <= max_prompt_tokens

    state = state.strip("\n")
    if fits(state):
        return state
    goals = split_goals(state)
    while len(goals) > 1:
        goals.pop()
        if fits("\n\n".join(goals)):
            return "\n\n".join(goals)
    case, hypotheses, target = _blocks(goals[0] if goals else "")

    def assemble(dropped: int, target_text: str) -> str:
        return "\n".join(case + hypotheses[dropped:] + [target_text])

    target_text = "\n".join(target)
    # the fewest earliest hypotheses to drop: fitting is monotone in the number dropped
    low, high = 0, len(hypotheses)
    if fits(assemble(high, target_text)):
        while low < high:
            middle = (low + high) // 2
            if fits(assemble(middle, target_text)):
                high = middle
            else:
                low = middle + 1
        return assemble(low, target_text)
    # the target alone is too long: keep its longest fitting prefix
    low, high = 0, len(target_text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(assemble(len(hypotheses), target_text[:middle])):
            low = middle
        else:
            high = middle - 1
    return assemble(len(hypotheses), target_text[:low])


def _blocks(goal: str) -> tuple[list[str], list[str], list[str]]:
    """(case line, hypothesis blocks, target lines) of one goal; a block keeps its continuation lines."""
    case: list[str] = []
    hypotheses: list[str] = []
    target: list[str] = []
    for line in goal.split("\n"):
        if target:
            target.append(line)
        elif line.startswith("⊢"):
            target.append(line)
        elif line.startswith("case ") and not hypotheses and not case:
            case.append(line)
        elif line[:1].isspace() and hypotheses:
            hypotheses[-1] += "\n" + line
        else:
            hypotheses.append(line)
    return case, hypotheses, target


def clean_tactic(completion: str, multiline: bool = False) -> str | None:
    """The tactic in a completion, or None when it is garbage.

    The completion is cut at its first newline (unless `multiline`: formats whose tactics may
    span lines keep them whole) and stripped of surrounding blank space. It is rejected when
    empty, unbalanced (brackets or string quotes), refused by the tactic guard (`sorry`,
    `native_decide`, commands, …: :func:`lean_env.tactic_guard.tactic_problem`), one of the
    prompt markers, or control characters other than a newline inside a multi-line tactic
    (including the replacement character of broken UTF-8).
    """
    tactic = (completion if multiline else completion.split("\n", 1)[0]).strip()
    if multiline:
        tactic = "\n".join(line.rstrip() for line in tactic.split("\n"))
    if not tactic or not balanced(tactic) or not is_usable_tactic(tactic):
        return None
    if any(marker in tactic for marker in _MARKERS):
        return None
    allowed = "\n" if multiline else ""
    if any((ord(c) < 32 and c not in allowed) or c == "\ufffd" or 0x7f <= ord(c) < 0xa0 for c in tactic):
        return None
    return tactic

