"""Fetching as the window shows it (issue #15, items 2 and 8, and the notices): offline is a
quiet state, failures are one notice and a view, the detail pane offers Retry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.settings import Settings
from desktop_app.gui.features.fetching import FetchingFeature
from desktop_app.gui.widgets.notices import Level
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.window import WAIT_MS, Factory, feature, settle

INBOX = ["2504.00001", "2504.00002", "2504.00003"]


def inbox(library: Library) -> None:
    for key in INBOX:
        library.add(Paper(key=key, arxiv_id=key, arxiv_version=1, title=key, status=Status.NEW))


def errors_shown(window: MainWindow) -> list[str]:
    return [n.message for n in window.notices.notices if n.level is Level.ERROR]


def keep_all(qtbot: QtBot, window: MainWindow, library: Library) -> None:
    window.sidebar.select_node("view:inbox")
    qtbot.waitUntil(lambda: window.model.rowCount() == len(INBOX), timeout=WAIT_MS)
    window.table.selectAll()
    qtbot.waitUntil(lambda: len(window.selected_keys()) == len(INBOX))
    window.action_table["keep"].trigger()
    qtbot.waitUntil(
        lambda: all(library.get(k).status is Status.UNREAD for k in INBOX), timeout=WAIT_MS
    )


def indicator_text(window: MainWindow) -> str:
    indicator = feature(window, FetchingFeature).indicator
    return indicator.label.text() if indicator.isVisible() else ""


def test_keeping_papers_with_no_network_shows_one_quiet_indicator_and_no_error(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    inbox(library)
    # Online, but arXiv cannot be reached (the test environment's URLs lead nowhere).
    window = make_window(Settings(offline=False, timeout_s=0.5, max_retries=0))
    keep_all(qtbot, window, library)
    qtbot.waitUntil(
        lambda: indicator_text(window) == "Offline — 3 papers wait to be fetched",
        timeout=WAIT_MS,
    )
    settle(qtbot, window)
    assert errors_shown(window) == []
    assert feature(window, FetchingFeature).indicator.button.text() == "Retry"


def test_work_offline_reads_the_same_and_work_online_fetches(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    inbox(library)
    for key in INBOX:
        arxiv_server.add_paper(key, title=f"Fetched {key}")
    window = make_window(arxiv_server.settings(offline=True))
    keep_all(qtbot, window, library)
    qtbot.waitUntil(
        lambda: indicator_text(window) == "Offline — 3 papers wait to be fetched",
        timeout=WAIT_MS,
    )
    assert errors_shown(window) == []
    button = feature(window, FetchingFeature).indicator.button
    assert button.text() == "Work Online"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: all(library.get(k).pdf_state is FetchState.DONE for k in INBOX), timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: indicator_text(window) == "", timeout=WAIT_MS)
    assert not window.settings.offline


def test_four_failed_papers_make_one_notice_and_the_fetch_failed_view_lists_them(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    keys = [f"2504.0001{i}" for i in range(4)]
    for key in keys:  # arXiv has no record of them
        library.add(Paper(key=key, arxiv_id=key, title=key, metadata_state=FetchState.PENDING))
    window = make_window(arxiv_server.settings())
    message = "4 papers could not be fetched"
    qtbot.waitUntil(lambda: message in errors_shown(window), timeout=WAIT_MS)
    settle(qtbot, window)
    assert errors_shown(window) == [message]
    notice = window.notices.notices[0]
    assert all(k in notice.details for k in keys)
    show = next(b for b in notice.findChildren(QPushButton) if b.text() == "Show")
    show.click()
    qtbot.waitUntil(lambda: window.node_id == "view:failed" and window.model.rowCount() == 4)
    assert window.sidebar_model.find("view:failed").count == 4  # type: ignore[union-attr]


def test_the_detail_pane_says_what_failed_and_retry_fetches_it(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    key = "2504.00021"
    library.add(
        Paper(
            key=key,
            arxiv_id=key,
            title=key,
            metadata_state=FetchState.FAILED,
            metadata_error="arXiv has no record of 2504.00021",
        )
    )
    window = make_window(arxiv_server.settings())
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    assert window.select_key(key)
    qtbot.waitUntil(lambda: window.detail.key == key)
    bar = window.detail.metadata_failure
    assert bar.isVisible()
    assert bar.label.text() == "Metadata could not be fetched: arXiv has no record of 2504.00021"
    arxiv_server.add_paper(key, title="Found at last")
    qtbot.mouseClick(bar.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: library.get(key).title == "Found at last", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=WAIT_MS)
