"""Undo in the window: never an impossible state, never a step that no longer applies
(issue #15, items 4 and 5)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.gui.features.trash import TrashFeature
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.shelf import Shelf
from tests.helpers.window import WAIT_MS, Factory, feature, settle

KEYS = ["2301.00001", "2301.00002"]


def opened(qtbot: QtBot, make_window: Factory, library: Library) -> MainWindow:
    for key in KEYS:
        library.add(Paper(key=key, arxiv_id=key, title=f"Paper {key}", status=Status.UNREAD))
    window = make_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    return window


def select(qtbot: QtBot, window: MainWindow, key: str) -> None:
    assert window.select_key(key)
    window.table.setFocus()
    qtbot.waitUntil(lambda: window.detail.key == key)


def status_shown(window: MainWindow, key: str) -> str | None:
    summary = window.model.summary(window.model.row_of(key))
    return None if summary is None else summary.status


def undo_offered(window: MainWindow) -> bool:
    return window.action_table["undo"].isEnabled()


def first_one_trashed(qtbot: QtBot, make_window: Factory, library: Library) -> MainWindow:
    """The window, after the first paper was moved to the trash (Undo offers it back)."""
    window = opened(qtbot, make_window, library)
    select(qtbot, window, KEYS[0])
    window.action_table["delete"].trigger()
    qtbot.waitUntil(lambda: library.in_trash(KEYS[0]), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: undo_offered(window))
    return window


def test_undo_after_a_restore_from_the_trash_is_not_offered_and_shows_no_error(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = first_one_trashed(qtbot, make_window, library)
    dialog = feature(window, TrashFeature).show_trash()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() == 1, timeout=WAIT_MS)
    dialog.table.selectionModel().select(
        dialog.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: library.exists(KEYS[0]), timeout=WAIT_MS)
    dialog.close()
    qtbot.waitUntil(lambda: not undo_offered(window), timeout=WAIT_MS)
    window.action_table["undo"].trigger()  # Ctrl+Z all the same
    settle(qtbot, window)
    shown = window.notices.messages()
    assert not [m for m in shown if m.startswith("Could not undo")], shown
    assert not [m for m in shown if m.startswith("Undone")], shown


def test_an_undo_step_restored_elsewhere_says_nothing_was_done_and_leaves_the_stack(
    qtbot: QtBot, make_window: Factory, library: Library, terminal: Shelf
) -> None:
    window = first_one_trashed(qtbot, make_window, library)
    terminal.sub("restore", KEYS[0])  # from a terminal
    window.action_table["undo"].trigger()
    qtbot.waitUntil(lambda: any("Nothing was undone" in m for m in window.notices.messages()))
    shown = window.notices.messages()
    assert not [m for m in shown if m.startswith(("Could not undo", "Undone"))], shown
    assert not undo_offered(window)


def test_undo_never_leaves_a_paper_reading_without_a_start_date(
    qtbot: QtBot, make_window: Factory, library: Library, terminal: Shelf
) -> None:
    window = opened(qtbot, make_window, library)
    window.table.selectAll()
    qtbot.waitUntil(lambda: len(window.selected_keys()) == 2)
    window.action_table["mark_read"].trigger()  # a bulk Mark Read
    qtbot.waitUntil(
        lambda: all(library.get(k).status is Status.READ for k in KEYS), timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: undo_offered(window))
    terminal.sub("status", KEYS[0], "reading")
    qtbot.waitUntil(lambda: status_shown(window, KEYS[0]) == "reading", timeout=WAIT_MS)
    window.action_table["undo"].trigger()  # Ctrl+Z
    qtbot.waitUntil(lambda: library.get(KEYS[1]).status is Status.UNREAD, timeout=WAIT_MS)
    settle(qtbot, window)
    first = library.get(KEYS[0])
    assert first.status is Status.READING  # the newer change stays
    assert first.started is not None and first.finished is None
    second = library.get(KEYS[1])
    assert second.started is None and second.finished is None
