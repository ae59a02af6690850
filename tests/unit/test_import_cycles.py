"""No import cycles among the project's modules, and none dodged by importing inside a function.

Every ``.py`` file under the project packages is parsed (never imported) and its imports
become edges of a module graph restricted to project modules:

- ``import a.b.c`` and ``from a.b import c`` (``c`` a submodule) need ``a.b.c``;
  ``from a.b import name`` (``name`` not a module) needs ``a.b`` itself;
- importing ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``, so those are needed
  too, except the packages that contain the importer: Python imports them before it, so by
  the time the importer runs they are loaded (or loading) whatever it imports.

Imports that run when the module is imported are the ones at the top level, including those
inside top-level ``if``/``try``/``with`` blocks and class bodies. Imports under
``if TYPE_CHECKING:`` never run and are ignored. Imports inside functions run later; the
second test counts them too, so that a deferred import is not a way to hide a cycle.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "services", "deploy")


@dataclass(frozen=True)
class Edge:
    """``importer`` needs ``target`` loaded, because of one import statement."""

    importer: str
    target: str
    path: str  # the importer's file, relative to the root
    line: int
    statement: str
    function: str | None  # qualified name of the enclosing function; None at import time
    via: str | None = None  # the submodule whose import runs this parent package


def discover_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module under the packages, by dotted name (a package by its ``__init__``)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            parts = relative.with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    """True for ``TYPE_CHECKING`` and ``typing.TYPE_CHECKING``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def import_statements(
    tree: ast.AST, scope: str = "", function: str | None = None
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Each import statement that can run, with its enclosing function (None: import time)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, function
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.orelse:  # the body only runs under a type checker
                yield from import_statements(
                    ast.Module(body=[statement], type_ignores=[]), scope, function
                )
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{scope}{child.name}"
            yield from import_statements(child, f"{name}.", name)
        elif isinstance(child, ast.ClassDef):
            # A class body runs at import time; its methods do not.
            yield from import_statements(child, f"{scope}{child.name}.", function)
        else:
            yield from import_statements(child, scope, function)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if node.level == 0:
        return node.module or ""
    package = importer if is_package else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return ".".join(part for part in (package, node.module) if part)


def _project_module(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a project module (None: not the project's)."""
    parts = name.split(".")
    for length in range(len(parts), 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in modules:
            return candidate
    return None


def _ancestors(module: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = module.split(".")
    return [".".join(parts[:length]) for length in range(1, len(parts))]


def edges_of(module: str, modules: dict[str, Path], root: Path) -> list[Edge]:
    """The project modules ``module``'s imports need, one edge per (statement, target)."""
    path = modules[module]
    is_package = path.name == "__init__.py"
    already_loaded = set(_ancestors(module))  # Python loads these before the module runs
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Edge] = []
    for node, function in import_statements(tree):
        if isinstance(node, ast.Import):
            wanted = [alias.name for alias in node.names]
        else:
            base = _absolute(node, module, is_package)
            wanted = [
                f"{base}.{alias.name}"
                if alias.name != "*" and f"{base}.{alias.name}" in modules
                else base
                for alias in node.names
            ]
        for name in wanted:
            target = _project_module(name, modules)
            if target is None:
                continue
            common = {
                "importer": module,
                "path": str(path.relative_to(root)),
                "line": node.lineno,
                "statement": ast.unparse(node),
                "function": function,
            }
            found.append(Edge(target=target, **common))
            for parent in _ancestors(target):
                if parent in modules and parent not in already_loaded:
                    found.append(Edge(target=parent, via=target, **common))
    return [edge for edge in found if edge.target != edge.importer]


def import_graph(
    root: Path, packages: Iterable[str], *, deferred: bool
) -> dict[str, dict[str, Edge]]:
    """importer -> target -> the first edge that needs it (``deferred``: count functions)."""
    modules = discover_modules(root, packages)
    graph: dict[str, dict[str, Edge]] = {module: {} for module in modules}
    for module in modules:
        for edge in edges_of(module, modules, root):
            if deferred or edge.function is None:
                # Keep an import-time edge over a deferred one for the same pair.
                known = graph[module].get(edge.target)
                if known is None or (known.function is not None and edge.function is None):
                    graph[module][edge.target] = edge
    return graph


def strongly_connected_components(graph: dict[str, dict[str, Edge]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: each component's modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def enter(node: str) -> Iterator[str]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return iter(sorted(graph.get(node, {})))

    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, enter(start))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    work.append((child, enter(child)))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def path_between(graph: dict[str, dict[str, Edge]], start: str, goal: str) -> list[Edge]:
    """The shortest chain of edges from ``start`` to another module ``goal`` (or [])."""
    came_by: dict[str, Edge] = {}
    queue = deque([start])
    while queue and goal not in came_by:
        node = queue.popleft()
        for target, edge in sorted(graph.get(node, {}).items()):
            if target != start and target not in came_by:
                came_by[target] = edge
                queue.append(target)
    chain: list[Edge] = []
    node = goal
    while node in came_by:
        chain.append(came_by[node])
        node = came_by[node].importer
    return chain[::-1]


def describe(edge: Edge) -> str:
    """One edge as ``importer -> target  (file:line [in function]: statement)``."""
    where = f"{edge.path}:{edge.line}"
    if edge.function:
        where += f" in {edge.function}()"
    why = f"; runs {edge.target}/__init__ because it imports {edge.via}" if edge.via else ""
    return f"{edge.importer} -> {edge.target}  ({where}: {edge.statement}{why})"


def cycles(graph: dict[str, dict[str, Edge]]) -> list[list[str]]:
    """The components of more than one module."""
    return [c for c in strongly_connected_components(graph) if len(c) > 1]


def _within(graph: dict[str, dict[str, Edge]], members: set[str]) -> dict[str, dict[str, Edge]]:
    """The graph cut down to the edges among ``members``."""
    return {m: {t: e for t, e in graph[m].items() if t in members} for m in members}


def report_cycle(graph: dict[str, dict[str, Edge]], component: list[str]) -> str:
    """A component's modules, and its shortest cycle through the first one, edge by edge."""
    inside = _within(graph, set(component))
    first = component[0]
    loops = [[edge, *path_between(inside, target, first)] for target, edge in inside[first].items()]
    hops = min(loops, key=len)
    return "\n".join(
        [f"cycle among {', '.join(component)}:"] + [f"    {describe(edge)}" for edge in hops]
    )


def deferred_imports_in_cycles(graph: dict[str, dict[str, Edge]]) -> list[str]:
    """Each function-level import whose target already leads back to the importer."""
    found = []
    for component in cycles(graph):
        inside = _within(graph, set(component))
        for module in component:
            for target, edge in sorted(inside[module].items()):
                if edge.function is None:
                    continue
                back = path_between(inside, target, module)
                found.append(
                    "\n".join(
                        [f"{describe(edge)}", "  closes the cycle back through:"]
                        + [f"    {describe(hop)}" for hop in back]
                    )
                )
    return found


def test_the_scan_sees_every_project_package() -> None:
    """The graph holds modules of each package and some imports between them."""
    graph = import_graph(ROOT, PACKAGES, deferred=False)

    assert {module.split(".")[0] for module in graph} == set(PACKAGES)
    assert sum(len(targets) for targets in graph.values()) > len(PACKAGES)


def test_no_project_modules_import_each_other_in_a_cycle_at_import_time() -> None:
    """Imports that run at import time form no cycle among the project's modules."""
    graph = import_graph(ROOT, PACKAGES, deferred=False)

    found = [report_cycle(graph, component) for component in cycles(graph)]

    assert found == [], "import cycles at import time:\n" + "\n".join(found)


def test_no_import_inside_a_function_dodges_a_cycle() -> None:
    """Counting function-level imports as top-level ones still gives no cycle."""
    graph = import_graph(ROOT, PACKAGES, deferred=True)

    dodges = deferred_imports_in_cycles(graph)

    assert dodges == [], (
        "imports inside functions that only dodge an import cycle (as top-level imports "
        "they would close one):\n" + "\n".join(dodges)
    )


def test_the_cycle_finder_follows_relative_submodule_and_parent_package_imports(
    tmp_path: Path,
) -> None:
    """On a made-up package tree, exactly the real cycles are found, and nothing else."""
    files = {
        "app/__init__.py": "from app.models import Model\nfrom app import hooks\n",
        # a class body runs at import time, its methods do not
        "app/models.py": (
            "from .base import Base\n\n"
            "class Model(Base):\n    import web\n\n    def save(self):\n"
            "        from lib import a\n"
        ),
        # a sibling import from inside the package does not rerun app/__init__
        "app/base.py": "import json\nfrom app import util\n\nclass Base:\n    pass\n",
        "app/util.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from app.models import Model\n"
            "else:\n    from lib import a\n"
        ),
        # web.views imports app.models, which runs app/__init__, which imports web.views
        "web/__init__.py": "",
        "web/views.py": "from app.models import Model\n",
        "app/hooks.py": "try:\n    from web import views\nexcept ImportError:\n    views = None\n",
        "app/late.py": "def handler():\n    from web import views\n    return views\n",
        # only a function-level import closes this one: a cycle dodged, not avoided
        "lib/__init__.py": "",
        "lib/a.py": "from lib import b\n",
        "lib/b.py": "def f():\n    from lib.a import thing\n    return thing\n",
    }
    root = tmp_path / "pkgs"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    at_import = import_graph(root, ["app", "web", "lib"], deferred=False)
    with_functions = import_graph(root, ["app", "web", "lib"], deferred=True)

    assert set(at_import["app.base"]) == {"app.util"}
    assert set(at_import["app.util"]) == {"lib", "lib.a"}
    assert set(at_import["app.models"]) == {"app.base", "web"}
    assert set(at_import["web.views"]) == {"app", "app.models"}
    assert at_import["web.views"]["app"].via == "app.models"
    assert cycles(at_import) == [["app", "app.hooks", "web.views"]]
    assert with_functions["app.models"]["lib.a"].function == "Model.save"
    assert sorted(cycles(with_functions)) == [["app", "app.hooks", "web.views"], ["lib.a", "lib.b"]]
    dodges = deferred_imports_in_cycles(with_functions)
    assert [dodge.splitlines()[0] for dodge in dodges] == [
        "lib.b -> lib.a  (lib/b.py:2 in f(): from lib.a import thing)"
    ]
