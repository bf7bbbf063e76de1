"""Prompt formats as configuration: the presets of published provers, custom formats, rendering
of prompts and reading of completions.

A model config's `prompt:` key (`policy` and `planner` sections) names a preset or gives a
custom format `{template, stop, chat, …}`; `default` is the project's own
`[GOAL]\\n{state}\\n[PROOFSTEP]\\n` (`prover.prompt`). A format is either a **step** format (the
model proposes the next tactic for a proof state) or a **whole**-proof format (the model
writes a complete proof of a theorem; `search.whole_proof`).

Fields a template may use:

| kind | field | value |
| --- | --- | --- |
| step | `{state}` | the goal text as Lean prints it (several goals separated by blank lines) |
| step | `{name}` | the theorem's full name (namespaces included) |
| step | `{proof_before}` | the tactics applied so far, one per line (empty at the root) |
| whole | `{code}` | the Lean text up to the statement: header (imports, opens, …) followed by a blank line, the informal docstring if any, and the statement without `:=` |
| whole | `{problem}` | `{code} := by` without its `import`/`set_option`/`open` lines and blank lines (Goedel-Prover's rendering of Kimina's `# Problem:` field) |

A chat format's template is the first user message (after `system`, if any); a completion
format's template is the whole prompt text. The presets, each checked against its published
source (repository and path given beside it; `tests/fixtures/prompts/` holds the rendered
text of each, compared byte for byte by the tests):

| preset | kind | prompt | completion read as |
| --- | --- | --- | --- |
| `default` | step | `[GOAL]\\n{state}\\n[PROOFSTEP]\\n` | first line |
| `reprover` | step | `{state}` (ByT5 encoder-decoder) | whole output, `<a>`/`</a>` removed |
| `bfs-prover` | step | `{state}:::` | whole output to EOS, stripped |
| `internlm-stepprover` | step | ChatML text with `NAME` / `PROOF_BEFORE` / `STATE_BEFORE` / `TACTIC` | output to `<\\|im_end\\|>`, stripped |
| `deepseek-prover-v1.5` | whole | `Complete the following Lean 4 code:\\n\\n```lean4\\n{code} := by\\n` | continuation up to the first ```` ``` ```` |
| `deepseek-prover-v1.5-cot` | whole | the same, "…with explanatory comments preceding each line of code" | continuation up to the first ```` ``` ```` |
| `deepseek-prover-v2` | whole, chat | "Complete the following Lean 4 code:" + `{code} := by\\n  sorry` block + proof-plan request | last ```` ```lean4 ```` block |
| `goedel-prover-v2` | whole, chat | as DeepSeek-V2 with `{code} := by sorry` and no newline before the closing fence | last ```` ```lean4 ```` block |
| `kimina-prover` | whole, chat | system "You are an expert in mathematics and Lean 4." + "Think about and solve …" | last ```` ```lean4 ```` block |

Repair (whole-proof formats): after a failed proof the conversation continues with the model's
answer as an assistant turn and a user turn carrying Lean's errors (`repair` template; fields
`{round}` — the failed attempt's round, 0 for the first samples — and `{errors}`, Lean's
errors rendered in the format's `errors` style). Completion formats get the failed attempt
and the errors appended to the prompt (fields `{prompt}`, `{previous}`, `{errors}`, `{round}`,
`{code}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Sequence, Union

from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.source import find_declarations
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.prompt import PROMPT_TEMPLATE, clean_tactic

Kind = Literal["step", "whole"]
Reader = Literal["line", "text", "lean4-block", "continuation"]
Score = Literal["sum", "mean"]
ErrorStyle = Literal["goedel", "kimina"]
Role = Literal["system", "user", "assistant"]

STEP_FIELDS = ("state", "name", "proof_before")
WHOLE_FIELDS = ("code", "problem")
REPAIR_FIELDS = ("round", "errors", "prompt", "previous", "code")
_FIELD_RE = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat prompt."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        """The OpenAI / chat-template form `{"role", "content"}`."""
        return {"role": self.role, "content": self.content}


Conversation = tuple[ChatMessage, ...]
Prompt = Union[str, Conversation]  # completion text, or chat messages


@dataclass(frozen=True)
class PromptFormat:
    """How one model is prompted and how its completions are read (module docstring).

    `stop`: stop strings of the completion (empty: the model's EOS only). `reader`: `line`
    (the first line is the tactic), `text` (the whole completion, multi-line tactics kept),
    `lean4-block` (the proof of the theorem in the last ```` ```lean4 ```` block) or
    `continuation` (the completion continues the prompt's code after `proof_prefix`). `drop`:
    strings removed from completions before reading. `score`: a tactic's log-prob is the sum
    of its token log-probs, or their mean (BFS-Prover, InternLM). `encoder_decoder`: the
    model family the preset was published with is an encoder-decoder (documentation; the hf
    backend reads the model's own config). `source`: where the format was checked.
    """

    name: str
    kind: Kind
    template: str
    stop: tuple[str, ...] = ()
    chat: bool = False
    system: str = ""
    reader: Reader = "line"
    drop: tuple[str, ...] = ()
    score: Score = "sum"
    proof_prefix: str = ""
    repair: str = ""
    errors: ErrorStyle = "goedel"
    encoder_decoder: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        fields = set(_FIELD_RE.findall(self.template))
        allowed = set(STEP_FIELDS if self.kind == "step" else WHOLE_FIELDS)
        if not self.template:
            raise ModelConfigError(f"prompt format {self.name!r}: empty template")
        if fields - allowed:
            raise ModelConfigError(f"prompt format {self.name!r}: unknown field(s) "
                                   f"{', '.join(sorted(fields - allowed))} in a {self.kind} template "
                                   f"(allowed: {', '.join(sorted(allowed))})")
        if self.kind == "step" and "state" not in fields:
            raise ModelConfigError(f"prompt format {self.name!r}: a step template needs {{state}}")
        if self.kind == "whole" and "code" not in fields:
            raise ModelConfigError(f"prompt format {self.name!r}: a whole-proof template needs {{code}}")
        if self.kind == "step" and self.reader not in ("line", "text"):
            raise ModelConfigError(f"prompt format {self.name!r}: a step format reads `line` or `text`")
        if self.kind == "whole" and self.reader not in ("lean4-block", "continuation"):
            raise ModelConfigError(f"prompt format {self.name!r}: a whole-proof format reads `lean4-block` "
                                   "or `continuation`")
        if self.chat and self.reader == "continuation":
            raise ModelConfigError(f"prompt format {self.name!r}: a chat answer cannot continue the prompt's code")
        unknown = set(_FIELD_RE.findall(self.repair)) - set(REPAIR_FIELDS)
        if unknown:
            raise ModelConfigError(f"prompt format {self.name!r}: unknown field(s) {', '.join(sorted(unknown))} "
                                   f"in the repair template (allowed: {', '.join(REPAIR_FIELDS)})")

    @property
    def multiline(self) -> bool:
        """True when a tactic may span lines (the whole completion is the tactic)."""
        return self.reader == "text"

    @property
    def stop_list(self) -> list[str]:
        """The stop strings as a list (what the backends send)."""
        return list(self.stop)


_GOEDEL_REPAIR = (
    "The proof (Round {round}) is not correct. Following is the compilation error message, where we use "
    "<error></error> to signal the position of the error.\n\n{errors}\n\nBefore producing the Lean 4 code to "
    "formally prove the given theorem, provide a detailed analysis of the error message.")
_PLAN_REQUEST = (
    "Before producing the Lean 4 code to formally prove the given theorem, provide a detailed proof plan "
    "outlining the main proof steps and strategies.\nThe plan should highlight key ideas, intermediate lemmas, "
    "and proof structures that will guide the construction of the final formal proof.")
# No published repair turn exists for DeepSeek-Prover-V1.5 (a completion model): ours shows the
# failed attempt and Lean's errors, then opens the statement again.
_COMPLETION_REPAIR = ("{prompt}{previous}\n```\n\nThe proof above does not compile (round {round}). Lean's errors:\n"
                      "{errors}\n\nComplete the following Lean 4 code:\n\n```lean4\n{code} := by\n")

PRESETS: dict[str, PromptFormat] = {
    # This project's own format (prover/prompt.py); the models trained here use it.
    "default": PromptFormat("default", "step", PROMPT_TEMPLATE, stop=("\n",), reader="line",
                            source="this project (prover/prompt.py)"),
    # lean-dojo/ReProver README.md "Tactic Generator" (kaiyuy/leandojo-lean4-tacgen-byt5-small: ByT5,
    # encoder-decoder, input = proof state, output = tactic) and prover/tactic_generator.py
    # HuggingFaceGenerator (template "%s", output `remove_marks`-ed, read up to EOS).
    "reprover": PromptFormat("reprover", "step", "{state}", reader="text", drop=("<a>", "</a>"),
                             encoder_decoder=True,
                             source="lean-dojo/ReProver@fd6d99c README.md, prover/tactic_generator.py"),
    # ByteDance-Seed/BFS-Prover-V2 (mirror zeyu-zheng/BFS-Prover-V2@6118f5f) src/search/prover_manager.py
    # TacticGenerator.generate: prompt `tactic_state + ":::"`, no stop string, tactic = `text.strip()`,
    # score = cumulative_logprob / len(token_ids); HF card ByteDance-Seed/BFS-Prover-V2-7B: input "{state}:::".
    "bfs-prover": PromptFormat("bfs-prover", "step", "{state}:::", reader="text", score="mean",
                               source="zeyu-zheng/BFS-Prover-V2@6118f5f src/search/prover_manager.py; "
                                      "HF card ByteDance-Seed/BFS-Prover-V2-7B"),
    # InternLM/InternLM-Math@eaead17 minif2f/proofsearch_internLM2.5-StepProver.py: `_prompt_function`
    # (NAME / PROOF_BEFORE / STATE_BEFORE / TACTIC), rendered by `chat_template_to_prompt` (ChatML by hand,
    # sent as a completion), stop ['<|im_end|>'], tactic = text.strip(), score = mean token log-prob.
    "internlm-stepprover": PromptFormat(
        "internlm-stepprover", "step",
        "<|im_start|>user\n---\nNAME: {name}\n\n---\nPROOF_BEFORE: {proof_before}\n\n---\nSTATE_BEFORE: {state}\n\n"
        "---\nTACTIC: <|im_end|>\n<|im_start|>assistant\n",
        stop=("<|im_end|>",), reader="text", drop=("</s>",), score="mean",
        source="InternLM/InternLM-Math@eaead17 minif2f/proofsearch_internLM2.5-StepProver.py"),
    # deepseek-ai/DeepSeek-Prover-V1.5@2c4ba91 prover/utils.py `non_cot_prompt` + `post_process_output`
    # (cut at the first ```), quick_start.py; the prompt ends inside the proof (`:= by\n`).
    "deepseek-prover-v1.5": PromptFormat(
        "deepseek-prover-v1.5", "whole", "Complete the following Lean 4 code:\n\n```lean4\n{code} := by\n",
        stop=("```",), reader="continuation", proof_prefix="by\n", repair=_COMPLETION_REPAIR,
        source="deepseek-ai/DeepSeek-Prover-V1.5@2c4ba91 prover/utils.py non_cot_prompt, quick_start.py"),
    # Same file, `cot_prompt` (configs/sampling.py runs mode='cot').
    "deepseek-prover-v1.5-cot": PromptFormat(
        "deepseek-prover-v1.5-cot", "whole",
        "Complete the following Lean 4 code with explanatory comments preceding each line of code:\n\n"
        "```lean4\n{code} := by\n",
        stop=("```",), reader="continuation", proof_prefix="by\n", repair=_COMPLETION_REPAIR,
        source="deepseek-ai/DeepSeek-Prover-V1.5@2c4ba91 prover/utils.py cot_prompt"),
    # deepseek-ai/DeepSeek-Prover-V2@e598a57 README.md §5 Quick Start: the formal statement (header,
    # docstring, `theorem … := by\n  sorry`, stripped) in a ```lean4 block, then the proof-plan request;
    # one user turn through the tokenizer's chat template. DeepSeek publishes no repair turn: the
    # repair turn is Goedel-Prover-V2's self-correction turn (same prompt family).
    "deepseek-prover-v2": PromptFormat(
        "deepseek-prover-v2", "whole",
        "Complete the following Lean 4 code:\n\n```lean4\n{code} := by\n  sorry\n```\n\n" + _PLAN_REQUEST,
        chat=True, reader="lean4-block", repair=_GOEDEL_REPAIR, errors="goedel",
        source="deepseek-ai/DeepSeek-Prover-V2@e598a57 README.md (Quick Start)"),
    # Goedel-LM/Goedel-Prover-V2@2e9036e src/utils.py DeepSeekCoTHandler.prover_inference (the handler
    # scripts/pipeline.sh runs): `lean4_code.split(":= by")[0] + ":= by sorry"` in ```lean4\n…``` (no
    # newline before the closing fence); generate_correction_prompt: assistant turn = the failed answer,
    # user turn = the text below with `get_error_str`'s error report; extrac_code: last ```lean4 block.
    "goedel-prover-v2": PromptFormat(
        "goedel-prover-v2", "whole",
        "Complete the following Lean 4 code:\n\n```lean4\n{code} := by sorry```\n\n" + _PLAN_REQUEST,
        chat=True, reader="lean4-block", repair=_GOEDEL_REPAIR, errors="goedel",
        source="Goedel-LM/Goedel-Prover-V2@2e9036e src/utils.py DeepSeekCoTHandler, get_error_str"),
    # HF card AI-MO/Kimina-Prover-Preview-Distill-7B as implemented by Goedel-LM/Goedel-Prover-V2@2e9036e
    # src/utils.py KiminaCoTHandler (system + user turn; `# Problem:` = the statement's code lines);
    # error fixing: MoonshotAI/Kimina-Prover-Preview@7abd61a kimina_prover_demo/error_fix.py (assistant
    # turn, then a user turn holding `create_tool_message`'s report), proof = last ```lean4 block.
    "kimina-prover": PromptFormat(
        "kimina-prover", "whole",
        "Think about and solve the following problem step by step in Lean 4.\n# Problem:{problem}\n"
        "# Formal statement:\n```lean4\n{code} := by\n```\n",
        chat=True, system="You are an expert in mathematics and Lean 4.", reader="lean4-block",
        repair="{errors}", errors="kimina",
        source="Goedel-LM/Goedel-Prover-V2@2e9036e src/utils.py KiminaCoTHandler; "
               "MoonshotAI/Kimina-Prover-Preview@7abd61a kimina_prover_demo/{error_fix,utils}.py"),
}

_CUSTOM_KEYS = {"template", "stop", "chat", "kind", "system", "reader", "drop", "score", "proof_prefix",
                "repair", "errors"}


def resolve_format(spec: Any) -> PromptFormat:
    """The prompt format a config's `prompt:` value describes: a preset name, or a mapping
    `{template, stop, chat, kind, system, reader, repair, errors, …}` for a custom format
    (`kind` defaults to whole when the template uses `{code}`, else step; `reader` to `line` for
    step templates whose stop is a newline, `text` for other step templates, `lean4-block`
    for chat whole-proof templates and `continuation` for completion ones)."""
    if spec is None or spec == "":
        return PRESETS["default"]
    if isinstance(spec, PromptFormat):
        return spec
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise ModelConfigError(f"unknown prompt preset {spec!r} (presets: {', '.join(PRESETS)}; or give "
                                   "{template, stop, chat})")
        return PRESETS[spec]
    if not isinstance(spec, dict):
        raise ModelConfigError(f"`prompt` must be a preset name or a mapping, not {type(spec).__name__}")
    unknown = set(spec) - _CUSTOM_KEYS
    if unknown:
        raise ModelConfigError(f"unknown prompt field(s) {', '.join(sorted(map(str, unknown)))} "
                               f"(known: {', '.join(sorted(_CUSTOM_KEYS))})")
    template = spec.get("template")
    if not isinstance(template, str):
        raise ModelConfigError("a custom prompt needs `template` (a string)")
    stop = spec.get("stop", ())
    stop = (stop,) if isinstance(stop, str) else tuple(stop or ())
    if not all(isinstance(s, str) and s for s in stop):
        raise ModelConfigError("prompt `stop` must be a string or a list of non-empty strings")
    chat = spec.get("chat", False)
    if not isinstance(chat, bool):
        raise ModelConfigError("prompt `chat` must be true or false")
    kind = spec.get("kind") or ("whole" if "{code}" in template else "step")
    if kind not in ("step", "whole"):
        raise ModelConfigError(f"prompt `kind` must be step or whole, not {kind!r}")
    if kind == "step":
        reader = spec.get("reader") or ("line" if stop == ("\n",) else "text")
    else:
        reader = spec.get("reader") or ("lean4-block" if chat else "continuation")
    values = {key: spec[key] for key in ("system", "score", "proof_prefix", "repair", "errors") if key in spec}
    if "drop" in spec:
        values["drop"] = tuple(spec["drop"])
    if kind == "whole" and not chat and "proof_prefix" not in values and reader == "continuation":
        values["proof_prefix"] = "by\n" if template.rstrip(" ").endswith("by\n") else ""
    try:
        return PromptFormat("custom", kind, template, stop=stop, chat=chat, reader=reader, **values)
    except TypeError as exc:
        raise ModelConfigError(f"bad custom prompt: {exc}") from None


# -- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepInput:
    """What a step format may show the model: the state, the theorem's full name, the proof so far."""

    state: str
    name: str = ""
    proof_before: str = ""


@dataclass(frozen=True)
class WholeInput:
    """What a whole-proof format shows: `code` (module docstring) and the problem text."""

    code: str

    @property
    def problem(self) -> str:
        """`{code} := by` without import/set_option/open lines and blank lines."""
        lines = f"{self.code} := by".splitlines()
        return "\n".join(ln for ln in lines
                         if not (ln.startswith(("import", "set_option", "open")) or not ln.strip()))


def whole_input(context: str, statement: str, informal: str = "") -> WholeInput:
    """The whole-proof input of a theorem: its context (header) followed by a blank line, its
    informal docstring (`/-- … -/\\n`) and its statement (without `:=`)."""
    head = context.rstrip("\n") + "\n\n" if context.strip() else ""
    doc = informal if not informal or informal.endswith("\n") else informal + "\n"
    return WholeInput(head + doc + statement.strip())


# -- rendering ----------------------------------------------------------------------------------

def render_step(fmt: PromptFormat, query: StepInput) -> Prompt:
    """The prompt of a step format for one state."""
    text = fmt.template.format(state=query.state.strip("\n"), name=query.name, proof_before=query.proof_before)
    return _as_prompt(fmt, text)


def render_whole(fmt: PromptFormat, query: WholeInput) -> Prompt:
    """The first prompt of a whole-proof format for one theorem."""
    return _as_prompt(fmt, fmt.template.format(code=query.code, problem=query.problem))


def render_repair(fmt: PromptFormat, first: Prompt, previous: str, errors: str, round_index: int,
                  query: WholeInput) -> Prompt:
    """The prompt asking the model to fix its failed answer `previous` (completion text, as
    generated) given Lean's `errors` (already rendered in the format's style); `first` is the
    prompt that produced `previous` (a conversation grows by one assistant and one user turn)."""
    if fmt.chat:
        template = fmt.repair or _GOEDEL_REPAIR
        turn = template.format(round=round_index, errors=errors, prompt="", previous=previous, code=query.code)
        return tuple(first) + (ChatMessage("assistant", previous), ChatMessage("user", turn))
    template = fmt.repair or _COMPLETION_REPAIR
    return template.format(prompt=first, previous=previous, errors=errors, round=round_index, code=query.code)


def _as_prompt(fmt: PromptFormat, text: str) -> Prompt:
    if not fmt.chat:
        return text
    head = (ChatMessage("system", fmt.system),) if fmt.system else ()
    return head + (ChatMessage("user", text),)


def prompt_text(prompt: Prompt) -> str:
    """A prompt as one string (a conversation's turns joined), for token estimates and logs."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(f"{m.role}: {m.content}" for m in prompt)


# -- reading completions ----------------------------------------------------------------------

def read_tactic(fmt: PromptFormat, completion: str) -> str | None:
    """The tactic in a step completion, or None for garbage (`prover.prompt.clean_tactic`)."""
    for text in fmt.drop:
        completion = completion.replace(text, "")
    return clean_tactic(completion, multiline=fmt.multiline)


_BLOCK_PATTERNS = (re.compile(r"```lean4\n(.*?)\n```", re.S), re.compile(r"```lean4\n(.*?)```", re.S),
                   re.compile(r"```lean\n(.*?)```", re.S))


def read_proof(fmt: PromptFormat, completion: str, theorem_name: str) -> str | None:
    """The proof (the text after the theorem's `:=`) in a whole-proof completion, or None.

    `continuation`: `proof_prefix` + the completion (cut at a stop string if the backend did
    not). `lean4-block`: the last ```` ```lean4 ```` block (then ```` ```lean4 ```` without a
    newline before the closing fence, then ```` ```lean ````; Goedel-Prover-V2's `extrac_code`
    order) that declares the theorem `theorem_name` (short or full name); the proof is the text
    after that declaration's top-level `:=`. Anything else in the block (other lemmas, a changed
    header) is not used: the proof is checked in the theorem's own context and statement."""
    for text in fmt.drop:
        completion = completion.replace(text, "")
    if fmt.reader == "continuation":
        for stop in fmt.stop:
            if stop in completion:
                completion = completion[:completion.index(stop)]
        body = (fmt.proof_prefix + completion).rstrip()
        return body if body.strip() and body.strip() != fmt.proof_prefix.strip() else None
    short = theorem_name.rsplit(".", 1)[-1]
    for pattern in _BLOCK_PATTERNS:
        for block in reversed(pattern.findall(completion)):
            proof = proof_of(block, short)
            if proof is not None:
                return proof
    return None


def proof_of(code: str, short_name: str) -> str | None:
    """The text after the top-level `:=` of the theorem/lemma `short_name` in Lean code, or None."""
    for decl in find_declarations(code):
        if decl.keyword in ("theorem", "lemma") and decl.name.rsplit(".", 1)[-1] == short_name:
            if decl.assign_start is None or not code.startswith(":=", decl.assign_start):
                return None
            proof = code[decl.body_start:decl.end].lstrip(" \t").rstrip()
            return proof if proof else None
    return None


# -- Lean's errors, as each format's authors show them ------------------------------------------

def error_report(style: ErrorStyle, code: str, messages: Sequence[LeanMessage]) -> str:
    """Lean's error messages about `code` (the whole checked file: header, statement, proof),
    rendered as the format's authors feed them back. `messages`: Lean's messages (1-based lines,
    0-based columns, relative to `code`); only errors are shown."""
    errors = [m for m in messages if m.is_error]
    if style == "kimina":
        return _kimina_report(code, errors)
    return _goedel_report(code, errors)


def _goedel_report(code: str, errors: list[LeanMessage], limit: int = 8, shown_lines: int = 6) -> str:
    """Goedel-Prover-V2's `get_error_str` layout (src/utils.py): per error, up to four lines before
    it, the error's span marked with `<error></error>` (a long span truncated), the next line, and
    the message."""
    lines = code.split("\n")
    out = ""
    for number, error in enumerate(errors[:limit], start=1):
        start_line, start_col = error.line - 1, error.column
        end_line, end_col = error.end_line - 1, error.end_column
        start_line = min(max(start_line, 0), len(lines) - 1)
        end_line = min(max(end_line, start_line), len(lines) - 1)
        out += f"\nError {number}:\n\nCorresponding Code:\n```lean4\n"
        snippet = "".join(f"{lines[start_line + back]}\n" for back in range(-4, 0) if start_line + back >= 0)
        first = lines[start_line]
        if start_line != end_line:
            snippet += first[:start_col] + "<error>" + first[start_col:] + "\n"
            last_shown = start_line
            for middle in range(start_line + 1, min(end_line, start_line + shown_lines)):
                snippet += f"{lines[middle]}\n"
                last_shown = middle
            if end_line > start_line + shown_lines:
                indent = len(lines[last_shown]) - len(lines[last_shown].lstrip(" "))
                snippet += "\n" + " " * indent + "... --[Truncated]-- ...\n"
            last = lines[end_line]
            snippet += last[:end_col] + "</error>" + last[end_col:] + "\n"
        else:
            snippet += first[:start_col] + "<error>" + first[start_col:end_col] + "</error>" + first[end_col:] + "\n"
        if end_line + 1 < len(lines):
            snippet += f"{lines[end_line + 1]}\n"
        out += snippet + "\n```\n" + f"\nError Message: {error.text}\n"
    if len(errors) > limit:
        out += f"\n... [Omitted {len(errors) - limit} more errors] ...\n"
    return out


def _kimina_report(code: str, errors: list[LeanMessage], limit: int = 3) -> str:
    """Kimina-Prover's `create_tool_message` layout (kimina_prover_demo/utils.py): per error (at most
    three), the message and a five-line snippet numbered `NNN` with `>` on the error's line. The
    import lines are left out of the snippet as there; lines are numbered as in the checked file
    (the demo numbers them after removing the imports, one line too low per import: not copied).
    The goal state before the error (from the info tree) is not available here and is omitted, as
    the demo does when it has none."""
    lines = code.rstrip().split("\n")
    imports = 0
    while imports < len(lines) and lines[imports].startswith("import"):
        imports += 1
    out = ""
    for number, error in enumerate(errors[:limit], start=1):
        out += f"# Error {number}:\n"
        line = error.line - 1
        start, end = max(imports, line - 2), min(len(lines), line + 3)
        snippet = "```lean4\n" + "".join(f"{n + 1:03d}{' >' if n == line else '  '}| {lines[n]}\n"
                                         for n in range(start, end)) + "```"
        out += f"Error message: \n{error.text.strip()}\n\n"
        out += f"Lean 4 code snippet with error:\n{snippet}\n"
    return out
