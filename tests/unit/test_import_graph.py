"""No import cycle anywhere in ``rookery.*``, imports inside functions included.

The graph is read from the source with ``ast``: every ``import`` / ``from … import`` in a module,
at any depth (function bodies, ``try``, ``if``), resolved to the ``rookery`` module it loads.
Imports under ``if TYPE_CHECKING:`` never run and are left out. ``from pkg import name`` counts
as an import of ``pkg.name`` when that is a module, else of ``pkg``. Parent packages that Python
initialises on the way are not edges: they would report every package whose ``__init__`` imports a
submodule, which is not the layering problem this test guards.

Run it as a script to print the cycles: ``python tests/unit/test_import_graph.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = (ROOT / "workloads", ROOT / "operator", ROOT / "inference")


@dataclass(frozen=True)
class Edge:
    target: str
    line: int


def _module_name(source_root: Path, path: Path) -> str:
    parts = list(path.relative_to(source_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for source_root in SOURCE_ROOTS:
        for path in sorted((source_root / "rookery").rglob("*.py")):
            found[_module_name(source_root, path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import node that can run: the bodies of ``if TYPE_CHECKING:`` are skipped (their
    ``else`` branches are not)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The deepest known module that ``name`` names or lives in."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, list[Edge]]:
    known = modules()
    graph: dict[str, list[Edge]] = {}
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        edges: list[Edge] = []
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
            for target in targets:
                resolved = _resolve(target, known) if target.startswith("rookery") else None
                if resolved is not None and resolved != module:
                    edges.append(Edge(resolved, node.lineno))
        graph[module] = edges
    return graph


def strongly_connected(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); the components with more than one module, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[Edge]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for edge in edges:
                if edge.target not in index:
                    index[edge.target] = low[edge.target] = counter
                    counter += 1
                    stack.append(edge.target)
                    on_stack.add(edge.target)
                    work.append((edge.target, iter(graph.get(edge.target, []))))
                    break
                if edge.target in on_stack:
                    low[node] = min(low[node], index[edge.target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found)


def one_cycle(graph: dict[str, list[Edge]], component: list[str]) -> list[tuple[str, Edge]]:
    """A shortest cycle through the component's first module, as (module, edge) steps."""
    members = set(component)
    start = component[0]
    previous: dict[str, tuple[str, Edge]] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for edge in graph[node]:
                if edge.target not in members:
                    continue
                if edge.target == start:
                    steps = [(node, edge)]
                    while node != start:
                        node, step = previous[node]
                        steps.append((node, step))
                    return steps[::-1]
                if edge.target not in previous:
                    previous[edge.target] = (node, edge)
                    following.append(edge.target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # unreachable for a strongly connected component


def describe(graph: dict[str, list[Edge]], components: list[list[str]]) -> str:
    known = modules()
    lines = []
    for component in components:
        lines.append(f"cycle of {len(component)} modules: {', '.join(component)}")
        for module, edge in one_cycle(graph, component):
            where = known[module].relative_to(ROOT)
            lines.append(f"    {module} -> {edge.target}  ({where}:{edge.line})")
    return "\n".join(lines)


def test_the_graph_covers_every_package() -> None:
    graph = import_graph()
    for package in ("rookery.workloads", "rookery.operator", "rookery.inference"):
        assert any(module.startswith(package + ".") for module in graph), package
    # function-level imports count: commands.serve imports the API app inside a function
    assert "rookery.workloads.api.app" in {edge.target for edge in graph["rookery.workloads.commands"]}


def test_type_checking_imports_are_left_out() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import rookery.a\nelse:\n    import rookery.b\n"
        "def f():\n    import rookery.c\n"
    )
    assert sorted(alias.name for node in _imports(tree) for alias in node.names) == [
        "TYPE_CHECKING",
        "rookery.b",
        "rookery.c",
    ]


def test_tarjan_finds_a_cycle() -> None:
    graph = {"a": [Edge("b", 1)], "b": [Edge("c", 2)], "c": [Edge("a", 3), Edge("d", 4)], "d": []}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert [module for module, _ in one_cycle(graph, ["a", "b", "c"])] == ["a", "b", "c"]


def test_bootstrap_and_api_stay_apart() -> None:
    """The composition root builds what the API serves; the API sees the Container only for typing."""
    graph = import_graph()

    def within(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    wrong = sorted(
        f"{module} -> {edge.target} (line {edge.line})"
        for module, edges in graph.items()
        for edge in edges
        if (within(module, "rookery.workloads.bootstrap") and within(edge.target, "rookery.workloads.api"))
        or (within(module, "rookery.workloads.api") and within(edge.target, "rookery.workloads.bootstrap"))
    )
    assert not wrong, "bootstrap and api import each other:\n" + "\n".join(wrong)


def test_no_import_cycle_in_rookery() -> None:
    graph = import_graph()
    components = strongly_connected(graph)
    assert not components, "import cycles in rookery.*:\n" + describe(graph, components)


if __name__ == "__main__":
    graph = import_graph()
    components = strongly_connected(graph)
    edges = sum(len(found) for found in graph.values())
    print(f"{len(graph)} modules, {edges} imports, {len(components)} cycles")
    if components:
        print(describe(graph, components))
