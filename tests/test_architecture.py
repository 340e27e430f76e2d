"""The package's module graph: no import cycle, and the layers depend downwards only.

Read from the source with :mod:`ast`, not by importing: every ``import`` and
``from ... import`` of a ``realtime_state`` module counts, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (annotations only, never run).

The layers, bottom up: ``errors``, ``events``, ``formats``, ``_persistent``; ``decoding``,
``envelopes``, ``_lifecycle``, ``lifecycles``; ``state``; ``reducer``; the read side
(``transcript``, ``audio``, ``cost``, ``prices``, ``timings``, ``carry``, ``barge_in``), which
reads states and names state classes in annotations only; ``live``, ``testing``, ``logs``,
``report``, ``cli`` on top. The one sanctioned upward reference: ``SessionState``'s
convenience methods (``transcript()``, ``audio()``, ``wav()``, ``conversation_wav()``,
``cost()``, ``timings()``, ``to_client_events()``, ``truncation_events()``) import their
read-side function when called.
They are thin delegations; the free functions are the primary API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "realtime_state"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(
    tree: ast.AST, *, module_level: bool = False
) -> list[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Imports run at some time, each with the function it sits in (``None``: at import)."""
    found: list[tuple[ast.Import | ast.ImportFrom, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, function)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, function))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if module_level:
                return
            function = node.name if function is None else function
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(
    *, module_level: bool = False, functions: dict[tuple[str, str], set[str]] | None = None
) -> dict[str, set[str]]:
    """Module -> the package modules it imports at run time (``module_level``: only those
    imported when the module itself is imported). ``functions``, if given, is filled with
    ``(module, target) -> names of the functions`` that import ``target`` when called
    (``"<import time>"`` for an import at module level)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, function in _runtime_imports(tree, module_level=module_level):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(name, is_package, node)
                # `from . import events` names a module; `from .state import X` names a member
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                if target in paths and target != name:
                    graph[name].add(target)
                    if functions is not None:
                        where = "<import time>" if function is None else function
                        functions.setdefault((name, target), set()).add(where)
    # importing `a.b.c` runs `a.b` first: the parent packages are dependencies too, but only
    # package __init__ modules that import something themselves can close a cycle
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert "realtime_state.formats" in graph["realtime_state.state"]
    assert "realtime_state.events" in graph["realtime_state.formats"]
    # a TYPE_CHECKING import is not an edge
    assert "realtime_state.state" not in graph["realtime_state.transcript"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    assert _cycles(import_graph()) == []


# Lower layers never import higher ones (at run time).
CORE = {
    "realtime_state.errors",
    "realtime_state.events",
    "realtime_state.formats",
    "realtime_state._persistent",
    "realtime_state.decoding",
    "realtime_state.envelopes",
    "realtime_state.lifecycles",
    "realtime_state._lifecycle",
}
READ_SIDE = {
    "realtime_state.transcript",
    "realtime_state.audio",
    "realtime_state.cost",
    "realtime_state.prices",
    "realtime_state.timings",
    "realtime_state.carry",
    "realtime_state.barge_in",
}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_modules_import_no_state_reducer_or_read_side(module: str) -> None:
    graph = import_graph()
    above = {m for m in graph if m.startswith(("realtime_state.reducer", "realtime_state.state"))}
    assert not _reachable(graph, module) & (above | READ_SIDE)


def test_reducer_never_imports_the_read_side() -> None:
    graph = import_graph(module_level=True)
    reducer = {m for m in graph if m.startswith("realtime_state.reducer")}
    for module in reducer:
        assert not _reachable(graph, module) & READ_SIDE, module


def test_state_reaches_the_read_side_only_through_its_delegations() -> None:
    functions: dict[tuple[str, str], set[str]] = {}
    graph = import_graph(functions=functions)
    upward = {
        (module, target): sorted(functions[module, target])
        for module in graph
        if module.startswith(("realtime_state.state", "realtime_state.reducer")) or module in CORE
        for target in graph[module] & READ_SIDE
    }
    assert upward == {
        ("realtime_state.state", "realtime_state.audio"): ["audio", "conversation_wav", "wav"],
        ("realtime_state.state", "realtime_state.barge_in"): ["truncation_events"],
        ("realtime_state.state", "realtime_state.carry"): ["to_client_events"],
        ("realtime_state.state", "realtime_state.cost"): ["cost"],
        ("realtime_state.state", "realtime_state.timings"): ["timings"],
        ("realtime_state.state", "realtime_state.transcript"): ["transcript"],
    }


@pytest.mark.parametrize("module", sorted(READ_SIDE))
def test_read_side_never_imports_the_reducer(module: str) -> None:
    graph = import_graph()
    assert not {m for m in _reachable(graph, module) if m.startswith("realtime_state.reducer")}


def test_the_report_reads_states_and_never_the_reducers_internals() -> None:
    """``report.py`` (an edge: the HTML page) imports the read side, ``logs`` and at most the
    reducer package's public names, never a module inside it."""
    graph = import_graph()
    direct = graph["realtime_state.report"]
    assert not {m for m in direct if m.startswith("realtime_state.reducer.")}
    assert {"realtime_state.audio", "realtime_state.logs"} <= direct
    importers = {m for m in graph if "realtime_state.report" in graph[m]}
    assert importers <= {"realtime_state.cli"}  # an edge: nothing below it uses it


def test_otel_uses_the_reducer_only_through_its_package_and_only_the_command_imports_it() -> None:
    functions: dict[tuple[str, str], set[str]] = {}
    graph = import_graph(functions=functions)
    reducer = {m for m in graph["realtime_state.otel"] if m.startswith("realtime_state.reducer")}
    assert reducer == {"realtime_state.reducer"}  # `history`, never a private module
    importers = {m for m in graph if "realtime_state.otel" in graph[m]}
    assert importers == {"realtime_state.cli"}
    assert functions["realtime_state.cli", "realtime_state.otel"] == {"otel"}
