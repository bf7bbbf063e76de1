"""Critic examples from whole search trees: state → provable or not, and distance to the proof.

A search trace (:mod:`search.tree`) records every probe as `{parent, tactic, verdict, child,
goals}`: `new` and `proved` entries create nodes, `duplicate` entries point at an existing node,
failures create nothing. From one tree:

- **positive** (label 1, `distance` = tactics still needed): every node on the path from the root
  to the node that closed the proof — only when the attempt's status is `proved` (Lean re-checked
  the whole theorem); other nodes from which the explored graph reaches a proof are positive too,
  with their distance along the graph;
- **negative** (label 0, `distance` −1): an expanded node from which no proof is reachable in the
  explored graph and every node reachable from it was expanded too (a dead end, not a frontier);
- everything else (frontier nodes, nodes leading only to the frontier) is unlabeled and dropped.

Nodes' goal texts come from the `goals` of `new` entries; the root's text is the row's
`root_state` (recorded by `training.search_runs`); a trace without it gives no root example.
Inputs are rows of `search.jsonl` files (expert-iteration run folders) or `prover prove --trace`
files (a JSON list of attempts). The same state seen twice keeps its positive label and the
shortest distance.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path


class CriticDataError(ValueError):
    """A trace or an example file that cannot be read; the message is one line."""


@dataclass(frozen=True)
class CriticExample:
    """One labelled state: 1 = a proof was found from it (`distance` tactics away), 0 = dead end."""

    state: str
    label: int
    distance: int
    theorem: str

    def target(self, discount: float) -> float:
        """The value the critic is trained towards: `discount ** distance` for provable states, else 0."""
        return discount ** max(0, self.distance) if self.label else 0.0

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def examples_from_trace(trace: list[dict], root_state: str, theorem: str, proved: bool) -> list[CriticExample]:
    """The labelled states of one search tree (see the module docstring)."""
    goals: dict[int, str] = {0: root_state} if root_state.strip() else {}
    edges: dict[int, set[int]] = {}
    finished: set[int] = set()
    nodes: set[int] = {0}
    for entry in trace:
        try:
            parent, verdict, child = int(entry["parent"]), entry["verdict"], entry.get("child")
        except (KeyError, TypeError, ValueError):
            raise CriticDataError(f"{theorem}: not a search-trace entry: {str(entry)[:80]}") from None
        nodes.add(parent)
        edges.setdefault(parent, set())
        if child is None:
            continue
        child = int(child)
        nodes.add(child)
        edges[parent].add(child)
        if verdict == "new" and entry.get("goals"):
            goals[child] = entry["goals"]
        elif verdict == "proved":
            finished.add(child)
    expanded = set(edges)
    reverse: dict[int, set[int]] = {}
    for parent, children in edges.items():
        for child in children:
            reverse.setdefault(child, set()).add(parent)
    distance = _distances(finished if proved else set(), reverse)
    undecided = _reaching({n for n in nodes if n not in expanded and n not in finished}, reverse) | _reaching(
        finished, reverse)
    examples = []
    for node in sorted(nodes):
        state = goals.get(node)
        if state is None or node in finished:
            continue
        if node in distance:
            examples.append(CriticExample(state, 1, distance[node], theorem))
        elif node in expanded and node not in undecided:
            examples.append(CriticExample(state, 0, -1, theorem))
    return examples


def _distances(sources: set[int], reverse: dict[int, set[int]]) -> dict[int, int]:
    """Shortest number of edges from each node to one of `sources`, over the explored graph."""
    distance = {s: 0 for s in sources}
    queue = deque(sources)
    while queue:
        node = queue.popleft()
        for parent in reverse.get(node, ()):
            if parent not in distance:
                distance[parent] = distance[node] + 1
                queue.append(parent)
    return distance


def _reaching(targets: set[int], reverse: dict[int, set[int]]) -> set[int]:
    """Nodes with a path to one of `targets` (the targets included)."""
    return set(_distances(targets, reverse))


def examples_from_rows(rows: list[dict]) -> list[CriticExample]:
    """The examples of many attempts (search rows or `prover prove --trace` attempts), deduplicated
    by state: a positive label wins, with the shortest distance."""
    best: dict[str, CriticExample] = {}
    for row in rows:
        if not isinstance(row, dict) or "trace" not in row:
            raise CriticDataError("an attempt without a search trace (write them with --trace / search rows)")
        for example in examples_from_trace(row["trace"] or [], row.get("root_state", ""), row.get("name", ""),
                                           row.get("status") == "proved"):
            key = " ".join(example.state.split())
            old = best.get(key)
            if old is None or (example.label, -example.distance) > (old.label, -old.distance):
                best[key] = example
    return list(best.values())


def read_attempts(path: Path) -> list[dict]:
    """Attempts from a `search.jsonl` (one row per line) or a `--trace` file (a JSON list)."""
    if not path.is_file():
        raise CriticDataError(f"{path}: no such trace file")
    text = path.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("["):
            return json.loads(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise CriticDataError(f"{path}: not JSON or JSON lines ({exc})") from None


def trace_files(paths: list[Path]) -> list[Path]:
    """The trace files named, with folders expanded to the `search.jsonl`/`eval/*.jsonl` files under them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob("search.jsonl")) + sorted(path.rglob("eval/*.jsonl"))
        else:
            found.append(path)
    if not found:
        raise CriticDataError("no trace files found")
    return found


def save_examples(examples: list[CriticExample], path: Path) -> None:
    """Write examples as JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")


def load_examples(path: Path) -> list[CriticExample]:
    """Read examples written by :func:`save_examples`; raises `CriticDataError` naming a bad line."""
    if not path.is_file():
        raise CriticDataError(f"{path}: no such example file")
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                examples.append(CriticExample(**json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise CriticDataError(f"{path}:{number}: not a critic example ({exc})") from None
    return examples
