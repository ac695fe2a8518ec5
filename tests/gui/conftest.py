"""Fixtures of the GUI tests: the one window fixture, a task runner and a bridge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.settings import Settings
from desktop_app.gui.app import build_window
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features import live
from desktop_app.gui.tasks import TaskRunner
from desktop_app.gui.widgets import reader
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.shelf import Shelf
from tests.helpers.window import WAIT_MS, Factory, settle


@pytest.fixture
def make_window(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Factory]:
    """Build the window over the test's library (offline unless given settings), shown and
    with its index ready. ``settle_first=True``: before it closes, let pending work report. The
    URLs it would open are collected in ``window.opened_urls``."""
    opened: list[str] = []
    monkeypatch.setattr(MainWindow, "open_url", lambda self, url: opened.append(url.toLocalFile()))
    monkeypatch.setattr(reader, "SAVE_DELAY_MS", 50)
    monkeypatch.setattr(live, "DEBOUNCE_MS", 50)
    windows: list[tuple[MainWindow, bool]] = []

    def make(
        settings: Settings | None = None, *, settle_first: bool = False, **kwargs: Any
    ) -> MainWindow:
        if settings is None:
            settings = Settings(offline=True)
        window = build_window(library, settings, **kwargs)
        window.opened_urls = opened  # type: ignore[attr-defined]
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
        # A new index's full text comes in the background: there, as a user's index is.
        qtbot.waitUntil(lambda: not _texts_pending(window), timeout=WAIT_MS)
        windows.append((window, settle_first))
        return window

    yield make
    for window, settle_first in windows:
        if settle_first and window.isVisible():
            settle(qtbot, window)
        window.close()


def _texts_pending(window: MainWindow) -> bool:
    try:
        return bool(window.bridge.index.texts_pending())
    except PapershelfError:
        return False  # (a test of an index that cannot be opened)


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    """A task runner; its pools are drained after the test."""
    r = TaskRunner()
    yield r
    for pool in r._pools.values():
        pool.waitForDone(5000)


@pytest.fixture
def bridge(library: Library, runner: TaskRunner) -> Iterator[Bridge]:
    """A bridge over the test's library, its real index and the runner (no fetcher)."""
    index = WhooshIndex(library, observe=False)
    b = Bridge(library, index, runner, settings=Settings(offline=True))
    yield b
    b.close()
    for pool in runner._pools.values():
        pool.waitForDone(5000)
    index.close()


@pytest.fixture
def terminal(library: Library, monkeypatch: pytest.MonkeyPatch) -> Shelf:
    """A user at a terminal beside the window: ``terminal.sub("add", ...)`` runs
    ``papershelf`` on the window's library in another process."""
    return Shelf(library.root, monkeypatch)
