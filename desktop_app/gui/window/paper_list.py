"""The paper list of the window: the table view over :class:`PaperTableModel`, its header, its
selection, and the page that says why it is empty.

:class:`PaperList` shows either the table or a short explanation (no match, an empty view,
the index still being built) with links (:attr:`PaperList.link_activated`). It knows rows and
keys, not the library: the window gives it rows and reads the selection from it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QStackedWidget,
    QTableView,
    QWidget,
)

from desktop_app.core.search.api import PaperSummary
from desktop_app.gui import icons
from desktop_app.gui.widgets.paper_model import STATUS_LABELS, Column, PaperTableModel

#: The title's room before the Authors column narrows, and the narrowest Authors column.
TITLE_ROOM = 260
AUTHORS_MIN = 70


class PaperList(QStackedWidget):
    """The list of papers, or the page saying why there are none (see the module docstring)."""

    #: The current paper changed: (its key, or None).
    current_changed = Signal(object)
    #: The selected papers changed.
    selection_changed = Signal()
    #: A row was double-clicked.
    activated = Signal()
    #: A link of the empty page was clicked: (its href: ``suggest:…``, ``view:all``, ``import``).
    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PaperTableModel(self)
        # Render the list's icons now, not at the first paint of a row that needs them.
        for name in [f"status-{s}" for s in STATUS_LABELS] + [
            "pdf-pending",
            "pdf-done",
            "pdf-failed",
        ]:
            icons.icon(name)
        self.table = table = QTableView()
        table.setObjectName("paperList")
        table.setAccessibleName("Papers")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setTabKeyNavigation(False)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for col in Column:
            header.resizeSection(col, col.default_width)
        # The title takes the room the other columns leave (they keep their set widths);
        # in a narrow list the authors give up their room first (_fit_columns).
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        self.authors_width = Column.AUTHORS.default_width
        self._fitting = False
        header.sectionResized.connect(self._section_resized)
        table.viewport().installEventFilter(self)
        table.setSortingEnabled(True)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.setContentsMargins(40, 40, 40, 40)
        self.empty_label.linkActivated.connect(self.link_activated)
        self.addWidget(table)
        self.addWidget(self.empty_label)

        self.column_actions: dict[Column, QAction] = {}
        self._header_extra: list[QAction] = []
        #: A paper to select as soon as a refresh lists it (added, or next after a triage).
        self.pending_select: str | None = None
        selection = table.selectionModel()
        selection.currentRowChanged.connect(self._current_row_changed)
        selection.selectionChanged.connect(lambda *_: self.selection_changed.emit())
        table.doubleClicked.connect(lambda _: self.activated.emit())

    # -- columns ---------------------------------------------------------------------------------

    def set_header_actions(
        self, columns: dict[Column, QAction], extra: Sequence[QAction] = ()
    ) -> None:
        """The header's context menu: the column actions (checkable), then ``extra``."""
        self.column_actions = dict(columns)
        self._header_extra = list(extra)
        for col, action in columns.items():
            action.toggled.connect(lambda shown, c=col: self.set_column_shown(c, shown))

    def set_column_shown(self, column: Column, shown: bool) -> None:
        self.table.horizontalHeader().setSectionHidden(column, not shown)
        action = self.column_actions.get(column)
        if action is not None and action.isChecked() != shown:
            action.setChecked(shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Narrow the Authors column (down to AUTHORS_MIN) before the title gets less than
        TITLE_ROOM: at 1024 px wide the title showed 6 letters next to 140 px of authors."""
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(c)
            for c in Column
            if c not in (Column.TITLE, Column.AUTHORS) and not header.isSectionHidden(c)
        )
        room = self.table.viewport().width() - others - TITLE_ROOM
        width = max(AUTHORS_MIN, min(self.authors_width, room))
        if header.sectionSize(Column.AUTHORS) != width:
            self._fitting = True
            header.resizeSection(Column.AUTHORS, width)
            self._fitting = False

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if column == Column.AUTHORS and not self._fitting:
            self.authors_width = max(AUTHORS_MIN, new)  # the user's width, when there is room

    def columns_restored(self) -> None:
        """The header's state was restored: tick the column actions as it says."""
        header = self.table.horizontalHeader()
        # A width saved from a narrow window is not the user's choice: it grows back.
        self.authors_width = max(Column.AUTHORS.default_width, header.sectionSize(Column.AUTHORS))
        for col, action in self.column_actions.items():
            action.setChecked(not header.isSectionHidden(col))

    def sort_by_relevance(self) -> None:
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.model.sort(-1)

    def _header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self.window())
        for action in self.column_actions.values():
            menu.addAction(action)
        menu.addSeparator()
        for action in self._header_extra:
            menu.addAction(action)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    # -- rows ------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[PaperSummary]) -> None:
        self.model.set_rows(rows)

    def show_table(self) -> None:
        self.setCurrentWidget(self.table)

    def show_message(self, text: str) -> None:
        """Show ``text`` (rich text, links allowed) instead of the table."""
        self.empty_label.setText(text)
        self.setCurrentWidget(self.empty_label)

    def keys(self) -> list[str]:
        return self.model.keys()

    def summary(self, key: str) -> PaperSummary | None:
        row = self.model.row_of(key)
        return self.model.summary(row) if row >= 0 else None

    # -- selection -------------------------------------------------------------------------------

    def selected_keys(self) -> list[str]:
        # The list selects whole rows: its selection ranges name them. selectedRows() asks
        # every cell instead (170 ms for 10,000 rows selected, here).
        rows: set[int] = set()
        selection = self.table.selectionModel().selection()
        for i in range(selection.count()):
            selected = selection.at(i)
            rows.update(range(selected.top(), selected.bottom() + 1))
        keys = [s.key for r in sorted(rows) if (s := self.model.summary(r)) is not None]
        if not keys and self.table.currentIndex().isValid():
            summary = self.model.summary(self.table.currentIndex().row())
            keys = [summary.key] if summary else []
        return keys

    def has_selection(self) -> bool:
        """Whether the paper actions have papers to act on (what selected_keys() would give)."""
        return self.table.selectionModel().hasSelection() or self.table.currentIndex().isValid()

    def select_key(self, key: str) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        index = self.model.index(row, Column.TITLE)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def clear_selection(self) -> None:
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())

    def select_pending_or_first(self, *, first: bool) -> bool:
        """After new rows: select the pending paper, else (``first``) the first row; returns
        whether a paper is current."""
        if self.pending_select and self.select_key(self.pending_select):
            self.pending_select = None
        current = self.table.currentIndex()
        if not current.isValid() and self.model.rowCount() > 0 and first:
            self.table.setCurrentIndex(self.model.index(0, Column.TITLE))
            return True
        return current.isValid()

    def select_next_after(self, keys: Sequence[str]) -> bool:
        """Select the paper after ``keys`` (they leave the list at the next refresh), else the
        one before; False when no paper is left."""
        gone = set(keys)
        rows = [self.model.row_of(k) for k in keys]
        last = max(rows) if rows else -1
        order = self.model.keys()
        after = [k for k in order[last + 1 :] if k not in gone]
        before = [k for k in reversed(order[: max(last, 0)]) if k not in gone]
        target = after[0] if after else (before[0] if before else None)
        if target is None:
            self.table.clearSelection()
            return False
        self.select_key(target)
        # The paper leaves the view at the next refresh; the selection stays here.
        self.pending_select = target
        return True

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, Column.TITLE))

    def _current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        summary = self.model.summary(current.row()) if current.isValid() else None
        self.current_changed.emit(summary.key if summary else None)
