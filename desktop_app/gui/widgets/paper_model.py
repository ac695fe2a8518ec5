"""The Qt model of the paper list, over the search index's results.

The list shows :class:`~desktop_app.core.search.api.PaperSummary` rows straight from the index, so
10,000 papers never mean 10,000 file reads; cells are formatted in ``data()``, which the view
calls for the visible rows only. Refreshing keeps the selection: rows whose paper did not
change are left alone and persistent indexes follow their paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import IntEnum
from functools import cache, lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QCollatorSortKey,
    QLocale,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from desktop_app.core.paper import FetchState, Status
from desktop_app.core.reading import progress_fraction, progress_text
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.words import family_name, sortable_title, title_sort_key
from desktop_app.gui import icons

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Custom roles (from UserRole, STYLE.md rule 6).
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
COUNT_ROLE = Qt.ItemDataRole.UserRole + 4
NODE_ROLE = Qt.ItemDataRole.UserRole + 5


STATUS_LABELS = {
    Status.NEW.value: "Inbox",
    Status.UNREAD.value: "Unread",
    Status.READING.value: "Reading",
    Status.READ.value: "Read",
}
PDF_LABELS = {
    FetchState.NONE.value: "No PDF",
    FetchState.PENDING.value: "PDF download waiting",
    FetchState.DONE.value: "PDF on disk",
    FetchState.FAILED.value: "PDF download failed",
}


class Column(IntEnum):
    """The paper list's columns, in their default order."""

    TITLE = 0
    AUTHORS = 1
    YEAR = 2
    STATUS = 3
    TAGS = 4
    ADDED = 5
    RATING = 6
    PDF = 7
    PROGRESS = 8  # the page read (issue #6)

    @property
    def label(self) -> str:
        return _COLUMN_LABELS[self]

    @property
    def default_width(self) -> int:
        return _COLUMN_WIDTHS[self]


_COLUMN_LABELS = {
    Column.TITLE: "Title",
    Column.AUTHORS: "Authors",
    Column.YEAR: "Year",
    Column.STATUS: "Status",
    Column.TAGS: "Tags",
    Column.ADDED: "Added",
    Column.RATING: "Rating",
    Column.PDF: "PDF",
    Column.PROGRESS: "Progress",
}
_COLUMN_WIDTHS = {
    Column.TITLE: 360,
    Column.AUTHORS: 140,
    Column.YEAR: 46,
    Column.STATUS: 50,
    Column.TAGS: 120,
    Column.ADDED: 90,
    Column.RATING: 66,
    Column.PDF: 36,
    Column.PROGRESS: 76,
}
#: Shown when the user asks (the header's menu): the window stays readable at 1280 px.
HIDDEN_BY_DEFAULT = (Column.TAGS, Column.ADDED)
#: More rows changed in one refresh than this: one dataChanged over their span.
CHANGED_ROWS_ONE_SIGNAL = 50


def abbreviate_authors(authors: Sequence[str]) -> str:
    """``Zhang``, ``Zhang & Bi``, ``Zhang, Bi & Guo`` or ``Zhang et al.``"""
    names = [family_name(a) for a in authors if a.strip()]
    if len(names) <= 1:
        return names[0] if names else ""
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    if len(names) == 3:
        return f"{names[0]}, {names[1]} & {names[2]}"
    return f"{names[0]} et al."


@lru_cache(maxsize=4096)
def format_added(added: str) -> str:
    """The local date of an ISO time (``2025-04-07``); the text as given when unparseable."""
    try:
        when = dt.datetime.fromisoformat(added.replace("Z", "+00:00"))
    except ValueError:
        return added[:10]
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.date().isoformat()


def stars(rating: int) -> str:
    return "★" * max(0, min(5, rating))


# -- the paper list -----------------------------------------------------------------------


