"""The package tree draws the architecture: imports point one way, no circle, small modules.

Every import is read from the source (``ast``), lazy imports inside functions and
type-only imports under ``TYPE_CHECKING`` included: a circle that only type checkers
or one code path see is still a circle for the next maintainer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import admission_flow

SRC = Path(admission_flow.__file__).resolve().parent

#: The layers, lowest first. A module may import its own layer and the layers below it,
#: never one above. ``base`` is the top-level modules every layer shares (errors, limits,
#: the version); ``api`` is the package's facade (``admission_flow/__init__.py``) and its thin
#: public modules, which the outer packages may use as a user would.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("base",),
    ("model",),
    ("procedure",),
    ("units",),
    ("hooks",),
    ("standard",),
    ("plugins",),
    ("judging",),
    ("engine",),
    ("api",),
    ("reports", "store", "testing"),
    ("serve",),
    ("cli",),
    ("main",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
#: The thin public modules beside the facade: each re-exports one namespace from the layers
#: below (``docs/architecture.md``, "The public surface"), so each is in the facade's layer.
PUBLIC_MODULES = {"calendar", "serial", "spec"}
MAX_LINES = 500

#: Debts being paid on their own branches, listed so that this test fails the day they are
#: paid and the entry is not removed. None left: the register's split (issue 18) and
#: the checker's (issue 17) are in.
PENDING_CIRCLES: list[list[str]] = []
PENDING_LARGE: set[str] = set()


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    if module == "admission_flow":
        return "api"
    if parts[1] == "__main__":
        return "main"
    if len(parts) == 2 and parts[1] in PUBLIC_MODULES:
        return "api"
    if len(parts) == 2 and not (SRC / parts[1]).is_dir():
        return "base"
    return parts[1]


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    module = _module(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            if node.module:
                yield node.lineno, ".".join([*base, node.module])
            else:
                for alias in node.names:
                    yield node.lineno, ".".join([*base, alias.name])
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for _, target in _imports(path):
            # "from pkg import module" names a module; "from module import name" its module.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


SOURCES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: _module(p))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    """Each import points to the module's own layer or one below it."""
    module = _module(path)
    mine = _layer(module)
    upward = []
    for line, target in _imports(path):
        if not target.startswith("admission_flow") or target == module:
            continue
        theirs = _layer(target)
        if RANK[theirs] > RANK[mine]:
            upward.append(f"{path.name}:{line}: {mine} imports {target} ({theirs})")
    assert upward == []


def test_every_package_has_a_layer() -> None:
    """A new subpackage is placed in the layers above before it is used."""
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages - set(RANK) == set()


def test_there_is_no_import_circle() -> None:
    """No module reaches itself through its imports (Tarjan's strongly connected components)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so that a deep import chain cannot exhaust the interpreter's stack.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
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
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == PENDING_CIRCLES


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason="split pending"))
        if _module(p) in PENDING_LARGE
        else p
        for p in SOURCES
    ],
    ids=lambda p: _module(p),
)
def test_no_module_is_over_500_lines(path: Path) -> None:
    """A module that grows past 500 lines has a seam to split along."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


#: An underscored name is its module's own. The one exception: the model's positional
#: builders, which skip the values' checks for speed (``model/_values.py`` says what a caller
#: promises). The engine and the deadlines use them for what they have just judged, the
#: register (``store/_rows.py``) for the rows it wrote, recheck (``store/_recheck.py``) for the
#: short-lived case before each recorded step, the bulk rebuild (``store/_rebuild.py``,
#: ``store/_fold.py``) for the candidates and cases it checked on write.
SHARED_PRIVATE = {
    ("admission_flow.model._values", name)
    for name in ("_new_case", "_new_deadline", "_new_outcome", "_new_person", "_new_step")
}


def test_private_names_cross_a_layer_only_as_listed() -> None:
    """No layer imports another's underscored name, except the model's builders."""
    modules = {_module(p) for p in SOURCES}
    crossing = set()
    for path in SOURCES:
        module = _module(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and not node.level):
                continue
            if not node.module.startswith("admission_flow"):
                continue
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                is_module = f"{node.module}.{alias.name}" in modules
                if private and not is_module and _layer(node.module) != _layer(module):
                    crossing.add((node.module, alias.name))
    assert crossing <= SHARED_PRIVATE
    assert crossing  # the walk sees the builders the engine and the register use
