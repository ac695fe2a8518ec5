"""The Qt model of the sidebar: Inbox, the Library views, the tag tree, saved searches.

Each node knows how to narrow the search results to its rows (:attr:`SidebarNode.row_filter`);
:func:`count_views` counts every view and tag in one pass over the results, in the worker
that searched, so the UI thread only shows the numbers.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from desktop_app.core.paper import FetchState, Status, parse_time, tag_filter
from desktop_app.core.search.api import PaperSummary
from desktop_app.gui import icons
from desktop_app.gui.widgets.paper_model import COUNT_ROLE, NODE_ROLE, Index

_ROOT = QModelIndex()
RECENT_DAYS = 7

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
    ("view:annotations", "With annotations", "highlight", lambda s: _kept(s) and s.annotations > 0),
    ("view:failed", "Fetch failed", "pdf-failed", lambda s: s.fetch_failed),
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
    new = kept = unread = reading = read = recent = notes = failed = marked = 0
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
            if s.annotations:
                marked += 1
            if _is_recent(s, since):
                recent += 1
        if s.fetch_failed:  # the PDF or the metadata
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
        "view:annotations": marked,
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