class PaperTableModel(QAbstractTableModel):
    """The paper list: one row per search hit, columns of :class:`Column`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PaperSummary] = []
        self._keys: list[str] = []  # the rows' keys, in order
        self._row_of: dict[str, int] = {}
        self._sort_column = -1  # -1: the order the index gave (relevance)
        self._sort_order = Qt.SortOrder.AscendingOrder

    # -- Qt interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        col = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return col.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {col.label.lower()}; right-click to show or hide columns"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~1,600 times per repaint of the list: roles the list never uses leave first.
        if role not in _LIST_ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        try:
            return self._data(self._rows[row], index.column(), role)
        except Exception:  # data() never raises (STYLE.md rule 6); a bad row shows blank
            return None

    def multiData(self, index: Index, span: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role of one cell in one call (Qt's delegates ask this way): 7x fewer calls
        into Python per repaint than one ``data()`` per role, so a busy worker thread holding
        the GIL delays painting the list much less."""
        row = index.row()
        valid = index.isValid() and 0 <= row < len(self._rows)
        summary = self._rows[row] if valid else None
        col = index.column()
        for role_data in _role_data(span):
            role = role_data.role()
            value = None
            if summary is not None and role in _LIST_ROLES:
                try:
                    value = self._data(summary, col, role)
                except Exception:  # never raises, as data()
                    value = None
            role_data.setData(value)

    def _data(self, s: PaperSummary, col: int, role: int) -> Any:
        if role == _DISPLAY:
            return self._display(s, col)
        if role == _DECORATION:
            if col == Column.STATUS:
                return icons.icon(f"status-{s.status}")
            if col == Column.PDF and s.pdf_state != _NO_PDF:
                return icons.icon(f"pdf-{s.pdf_state}")
            return None
        if role == _FONT:
            return _bold_font() if col == Column.TITLE and s.status == _UNREAD else None
        if role == _ALIGNMENT:
            return _RIGHT if col == Column.YEAR or col == Column.ADDED else None
        if role == _FOREGROUND:
            return _STAR_COLOUR if col == Column.RATING else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Column.TITLE:
                return s.title
            if col == Column.AUTHORS:
                return ", ".join(s.authors)
            if col == Column.STATUS:
                return STATUS_LABELS.get(s.status, s.status)
            if col == Column.PDF:
                return PDF_LABELS.get(s.pdf_state, s.pdf_state)
            if col == Column.TAGS:
                return ", ".join(s.tags)
            if col == Column.PROGRESS and (part := progress_fraction(s.last_page, s.page_count)):
                return f"Read to page {s.last_page} of {s.page_count} ({part:.0%})"
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if col == Column.STATUS:
                return STATUS_LABELS.get(s.status, s.status)
            if col == Column.PDF:
                return PDF_LABELS.get(s.pdf_state, s.pdf_state)
            return self._display(s, col)
        if role == KEY_ROLE:
            return s.key
        if role == SUMMARY_ROLE:
            return s
        if role == SORT_ROLE:
            return _sort_key(s, Column(col))
        return None

    @staticmethod
    def _display(s: PaperSummary, col: int) -> str | None:
        if col == Column.TITLE:
            return s.title or s.arxiv_id or s.key
        if col == Column.AUTHORS:
            return abbreviate_authors(s.authors)
        if col == Column.YEAR:
            return str(s.year) if s.year else ""
        if col == Column.TAGS:
            return ", ".join(s.tags)
        if col == Column.ADDED:
            return format_added(s.added)
        if col == Column.RATING:
            return stars(s.rating)
        if col == Column.PROGRESS:
            return progress_text(s.last_page, s.page_count)
        return None  # STATUS and PDF are icons

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if (column, order) == (self._sort_column, self._sort_order):
            # The rows are kept in this order (set_rows sorts them). QTableView.sortByColumn
            # asks twice, through the header's indicator and then itself: 10,000 rows were
            # sorted and laid out twice (the title sort's 60 ms stall).
            return
        self._sort_column = column
        self._sort_order = order
        self._apply(list(self._rows))

    # -- content ---------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[PaperSummary]) -> None:
        """Show these rows (sorted by the current column), keeping selection and scroll."""
        self._apply(list(rows))

    def _sorted(self, rows: list[PaperSummary]) -> list[PaperSummary]:
        if not 0 <= self._sort_column < len(Column):
            return rows
        col = Column(self._sort_column)
        reverse = self._sort_order == Qt.SortOrder.DescendingOrder
        if col == Column.TITLE:
            key = _collator().title_key
            return sorted(rows, key=lambda s: key(s.title or s.key), reverse=reverse)
        return sorted(rows, key=lambda s: _sort_key(s, col), reverse=reverse)

    def _apply(self, rows: list[PaperSummary]) -> None:
        rows = self._sorted(rows)
        new_keys = [s.key for s in rows]
        if self._keys == new_keys:
            # A row not changed is the same object (the index's record): no field compared.
            changed = [
                i
                for i, (a, b) in enumerate(zip(self._rows, rows, strict=True))
                if a is not b and a != b
            ]
            self._rows = rows
            # A batch of the full text indexed changes a thousand records: one signal over
            # their span, not one each (the view repaints the rows it shows either way).
            spans = [(i, i) for i in changed]
            if len(changed) > CHANGED_ROWS_ONE_SIGNAL:
                spans = [(changed[0], changed[-1])]
            for first, last in spans:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        self._rows = rows
        self._keys = new_keys
        # (Built in C: the UI thread's Python work per 10,000 rows listed is what a busy
        # worker's hold of the GIL stretches into a stall.)
        self._row_of = dict(zip(new_keys, range(len(new_keys)), strict=True))
        persistent = self.persistentIndexList()
        moved: list[QModelIndex] = []
        for p in persistent:
            row = p.row()
            key = old_rows[row].key if 0 <= row < len(old_rows) else None
            new_row = self._row_of.get(key, -1) if key else -1
            moved.append(self.index(new_row, p.column()) if new_row >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def summary(self, row: int) -> PaperSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str) -> int:
        """The row showing paper ``key``, or -1."""
        return self._row_of.get(key, -1)

    def keys(self) -> list[str]:
        return list(self._keys)


