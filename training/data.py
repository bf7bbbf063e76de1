"""Training data from proof search: (state, tactic) steps on successful proof paths.

A :class:`Step` is one edge of a proof path that Lean accepted and re-checked as a whole
(only attempts with status `proved` give steps): the goal text before the tactic, the tactic,
the goal text after it (empty when the tactic closed the proof), the step's depth on the path,
and its provenance (theorem, expert-iteration round, model that searched, search algorithm,
source: `search` or `reference`; where the tactic came from: the policy, Lean's suggestions or
premise retrieval, and the library premises it names — so that training on it teaches the
policy to name lemmas itself). Steps are stored as JSON lines and turned into a Hugging Face
`datasets.Dataset` (:func:`to_dataset`), or into the prompt-completion dataset SFT trains on
(:func:`sft_dataset`, the prompt format of :mod:`prover.prompt`).

A search trace (:mod:`search.tree`) records each probe as `{parent, tactic, verdict, child,
goals, source, premises}`; the path to the node that proved the theorem is followed back
through the `new` / `proved` entries. The root's goal text is not in the trace; it is passed in (the attempt's
`root_state`, :class:`search.attempt.ProofAttempt`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Iterable, Literal

from lean_prover.lean_env.suggestions import library_names
from lean_prover.prover.policy import TacticSource
from lean_prover.prover.prompt import format_prompt


class DataError(ValueError):
    """A step file or a search trace that cannot be read; the message is one line."""


StepSource = Literal["search", "reference"]
"""Where a training step comes from: a found proof path, or a suite's reference first step."""


@dataclass(frozen=True)
class Step:
    """One step of a proof path, with provenance."""

    state: str
    tactic: str
    theorem: str
    round: int = 0
    model: str = ""
    algorithm: str = ""
    depth: int = 0
    state_after: str = ""  # "" when the tactic finished the proof
    source: StepSource = "search"
    tactic_source: TacticSource = "policy"  # policy | lean (Lean's suggestions) | premises (retrieval)
    premises: tuple[str, ...] = ()  # library theorems the tactic names

    def __post_init__(self) -> None:
        object.__setattr__(self, "premises", tuple(self.premises))  # a JSON list read back

    def key(self) -> tuple[str, str]:
        """The (state, tactic) pair that identifies the training example."""
        return (" ".join(self.state.split()), self.tactic.strip())

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        data = asdict(self)
        data["premises"] = list(self.premises)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        """A step from a dict written by :meth:`to_dict` (unknown keys are an error)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown or "state" not in data or "tactic" not in data or "theorem" not in data:
            raise DataError(f"not a step record (keys {sorted(data)})")
        return cls(**data)


def steps_from_trace(trace: list[dict], root_state: str, theorem: str, round_index: int = 0,
                     model: str = "", algorithm: str = "") -> list[Step]:
    """The steps of the proof path in a search trace (empty when the trace holds no proof)."""
    edges: dict[int, dict] = {}
    proved_node: int | None = None
    for entry in trace:
        if entry.get("verdict") in ("new", "proved") and entry.get("child") is not None:
            edges[int(entry["child"])] = entry
            if entry["verdict"] == "proved":
                proved_node = int(entry["child"])
    if proved_node is None:
        return []
    path: list[dict] = []
    node = proved_node
    while node != 0:
        entry = edges.get(node)
        if entry is None or len(path) > len(edges):
            raise DataError(f"{theorem}: the search trace has no path from the root to node {proved_node}")
        path.append(entry)
        node = int(entry["parent"])
    path.reverse()
    steps: list[Step] = []
    state = root_state
    for depth, entry in enumerate(path):
        after = entry.get("goals", "") if entry["verdict"] == "new" else ""
        premises = tuple(entry.get("premises") or library_names(entry["tactic"]))
        steps.append(Step(state, entry["tactic"], theorem, round_index, model, algorithm, depth, after,
                          tactic_source=entry.get("source", "policy"), premises=premises))
        state = after
    return steps


def save_steps(steps: Iterable[Step], path: Path) -> int:
    """Write steps as JSON lines (replacing the file atomically); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as sink:
        for step in steps:
            sink.write(json.dumps(step.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    partial.replace(path)
    return count


def load_steps(path: Path) -> list[Step]:
    """Read steps written by :func:`save_steps`; raises `DataError` naming a bad line."""
    if not path.is_file():
        raise DataError(f"{path}: no such step file")
    steps: list[Step] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            steps.append(Step.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise DataError(f"{path}:{number}: {exc}") from None
    return steps


def to_dataset(steps: list[Step]):
    """The steps as a `datasets.Dataset` (one column per :class:`Step` field)."""
    from datasets import Dataset

    names = [f.name for f in fields(Step)]
    return Dataset.from_dict({name: [getattr(s, name) for s in steps] for name in names})


def sft_dataset(steps: list[Step], prompt_for: Callable[[str], str] = format_prompt):
    """The prompt-completion dataset SFT trains on: `prompt` = the step prompt of the state
    (:func:`prover.prompt.format_prompt`, or `prompt_for` — a truncating one), `completion` =
    the tactic and the newline that ends it at inference; provenance columns are kept."""
    from datasets import Dataset

    return Dataset.from_dict({
        "prompt": [prompt_for(s.state) for s in steps],
        "completion": [s.tactic.strip() + "\n" for s in steps],
        "theorem": [s.theorem for s in steps],
        "round": [s.round for s in steps],
        "source": [s.source for s in steps],
    })


def reference_steps(problems: list, round_index: int = 0) -> list[Step]:
    """Seed steps from reference proofs: for each problem with a `by` proof, (the initial goal
    printed from the statement, its first tactic), source `reference`. The first tactic is its
    first line, or a whole `… with` block (`induction n with` and its `| zero => …` alternatives,
    relative indentation kept) when the first line opens one.

    Only the first step is taken: later states would need Lean to be computed. Use only the
    training split's problems (never the evaluation split's)."""
    from lean_prover.prover.statement import StatementError, goal_text, parse_statement

    steps: list[Step] = []
    for problem in problems:
        proof = problem.reference_proof.strip()
        if not proof.startswith("by"):
            continue
        first = _first_tactic(proof[2:])
        if not first or first.endswith(("by", "=>", ":=")) or first.startswith(("·", "|", "<;>")):
            continue
        try:
            state = goal_text(parse_statement(problem.statement))
        except StatementError:
            continue
        steps.append(Step(state, first, problem.name, round_index, "reference", "", 0, "", "reference"))
    return steps


def _first_tactic(body: str) -> str:
    """The first tactic of a tactic block: its first line, with the `|` alternatives (and their
    deeper-indented lines) that follow a line ending in `with`, the alternatives at column 0;
    "" for a `with` line without alternatives."""
    lines = [line for line in body.split("\n") if line.strip()]
    if not lines or not lines[0].strip().endswith("with"):
        return lines[0].strip() if lines else ""
    block, column = [lines[0].strip()], None
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip())
        if line.lstrip().startswith("|") and column in (None, indent):
            column = indent
        elif column is None or indent <= column:
            break
        block.append(line[column:].rstrip())
    return "\n".join(block) if column is not None else ""
