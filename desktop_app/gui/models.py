"""Qt models over the search index's results: the paper list and the sidebar.

The list shows :class:`~desktop_app.core.search.api.PaperSummary` rows straight from the index, so
10,000 papers never mean 10,000 file reads; cells are formatted in ``data()``, which the view
calls for the visible rows only. Refreshing keeps the selection: rows whose paper did not
change are left alone and persistent indexes follow their paper.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from functools import cache, lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from desktop_app.core.paper import FetchState, Status, parse_time, tag_filter
from desktop_app.core.reading import progress_fraction, progress_text
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.words import family_name, title_sort_key
from desktop_app.gui import icons

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Custom roles (from UserRole, STYLE.md rule 6).
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
COUNT_ROLE = Qt.ItemDataRole.UserRole + 4
NODE_ROLE = Qt.ItemDataRole.UserRole + 5

RECENT_DAYS = 7

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
        return sorted(rows, key=lambda s: _sort_key(s, col), reverse=reverse)

    def _apply(self, rows: list[PaperSummary]) -> None:
        rows = self._sorted(rows)
        old_keys = [s.key for s in self._rows]
        new_keys = [s.key for s in rows]
        if old_keys == new_keys:
            changed = [i for i, (a, b) in enumerate(zip(self._rows, rows, strict=True)) if a != b]
            self._rows = rows
            for i in changed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        self._rows = rows
        self._row_of = {s.key: i for i, s in enumerate(rows)}
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
        return [s.key for s in self._rows]


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


# -- the sidebar ----------------------------------------------------------------------------

RowFilter = Callable[[PaperSummary], bool]


class NodeKind(Enum):
    SECTION = "section"  # a heading (Library, Tags, Saved searches)
    VIEW = "view"  # Inbox and the views of the library
    TAG = "tag"
    SAVED = "saved"


@dataclass(eq=False)
class SidebarNode:
    """One entry of the sidebar. ``id`` is stable (restored after a refresh)."""

    id: str
    kind: NodeKind
    label: str
    icon: str = ""
    row_filter: RowFilter | None = None
    query: str = ""  # a saved search's query
    tag: str = ""  # a tag node's full tag (``a/b``)
    count: int | None = None
    parent: SidebarNode | None = field(default=None, repr=False)
    children: list[SidebarNode] = field(default_factory=list, repr=False)

    def add(self, child: SidebarNode) -> SidebarNode:
        child.parent = self
        self.children.append(child)
        return child

    @property
    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


_NEW = Status.NEW.value
_FAILED = FetchState.FAILED.value


def _status_is(status: Status) -> RowFilter:
    value = status.value
    return lambda s: s.status == value


def _kept(s: PaperSummary) -> bool:
    return s.status != _NEW


def _recent_since() -> str:
    """The ISO time RECENT_DAYS ago, as the index writes ``added`` (``...Z``)."""
    return _recent_since_at(int(time.time()))


@lru_cache(maxsize=1)
def _recent_since_at(now: int) -> str:
    # Made once a second: the "Recently added" view asks for every row it filters.
    since = dt.datetime.fromtimestamp(now, dt.UTC) - dt.timedelta(days=RECENT_DAYS)
    return since.isoformat().replace("+00:00", "Z")


def _is_recent(s: PaperSummary, since: str) -> bool:
    if s.status == _NEW:
        return False
    if s.added.endswith("Z"):
        return s.added >= since  # UTC ISO times sort as text
    when = parse_time(s.added)
    return when is not None and when >= parse_time(since)  # type: ignore[operator]


def _recent(s: PaperSummary) -> bool:
    return _is_recent(s, _recent_since())


def _tag_filter(tag: str) -> RowFilter:
    holds = tag_filter(tag)
    return lambda s: holds(s.tags)


INBOX_ID = "view:inbox"
ALL_ID = "view:all"

#: The Library views: id, label, icon, filter. "All" is everything kept (not the inbox).
LIBRARY_VIEWS: tuple[tuple[str, str, str, RowFilter], ...] = (
    (ALL_ID, "All", "all", _kept),
    ("view:unread", "Unread", "status-unread", _status_is(Status.UNREAD)),
    ("view:reading", "Reading", "status-reading", _status_is(Status.READING)),
    ("view:read", "Read", "status-read", _status_is(Status.READ)),
    ("view:recent", "Recently added", "recent", _recent),
    ("view:notes", "With notes", "notes", lambda s: _kept(s) and s.has_notes),
    ("view:failed", "Fetch failed", "pdf-failed", lambda s: s.pdf_state == _FAILED),
)


@dataclass(frozen=True)
class ViewCounts:
    """How many rows each view and tag of the sidebar holds (see :func:`count_views`)."""

    views: dict[str, int]
    tags: dict[str, int]  # casefolded tag (every prefix of a hierarchical one) -> papers
    names: frozenset[str]  # the tags as written


def count_views(rows: Iterable[PaperSummary]) -> ViewCounts:
    """Count the views and tags over search results, in one pass.

    Pure Python without Qt: the bridge runs it in the read lane with the search, so the UI
    thread only shows the numbers (10,000 results take ~40 ms to count).
    """
    since = _recent_since()
    new = kept = unread = reading = read = recent = notes = failed = 0
    tag_counter: Counter[str] = Counter()
    names: set[str] = set()
    for s in rows:
        status = s.status
        if status == _NEW:
            new += 1
        else:
            kept += 1
            if status == "unread":
                unread += 1
            elif status == "reading":
                reading += 1
            elif status == "read":
                read += 1
            if s.has_notes:
                notes += 1
            if _is_recent(s, since):
                recent += 1
        if s.pdf_state == _FAILED:
            failed += 1
        if s.tags:
            names.update(s.tags)
            seen: set[str] = set()
            for tag in s.tags:
                folded = tag.casefold()
                seen.add(folded)
                while "/" in folded:
                    folded = folded.rsplit("/", 1)[0]
                    seen.add(folded)
            tag_counter.update(seen)
    views = {
        INBOX_ID: new,
        ALL_ID: kept,
        "view:unread": unread,
        "view:reading": reading,
        "view:read": read,
        "view:recent": recent,
        "view:notes": notes,
        "view:failed": failed,
    }
    return ViewCounts(views, dict(tag_counter), frozenset(names))


class SidebarModel(QAbstractItemModel):
    """Inbox, the Library views, the tag tree and the saved searches, with their counts."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = SidebarNode("root", NodeKind.SECTION, "")
        self.inbox = self._root.add(
            SidebarNode(INBOX_ID, NodeKind.VIEW, "Inbox", "inbox", _status_is(Status.NEW))
        )
        self.library = self._root.add(SidebarNode("section:library", NodeKind.SECTION, "Library"))
        for node_id, label, icon_name, row_filter in LIBRARY_VIEWS:
            self.library.add(SidebarNode(node_id, NodeKind.VIEW, label, icon_name, row_filter))
        self.tags = self._root.add(SidebarNode("section:tags", NodeKind.SECTION, "Tags"))
        self.saved = self._root.add(
            SidebarNode("section:saved", NodeKind.SECTION, "Saved searches")
        )
        self._tag_set: tuple[str, ...] = ()
        self._saved_list: tuple[tuple[str, str], ...] = ()

    # -- Qt interface ----------------------------------------------------------------------

    def node(self, index: Index) -> SidebarNode:
        if index.isValid():
            node = index.internalPointer()
            if isinstance(node, SidebarNode):
                return node
        return self._root

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        node = self.node(parent)
        if row >= len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node = self.node(index)
        if node.kind == NodeKind.SECTION:
            return Qt.ItemFlag.ItemIsEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.kind == NodeKind.SAVED:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return node.label
        if role == Qt.ItemDataRole.DecorationRole:
            return icons.icon(node.icon) if node.icon else None
        if role == COUNT_ROLE:
            return node.count
        if role == NODE_ROLE:
            return node.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.kind == NodeKind.SAVED:
                return node.query
            if node.kind == NodeKind.TAG:
                return f"tag:{node.tag}"
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return node.label if node.count is None else f"{node.label}, {node.count}"
        if role == Qt.ItemDataRole.FontRole and node.kind == NodeKind.SECTION:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        # Renaming a saved search: the window stores it and calls set_saved_searches().
        return False

    # -- content ---------------------------------------------------------------------------

    def index_of(self, node_id: str) -> QModelIndex:
        def walk(node: SidebarNode) -> SidebarNode | None:
            for child in node.children:
                if child.id == node_id:
                    return child
                if found := walk(child):
                    return found
            return None

        node = walk(self._root)
        return self.createIndex(node.row, 0, node) if node else QModelIndex()

    def find(self, node_id: str) -> SidebarNode | None:
        index = self.index_of(node_id)
        return self.node(index) if index.isValid() else None

    def set_tags(self, tags: Iterable[str], keep: str = "") -> None:
        """Show this set of tags as a tree (``a/b`` under ``a``); ``keep`` stays even unused."""
        wanted = {t for t in tags if t}
        if keep:
            wanted.add(keep)
        # Every prefix of a hierarchical tag is a node of its own.
        full: dict[str, str] = {}
        for tag in wanted:
            parts = tag.split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                full.setdefault(prefix.casefold(), prefix)
        ordered = tuple(sorted(full.values(), key=str.casefold))
        if ordered == self._tag_set:
            return
        self._tag_set = ordered
        roots: list[SidebarNode] = []
        by_tag: dict[str, SidebarNode] = {}
        for tag in ordered:
            head, _, leaf = tag.rpartition("/")
            node = SidebarNode(f"tag:{tag.casefold()}", NodeKind.TAG, leaf, "tag")
            node.tag = tag
            node.row_filter = _tag_filter(tag)
            by_tag[tag.casefold()] = node
            parent = by_tag.get(head.casefold()) if head else None
            if parent is not None:
                parent.add(node)
            else:
                roots.append(node)
        self._replace_children(self.tags, roots)

    def _replace_children(self, section: SidebarNode, nodes: list[SidebarNode]) -> None:
        parent_index = self.index_of(section.id)
        if section.children:
            self.beginRemoveRows(parent_index, 0, len(section.children) - 1)
            section.children = []
            self.endRemoveRows()
        if nodes:
            self.beginInsertRows(parent_index, 0, len(nodes) - 1)
            for node in nodes:
                section.add(node)
            self.endInsertRows()

    def tag_names(self) -> tuple[str, ...]:
        return self._tag_set

    def set_saved_searches(self, saved: Sequence[tuple[str, str]]) -> None:
        """Show the saved searches, as (name, query) pairs."""
        wanted = tuple(saved)
        if wanted == self._saved_list:
            return
        self._saved_list = wanted
        self._replace_children(
            self.saved,
            [
                SidebarNode(f"saved:{name}", NodeKind.SAVED, name, "saved-search", query=query)
                for name, query in wanted
            ],
        )

    def set_counts(self, rows: Sequence[PaperSummary] | ViewCounts, keep_tag: str = "") -> None:
        """Show the counts of the current search (rows, or counted already off-thread)."""
        counts = rows if isinstance(rows, ViewCounts) else count_views(rows)
        self.set_tags(counts.names, keep_tag)
        tag_counter = counts.tags
        changed: list[SidebarNode] = []
        views = [self.inbox, *self.library.children]
        for node in views:
            count = counts.views.get(node.id, 0)
            if node.count != count:
                node.count = count
                changed.append(node)

        def visit(node: SidebarNode) -> None:
            for child in node.children:
                count = tag_counter.get(child.tag.casefold(), 0)
                if child.count != count:
                    child.count = count
                    changed.append(child)
                visit(child)

        visit(self.tags)
        for node in changed:
            index = self.createIndex(node.row, 0, node)
            self.dataChanged.emit(index, index, [COUNT_ROLE, Qt.ItemDataRole.AccessibleTextRole])