_STAR_COLOUR = QColor("#d4940a")  # the stars' gold, readable on light and dark
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FONT = Qt.ItemDataRole.FontRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_LIST_ROLES = frozenset(
    {
        _DISPLAY,
        _DECORATION,
        _FONT,
        _ALIGNMENT,
        _FOREGROUND,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        KEY_ROLE,
        SUMMARY_ROLE,
        SORT_ROLE,
    }
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_UNREAD = Status.UNREAD.value
_NO_PDF = FetchState.NONE.value


def _role_data(span: QModelRoleDataSpan | QModelRoleData) -> Iterable[QModelRoleData]:
    if isinstance(span, QModelRoleData):
        return (span,)
    return span  # type: ignore[return-value]  # iterable at run time; the stubs omit __iter__


@cache
def _bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


_STATUS_ORDER = {s.value: s.rank for s in Status}


class _Collation:
    """The titles' sort keys under one QCollator, each title's made once: a list sorted by
    title sorts again at each refresh (a view switched, a letter typed), and making 10,000
    keys took 17-30 ms of the UI thread."""

    #: Keys kept at most (a few hundred bytes each); past it they are made afresh.
    KEPT = 50_000

    def __init__(self, collator: QCollator) -> None:
        self.collator = collator
        self._keys: dict[str, QCollatorSortKey] = {}

    def title_key(self, title: str) -> QCollatorSortKey:
        key = self._keys.get(title)
        if key is None:
            if len(self._keys) >= self.KEPT:
                self._keys.clear()
            key = self._keys[title] = self.collator.sortKey(sortable_title(title))
        return key


@cache
def _collator() -> _Collation:
    """The collation of the user's locale; under C/POSIX (no locale chosen, where Qt
    compares code points and puts Ångström after Z) the Unicode collation's root order,
    which English's is. core.words.title_sort_key orders titles the same way (the CLI and
    the index sort by it; tests/gui/widgets/test_models.py checks that they agree)."""
    system = QLocale()
    if system.language() == QLocale.Language.C:
        system = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return _Collation(QCollator(system))


def _sort_key(s: PaperSummary, col: Column) -> Any:
    if col == Column.TITLE:
        return title_sort_key(s.title or s.key)
    if col == Column.AUTHORS:
        return family_name(s.authors[0]).casefold() if s.authors else ""
    if col == Column.YEAR:
        return s.year or 0
    if col == Column.STATUS:
        return _STATUS_ORDER.get(s.status, 99)
    if col == Column.TAGS:
        return ", ".join(s.tags).casefold()
    if col == Column.ADDED:
        return s.added
    if col == Column.RATING:
        return s.rating
    if col == Column.PDF:
        return s.pdf_state
    if col == Column.PROGRESS:
        return progress_fraction(s.last_page, s.page_count) or 0.0
    return ""
