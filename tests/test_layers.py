"""The floors of the house: every module imports only modules of its own layer or of the layers
below it (lean_env < prover < search < training < app), and no group of modules imports itself
round in a cycle. Imports inside functions and under `TYPE_CHECKING` count too: a lazy import
that runs back up is still a dependency on the floor above."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("lean_env", "prover", "search", "training", "app")
PACKAGE = "lean_prover"


def module_files() -> dict[str, Path]:
    """Every module of the package by its dotted import name (a package by its `__init__`)."""
    modules: dict[str, Path] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports (`from pkg import module` names the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of an unknown leaf: its package
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer_of(module: str) -> int:
    """The floor of a module: its index in LAYERS."""
    return LAYERS.index(module.split(".")[1])


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """`a -> b` for every import of a higher layer's module `b` by `a`."""
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if layer_of(b) > layer_of(a))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the package modules it imports, for the whole package."""
    files = module_files()
    return {name: imported_modules(name, path, set(files)) for name, path in files.items()}


def test_the_checks_catch_an_upward_import_and_a_cycle():
    graph = {"lean_prover.prover.a": {"lean_prover.search.b"}, "lean_prover.search.b": {"lean_prover.prover.a"},
             "lean_prover.search.c": {"lean_prover.prover.a"}}
    assert upward_imports(graph) == ["lean_prover.prover.a -> lean_prover.search.b"]
    assert cycles(graph) == [["lean_prover.prover.a", "lean_prover.search.b"]]


def test_every_layer_has_modules_and_the_graph_sees_imports():
    graph = import_graph()
    assert {module.split(".")[1] for module in graph} == set(LAYERS)
    assert "lean_prover.app.build" in graph["lean_prover.app.cli"]
    assert "lean_prover.lean_env.theorem" in graph["lean_prover.lean_env.dojo"]


def test_no_import_runs_up_a_floor():
    assert upward_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []
