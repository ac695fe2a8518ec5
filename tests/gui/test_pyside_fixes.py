"""PySide6 6.12's over-released singletons (see desktop_app/gui/pyside_fixes.py) cannot crash."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QAbstractListModel, QObject, Qt, Signal

from desktop_app.gui import pyside_fixes


class _Emitter(QObject):
    fired = Signal(object)


class _Blank(QAbstractListModel):
    def rowCount(self, parent: Any = None) -> int:
        return 1

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return None


def test_many_emits_and_blank_cells_leave_the_singletons_alive(qapp: Any) -> None:
    emitter = _Emitter()
    emitter.fired.connect(lambda value: None)
    model = _Blank()
    index = model.index(0, 0)
    # More releases than True and None have references in a plain interpreter (thousands).
    for _ in range(50_000):
        emitter.fired.emit(None)
        index.data()
    assert sys.getrefcount(True) > 1_000 and sys.getrefcount(None) > 1_000


def test_the_fix_applies_only_where_needed() -> None:
    assert pyside_fixes._affected((6, 12, 0)) == (sys.version_info < (3, 12))
    assert not pyside_fixes._affected((6, 11, 3))
