"""The core never imports Qt or the GUI (DESIGN.md: a Qt-free core)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import desktop_app.core

CORE = Path(desktop_app.core.__file__).parent
FORBIDDEN = ("PySide6", "shiboken6", "desktop_app.gui")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_no_core_module_imports_qt_or_the_gui() -> None:
    offenders = [
        f"{path.relative_to(CORE.parent.parent)} imports {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imports(path)
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
