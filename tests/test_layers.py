"""The layers of DESIGN.md hold: a Qt-free core, Whoosh behind the search protocol, no import
cycles, and modules small enough to read in one sitting."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import desktop_app
import desktop_app.core

PACKAGE = Path(desktop_app.__file__).parent
CORE = Path(desktop_app.core.__file__).parent
FORBIDDEN = ("PySide6", "shiboken6", "desktop_app.gui")
WHOOSH_SIDE = "desktop_app.core.search.whoosh"
#: The composition roots: the only modules outside the Whoosh package that may name it.
COMPOSITION_ROOTS = {"desktop_app.gui.app", "desktop_app.cli.context"}
MAX_MODULE_LINES = 900
MAX_CLASS_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield _module_name(path), path


def _imports(path: Path, known: set[str]) -> list[str]:
    """Every module ``path`` imports, anywhere in it (TYPE_CHECKING blocks and functions too).

    ``from pkg import name`` counts as importing ``pkg.name`` when that is one of the
    ``known`` modules, else as importing ``pkg``.
    """
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.append(sub if sub in known else node.module)
    return names


def _internal_graph() -> dict[str, set[str]]:
    modules = list(_modules())
    known = {name for name, _ in modules}
    graph: dict[str, set[str]] = {}
    for name, path in modules:
        graph[name] = {m for m in _imports(path, known) if m in known and m != name}
    return graph


def test_no_core_module_imports_qt_or_the_gui() -> None:
    offenders = [
        f"{path.relative_to(CORE.parent.parent)} imports {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imports(path, set())
        if name.startswith(FORBIDDEN)
    ]
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [
        "desktop_app.core." + p.relative_to(CORE).with_suffix("").as_posix().replace("/", ".")
        for p in sorted(CORE.rglob("*.py"))
        if p.name != "__init__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'desktop_app.gui'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_only_the_composition_roots_name_the_whoosh_engine() -> None:
    modules = list(_modules())
    known = {name for name, _ in modules}
    offenders = [
        f"{name} imports {imported}"
        for name, path in modules
        if not name.startswith(WHOOSH_SIDE) and name not in COMPOSITION_ROOTS
        for imported in _imports(path, known)
        if imported == WHOOSH_SIDE or imported.startswith(WHOOSH_SIDE + ".")
    ]
    assert offenders == []


def test_only_the_whoosh_package_imports_whoosh_itself() -> None:
    offenders = [
        f"{name} imports {imported}"
        for name, path in _modules()
        if not name.startswith(WHOOSH_SIDE)
        for imported in _imports(path, set())
        if imported == "whoosh" or imported.startswith("whoosh.")
    ]
    assert offenders == []


def test_no_import_cycles_in_the_package() -> None:
    graph = _internal_graph()
    # A package imports its submodules' names only through its __init__, never the reverse:
    # an edge from a package to its own child and back is a cycle like any other.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: two modules importing each other are reported."""
    pkg = tmp_path / "desktop_app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from desktop_app import b\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import desktop_app.a\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    with pytest.raises(AssertionError):
        test_no_import_cycles_in_the_package()


def test_modules_and_classes_read_in_one_sitting() -> None:
    too_long: list[str] = []
    for name, path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    too_long.append(f"{name}.{node.name}: {size} lines")
    assert too_long == []
