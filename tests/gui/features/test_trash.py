"""The Trash window: restore papers as they were, or empty the trash."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features.trash import TrashDialog, TrashModel


@pytest.fixture
def trashed(library: Library) -> Library:
    library.add(Paper(key="2301.00001", arxiv_id="2301.00001", title="Kept apart", tags=["x"]))
    library.add(Paper(key="2301.00002", arxiv_id="2301.00002", title="Dismissed one"))
    library.add(Paper(key="2301.00003", arxiv_id="2301.00003", title="Still here"))
    library.delete("2301.00001")
    library.dismiss("2301.00002")
    return library


def _dialog(qtbot: QtBot, library: Library, bridge: Bridge) -> TrashDialog:
    dialog = TrashDialog(library, bridge)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy)
    return dialog


def test_lists_the_trash(qtbot: QtBot, trashed: Library, bridge: Bridge) -> None:
    dialog = _dialog(qtbot, trashed, bridge)
    model = dialog.model
    assert model.rowCount() == 2
    rows = {model.index(r, 0).data(): model.index(r, 3).data() for r in range(2)}
    assert rows == {"Kept apart": "Deleted", "Dismissed one": "Dismissed from the inbox"}
    assert "2 papers" in dialog.summary.text()


def test_restore_brings_the_paper_back_as_it_was(
    qtbot: QtBot, trashed: Library, bridge: Bridge
) -> None:
    dialog = _dialog(qtbot, trashed, bridge)
    row = next(r for r in range(2) if dialog.model.index(r, 0).data() == "Kept apart")
    dialog.table.selectionModel().select(
        dialog.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert dialog.restore_button.isEnabled()
    with qtbot.waitSignal(dialog.restored) as blocker:
        dialog.restore_button.click()
    assert blocker.args == [["2301.00001"]]
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() == 1)
    assert trashed.get("2301.00001").tags == ["x"]


def test_empty_trash_after_confirmation(
    qtbot: QtBot, trashed: Library, bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, trashed, bridge)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Cancel)
    dialog.empty_button.click()
    assert len(trashed.trash()) == 2
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(dialog.emptied):
        dialog.empty_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.model.rowCount() == 0
    assert "empty" in dialog.summary.text()
    assert not dialog.empty_button.isEnabled()
    assert trashed.keys() == ["2301.00003"]


def test_model(qtmodeltester: object, trashed: Library) -> None:
    model = TrashModel()
    model.set_papers(trashed.trash())
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.index(0, 0).data(TrashModel.KeyRole) in {"2301.00001", "2301.00002"}
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Title"
