"""No import cycle among ``app/``, ``views/``, ``jobs/`` and ``models/`` (issue 14, item 3 and its acceptance).

The imports are read from the source (``ast``), not by importing anything. A module-level import of a module of
those packages is an edge (``from a.b import c`` goes to the module ``a.b.c`` when there is one, else to
``a.b``); imports under ``if TYPE_CHECKING:`` are not. A package's ``__init__`` imported implicitly on the way to
one of its modules is not an edge (Python runs it first; it is not a cycle of ours). Lookups by name
(``importlib.import_module``, RQ's dotted paths, ``jobs.base`` finding the worker's app) are not imports.

- :func:`test_no_cycle_of_module_level_imports`: none anywhere in the four packages;
- :func:`test_no_cycle_through_function_level_imports_from_jobs_and_the_workflow`: imports inside functions count
  too, for every module reachable from ``jobs/`` (but its entry point ``jobs/worker.py``, which imports the whole
  app) and from ``app/workflow.py``: the 12-module circle through ``jobs/base.py`` (app → views / CLI → jobs →
  ``create_app``) and the workflow ↔ change_sets ↔ people circle are gone; :data:`KNOWN_CYCLES` lists any left
  elsewhere on purpose (none today).

Print every cycle: ``python -m tests.test_imports`` (``--lazy`` to count imports inside functions too).
"""

from __future__ import annotations

import ast
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PACKAGES = ("app", "views", "jobs", "models")
#: Entry points: they import the whole app and nothing of the packages imports them.
ENTRY_POINTS = ("jobs.worker",)
#: Cycles through function-level imports tolerated for now (sorted module names), each with its reason.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}


def _modules() -> dict[str, str]:
    """Dotted module name -> file, for every ``.py`` of the packages."""
    found = {}
    for package in PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(ROOT, package)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    found[dotted.removesuffix(".__init__")] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(module: str, path: str, modules: dict[str, str], *, lazy: bool) -> set[str]:
    """The modules of the packages that ``module`` imports (at module level; also in functions when ``lazy``)."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: set[str] = set()

    def visit(nodes) -> None:
        for node in nodes:
            if _is_type_checking(node):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and not lazy:
                continue
            if isinstance(node, ast.Import):
                edges.update(filter(None, (known(alias.name) for alias in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package
                    for _ in range(node.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                for alias in node.names:
                    target = known(f"{base}.{alias.name}") if f"{base}.{alias.name}" in modules else known(base)
                    if target:
                        edges.add(target)
            visit(ast.iter_child_nodes(node))

    visit(tree.body)
    edges.discard(module)
    return edges


def import_graph(*, lazy: bool = False) -> dict[str, set[str]]:
    """Module -> the modules it imports (module level; ``lazy``: inside functions too)."""
    modules = _modules()
    return {name: _imports(name, path, modules, lazy=lazy) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (each a set of modules importing each other
    in a circle), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                    found.append(tuple(sorted(component)))
    return sorted(found)


def reachable(graph: dict[str, set[str]], roots) -> set[str]:
    """Every module reachable from ``roots`` (them included)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


def _describe(graph, cycle) -> str:
    members = set(cycle)
    return "\n".join(f"  {m} -> {', '.join(sorted(graph[m] & members))}" for m in cycle)


def test_the_graph_is_read():
    """The walk sees the imports it must see (a guard against a walker that finds nothing)."""
    graph = import_graph()
    assert {"app.services.personnel.bulk", "jobs.leases", "models.approvals"} <= graph["jobs.approvals"]
    assert "app.extensions" in graph["app.services.errors"]
    assert "app" in graph["jobs.worker"]
    assert "jobs.approvals" not in graph["jobs.leases"]
    lazy = import_graph(lazy=True)
    assert "app.cli" in lazy["app"] and "app.cli" not in graph["app"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_no_cycle_of_module_level_imports():
    """Issue 14: no import cycle among app/, views/, jobs/ and models/ (module-level imports)."""
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(_describe(graph, c) for c in found)


def test_no_cycle_through_function_level_imports_from_jobs_and_the_workflow():
    """Issue 14, item 3: counting the imports inside functions too, no cycle among the modules reachable from
    jobs/ and app/workflow.py — services name their jobs by dotted path (``after_commit(dispatch_named, …)``),
    jobs never import ``create_app`` (the worker's entry point does), and the status vocabulary lives in
    ``app/workflow.py``."""
    graph = import_graph(lazy=True)
    roots = [m for m in graph if (m.startswith("jobs.") and m not in ENTRY_POINTS) or m == "app.workflow"]
    area = reachable(graph, roots)
    assert "app.services.personnel.change_sets" in area and "app" not in area
    found = [c for c in cycles(graph) if set(c) & area and c not in KNOWN_CYCLES]
    assert not found, "import cycles (function-level imports counted):\n" + "\n\n".join(
        _describe(graph, c) for c in found)


if __name__ == "__main__":  # pragma: no cover - a command for people
    lazy_graph = import_graph(lazy="--lazy" in sys.argv)
    for cycle in cycles(lazy_graph):
        print(f"{len(cycle)} modules:\n{_describe(lazy_graph, cycle)}")
