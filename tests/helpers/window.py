"""Helpers for tests that drive the library window (the fixture is ``make_window`` in
tests/gui/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.gui.features import find
from desktop_app.gui.window.main_window import MainWindow

#: How long a test waits for background work (the index, a search, a write).
WAIT_MS = 30_000

Factory = Callable[..., MainWindow]
F = TypeVar("F", bound=QObject)


def feature(window: MainWindow, kind: type[F]) -> F:
    """The window's installed feature of this class."""
    return find(window.host.features, kind)


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Let the searches and index updates a test started report before the window closes,
    so none of them lands on a deleted window."""

    def idle() -> bool:
        QApplication.processEvents()
        # A change refreshes the list after a short delay: wait for that search too.
        return not window.runner.busy and not window.view.refresh_timer.isActive()

    qtbot.waitUntil(idle, timeout=WAIT_MS)
    qtbot.wait(50)
    qtbot.waitUntil(idle, timeout=WAIT_MS)
