"""The package's modules form a layered graph: no import cycle, even through imports inside functions.

A cycle held together by a function-local import works until someone moves one line; then it
breaks at import time, in production, on an app-registry error. So the graph is checked as
written (every ``import`` of our own modules, wherever it sits, except those under
``TYPE_CHECKING``), every function-local import must say why it is local, and every module is
imported in a fresh interpreter in dependency order, leaves first.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "wagtail_triggers"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module of ours
    line: int
    local: bool  # inside a function (runs on call, not on import)
    commented: bool  # a comment on the line or the line above says why


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    """Every module of the package except migrations (Django imports those by itself)."""
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(id(inner) for inner in ast.walk(node))
    return guarded


def _function_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(inner) for inner in ast.walk(node) if inner is not node)
    return inside


def _targets(node: ast.Import | ast.ImportFrom, source: str, is_package: bool, modules: dict) -> Iterator[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = source if is_package else source.rpartition(".")[0]
        if node.level:
            base = ".".join(base.split(".")[: len(base.split(".")) - (node.level - 1)])
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        # ``from . import engine`` names a module; ``from .engine import tick`` names a member.
        names = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module for alias in node.names]
    for name in names:
        while name and name not in modules and "." in name:
            name = name.rpartition(".")[0]
        if name in modules and name != source:
            yield name


DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


def _dynamic_target(node: ast.Call, source: str) -> str | None:
    """The module an ``import_module(...)``-style call names: a literal, or an f-string whose
    only placeholder is ``__name__``; None when the target is computed (a variable)."""
    argument = node.args[0] if node.args else None
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.JoinedStr):
        parts = []
        for value in argument.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and ast.unparse(value.value) == "__name__":
                parts.append(source)
            else:
                return None
        return "".join(parts)
    return None


def dynamic_imports() -> Iterator[tuple[str, int, str | None]]:
    """Every call of ``import_module``/``import_string``/``__import__`` in the package:
    (module, line, target or None when computed)."""
    for source, path in package_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in DYNAMIC_IMPORTERS:
                    yield source, node.lineno, _dynamic_target(node, source)


def _resolve(name: str, modules: dict) -> str | None:
    while name and name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name if name in modules else None


def package_imports() -> list[Import]:
    """Static imports, plus ``import_module("…")`` calls with a literal target: a loop closed
    through importlib is a loop all the same."""
    modules = package_modules()
    found: list[Import] = []
    for source, path in modules.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        guarded, inside = _type_checking_nodes(tree), _function_nodes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in guarded:
                continue
            nearby = lines[node.lineno - 2 : node.end_lineno]
            commented = any("#" in line for line in nearby)
            for target in _targets(node, source, path.name == "__init__.py", modules):
                found.append(Import(source, target, node.lineno, id(node) in inside, commented))
    for source, line, name in dynamic_imports():
        target = _resolve(name or "", modules)
        if target and target != source:
            found.append(Import(source, target, line, local=True, commented=True))
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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
                    components.append(sorted(component))
    return components


def dependency_order(graph: dict[str, set[str]]) -> list[str]:
    """Leaves first (a module after everything it imports)."""
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        done.add(name)
        for target in sorted(graph[name]):
            visit(target)
        order.append(name)

    for name in sorted(graph):
        visit(name)
    return order


# Function-local imports Django runs once the app registry is ready (AppConfig.ready): not part
# of any module's import, so not an edge of the graph.
def _ready_time(edge: Import) -> bool:
    return edge.local and edge.source.endswith(".apps")


def import_graph(*, with_local: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in package_modules()}
    for edge in package_imports():
        if _ready_time(edge):
            continue
        if with_local or not edge.local:
            graph[edge.source].add(edge.target)
    return graph


def test_no_import_cycle_at_module_level():
    assert strongly_connected(import_graph(with_local=False)) == []


def test_no_import_cycle_through_function_local_imports():
    """A function-local import must not close a loop: the graph with them is still acyclic."""
    assert strongly_connected(import_graph(with_local=True)) == []


def test_every_function_local_import_says_why():
    """The few imports left inside functions carry a comment (import-time cost, app registry)."""
    silent = [
        f"{edge.source}:{edge.line} → {edge.target}" for edge in package_imports() if edge.local and not edge.commented
    ]
    assert silent == []


# Imports by computed name, each with its reason. Anything else must be a plain import, so the
# graph above sees it.
COMPUTED_IMPORTS = {
    # The package's lazy public names (``_EXPORTS``): importing ``wagtail_triggers`` (as the shop
    # adapters do) must not need the app registry nor load the engine.
    PACKAGE: "lazy public API",
    # Settings name the site's own callables (coupon provider, recommendations, mailer backend).
    f"{PACKAGE}.conf": "callables named in settings",
    f"{PACKAGE}.recommendations": "callables named in settings",
}


def test_imports_by_computed_name_are_only_the_allowed_ones():
    computed = sorted({source for source, _line, target in dynamic_imports() if target is None})
    assert [source for source in computed if source not in COMPUTED_IMPORTS] == []


@pytest.mark.parametrize(
    ("code", "target"),
    [
        ('import_module("wagtail_triggers.engine")', "wagtail_triggers.engine"),
        ('importlib.import_module(f"{__name__}.base")', "wagtail_triggers.scenarios.base"),
        ('import_string("wagtail_triggers.coupons.issue")', "wagtail_triggers.coupons.issue"),
        ('import_module(f"{__name__}.{module}")', None),
        ("import_string(setting)", None),
    ],
)
def test_the_graph_reads_imports_through_importlib(code, target):
    call = ast.parse(code).body[0].value
    assert _dynamic_target(call, "wagtail_triggers.scenarios") == target


OPTIONAL = {f"{PACKAGE}.contrib.oscar": "oscar"}  # adapters whose shop may not be installed


def test_every_module_imports_in_dependency_order_in_a_fresh_interpreter():
    order = dependency_order(import_graph(with_local=True))
    script = (
        "import importlib, json, sys, django\n"
        "django.setup()\n"
        "failed = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(failed))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT.parent)}
    run = subprocess.run(
        [sys.executable, "-c", script, json.dumps(order)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT.parent,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    failed = json.loads(run.stdout.strip().splitlines()[-1])
    unexpected = {
        name: error
        for name, error in failed.items()
        if not any(name.startswith(prefix) and needs in error for prefix, needs in OPTIONAL.items())
    }
    assert unexpected == {}
    assert len(order) == len(package_modules())


@pytest.mark.parametrize(
    ("graph", "cycles"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycles):
    assert strongly_connected(graph) == cycles
