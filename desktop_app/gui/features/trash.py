"""The Trash feature (View → Trash) and its window: papers moved to the trash (deleted or
dismissed), to restore or remove.

The trash is ``<library>/trash/<key>/``; reading it and every change run in the background
lanes. Restoring puts a paper back as it was (status, tags and notes included); emptying the
trash removes the folders for good, after a confirmation, and keeps the small record of
dismissed papers so a later digest does not bring them back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.words import plural, title_sort_key
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features.host import Host
from desktop_app.gui.icons import icon
from desktop_app.gui.tasks import Lane, TaskControl
from desktop_app.gui.widgets.rows_model import RowsModel

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex


class TrashColumn(IntEnum):
    TITLE = 0
    AUTHORS = 1
    ID = 2
    HOW = 3


_HEADERS = {
    TrashColumn.TITLE: "Title",
    TrashColumn.AUTHORS: "Authors",
    TrashColumn.ID: "arXiv ID",
    TrashColumn.HOW: "Removed",
}


def _authors(paper: Paper) -> str:
    if not paper.authors:
        return ""
    if len(paper.authors) <= 2:
        return ", ".join(paper.authors)
    return f"{paper.authors[0]} et al."


class TrashModel(RowsModel):
    """The papers in the trash, one row each."""

    KeyRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([_HEADERS[c] for c in TrashColumn], parent)

    def set_papers(self, papers: Sequence[Paper]) -> None:
        self.set_items(sorted(papers, key=lambda p: title_sort_key(p.title)))

    def paper(self, row: int) -> Paper | None:
        paper: Paper | None = self.item(row)
        return paper

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        paper = self.paper(index.row()) if index.isValid() else None
        if paper is None or not 0 <= index.column() < len(TrashColumn):
            return None
        col = TrashColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if col == TrashColumn.TITLE:
                return paper.title or paper.key
            if col == TrashColumn.AUTHORS:
                return _authors(paper)
            if col == TrashColumn.ID:
                return paper.display_id
            return "Dismissed from the inbox" if paper.extra.get("dismissed") else "Deleted"
        if role == Qt.ItemDataRole.ToolTipRole and col == TrashColumn.TITLE:
            return paper.title or paper.key
        if role == self.KeyRole:
            return paper.key
        return None


class TrashDialog(QDialog):
    """A window over the trash: Restore the selected papers, or Empty the trash."""

    #: Papers came back from the trash (their keys).
    restored = Signal(list)
    emptied = Signal(int)
    #: Something failed: (message, details).
    error = Signal(str, str)

    def __init__(self, library: Library, bridge: Bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.setWindowTitle(f"Trash — {library.name}")
        self.setWindowIcon(icon("trash"))
        self.resize(760, 420)
        self.model = TrashModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TrashColumn.TITLE, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(TrashColumn.AUTHORS, 160)
        header.resizeSection(TrashColumn.ID, 110)
        header.resizeSection(TrashColumn.HOW, 170)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _: self.restore_selected())

        self.summary = QLabel()
        self.restore_button = QPushButton(icon("restore"), "Restore")
        self.restore_button.setShortcut(QKeySequence("Ctrl+R"))
        self.restore_button.setToolTip("Put the selected papers back in the library (Ctrl+R)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.empty_button = QPushButton(icon("trash"), "Empty Trash…")
        self.empty_button.clicked.connect(self.confirm_empty)
        close = QPushButton("Close")
        close.clicked.connect(self.close)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.empty_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.busy = False
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the trash again (in the background)."""
        self._set_busy(True)
        self.bridge.run_task(
            lambda control: self.library.trash(),
            lane=Lane.READ,
            on_done=self._loaded,
            on_error=self._failed("Reading the trash"),
        )

    def _loaded(self, papers: list[Paper]) -> None:
        self.model.set_papers(papers)
        n = len(papers)
        self.summary.setText(
            "The trash is empty." if not n else f"{plural(n, 'paper')} in the trash"
        )
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        selected = bool(self.selected_keys())
        self.restore_button.setEnabled(selected and not self.busy)
        self.empty_button.setEnabled(self.model.rowCount() > 0 and not self.busy)

    def selected_keys(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [p.key for r in rows if (p := self.model.paper(r)) is not None]

    # -- actions -------------------------------------------------------------------------

    def restore_selected(self) -> None:
        self.restore(self.selected_keys())

    def restore(self, keys: Sequence[str]) -> None:
        keys = list(keys)
        if not keys:
            return

        def work(control: TaskControl) -> tuple[list[str], list[str]]:
            done: list[str] = []
            errors: list[str] = []
            for i, key in enumerate(keys):
                try:
                    self.library.restore(key)
                    done.append(key)
                except PapershelfError as e:
                    errors.append(str(e))
                control.progress(i + 1, len(keys))
            return done, errors

        def finished(result: tuple[list[str], list[str]]) -> None:
            done, errors = result
            for message in errors:
                self.error.emit(message, "")
            if done:
                self.restored.emit(done)
            self.reload()

        self._set_busy(True)
        self.bridge.run_task(
            work,
            title=f"Restoring {plural(len(keys), 'paper')}",
            on_done=finished,
            on_error=self._failed("Restoring from the trash"),
        )

    def confirm_empty(self) -> None:
        n = self.model.rowCount()
        answer = QMessageBox.question(
            self,
            "Empty the Trash?",
            f"Remove the {plural(n, 'paper')} in the trash for good, with their "
            "PDFs and notes? This cannot be undone.",
            QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Discard:
            self.empty()

    def empty(self) -> None:
        def finished(count: int) -> None:
            self.emptied.emit(count)
            self.reload()

        self._set_busy(True)
        self.bridge.run_task(
            lambda control: self.library.empty_trash(),
            title="Emptying the trash",
            on_done=finished,
            on_error=self._failed("Emptying the trash"),
        )

    def _failed(self, what: str) -> Any:
        def report(error: BaseException, tb: str) -> None:
            if isinstance(error, PapershelfError):
                self.error.emit(f"{what}: {error}", "")
            else:
                log.error("%s failed: %s\n%s", what, error, tb)
                self.error.emit(f"{what} failed unexpectedly: {error}", tb)
            if what == "Reading the trash":
                self._set_busy(False)
            else:
                self.reload()

        return report


class TrashFeature(QObject):
    """View → Trash: opens the Trash window (one per main window, read again when reopened)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.trash_dialog: TrashDialog | None = None
        host.on_action("trash", self.show_trash)

    def show_trash(self) -> TrashDialog:
        host = self.host
        if self.trash_dialog is None:
            dialog = TrashDialog(host.library, host.bridge, host.widget)
            dialog.restored.connect(
                lambda keys: host.show_info(f"Restored {plural(len(keys), 'paper')}.")
            )
            dialog.restored.connect(host.bridge.forget_restored)
            dialog.emptied.connect(
                lambda n: host.show_info(f"Removed {plural(n, 'paper')} for good.")
            )
            dialog.error.connect(host.show_error)
            self.trash_dialog = dialog
        else:
            self.trash_dialog.reload()
        self.trash_dialog.show()
        self.trash_dialog.activateWindow()
        return self.trash_dialog
