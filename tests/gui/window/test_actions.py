"""The window's one action table: every action named once, shortcuts that do not clash, and
features that never import the window."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from PySide6.QtGui import QKeySequence

import desktop_app.gui.features
from desktop_app.gui.window.actions import ACTIONS, MENUS, ActionSpec, Scope, Submenu
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.window import Factory


def _specs() -> list[ActionSpec]:
    return [e for e in ACTIONS if isinstance(e, ActionSpec)]


def test_every_action_has_one_name_and_a_known_menu() -> None:
    names = Counter(spec.name for spec in _specs())
    assert [n for n, count in names.items() if count > 1] == []
    for entry in ACTIONS:
        assert entry.menu is None or entry.menu in MENUS, entry
        if isinstance(entry, Submenu):
            assert entry.parent in MENUS


def test_no_two_actions_of_one_scope_share_a_shortcut(qapp: object) -> None:
    seen: dict[tuple[Scope, str], str] = {}
    for spec in _specs():
        for shortcut in spec.shortcuts:
            key = QKeySequence(shortcut).toString()
            if not key:
                continue  # a standard key this platform leaves empty
            assert (spec.scope, key) not in seen, (spec.name, seen.get((spec.scope, key)))
            seen[(spec.scope, key)] = spec.name


def test_the_window_builds_every_action_of_the_table(make_window: Factory) -> None:
    window: MainWindow = make_window()
    for spec in _specs():
        action = window.action_table[spec.name]
        assert action.text() == spec.text
    assert window.action_table["close_tab"] is window.tabs.close_action


def test_features_never_import_the_window() -> None:
    folder = Path(desktop_app.gui.features.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                assert not module.startswith("desktop_app.gui.window"), (path.name, module)
