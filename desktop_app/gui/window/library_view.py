"""The library tab's logic: the search for the query, narrowed by the sidebar's node, fills
the paper list, counts the sidebar and shows the current paper in the detail pane.

:class:`LibraryView` follows the bridge's signals (results, papers changed, added, imported)
and refreshes only what they touched; it says when the window's actions may need updating
(:attr:`LibraryView.actions_changed`) and when the current paper changed.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget

from desktop_app.core.errors import PapershelfError
from desktop_app.core.interop.digest import DigestReport
from desktop_app.core.library import Library
from desktop_app.core.saved_searches import SavedSearch
from desktop_app.core.search.api import SearchResults, SortOrder
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui.bridge import Bridge, SearchRequest
from desktop_app.gui.widgets.detail import DetailPane
from desktop_app.gui.widgets.search_bar import SearchBar
from desktop_app.gui.widgets.sidebar import Sidebar
from desktop_app.gui.widgets.sidebar_model import (
    ALL_ID,
    INBOX_ID,
    NodeKind,
    SidebarModel,
    SidebarNode,
    ViewCounts,
    count_views,
)
from desktop_app.gui.widgets.welcome import WelcomeView
from desktop_app.gui.window.paper_list import PaperList

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 60
TEXTS_REFRESH_MS = 10_000
#: How long the search index may take to open at start-up before the list says why it is empty.
INDEX_NOTE_DELAY_MS = 500

_EMPTY_VIEW_TEXT = {
    INBOX_ID: "The inbox is empty. Papers from imported digests wait here until you keep "
    "(K) or dismiss (D) them.",
    ALL_ID: "No papers kept yet.",
}


class LibraryView(QObject):
    """What the library tab shows, kept in step with the bridge (see the module docstring)."""

    #: The selection, the view or the saved searches changed: actions may need updating.
    actions_changed = Signal()
    #: The current paper changed (the detail pane shows it).
    current_changed = Signal()
    #: The empty Inbox's "Import a digest…" link was clicked.
    import_requested = Signal()

    def __init__(
        self,
        *,
        library: Library,
        bridge: Bridge,
        settings: Settings,
        search: SearchBar,
        sidebar: Sidebar,
        paper_list: PaperList,
        detail: DetailPane,
        count_label: QLabel,
        pages: tuple[QStackedWidget, WelcomeView, QSplitter],
        show_error: Callable[..., None],
        show_info: Callable[..., None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.settings = settings
        self.search = search
        self.sidebar = sidebar
        self.sidebar_model: SidebarModel = sidebar.sidebar_model
        self.paper_list = paper_list
        self.detail = detail
        self.count_label = count_label
        self.page_stack, self.welcome, self.content_splitter = pages
        self.show_error = show_error
        self.show_info = show_info
        self.results: SearchResults | None = None
        self.node_id = ALL_ID
        self._library_empty = self._folder_is_empty()
        self._hits_for: tuple[str, str] | None = None  # (key, query) the hits shown are of
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DELAY_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        #: While another program indexes a new index's full text, a query that reads it
        #: runs again now and then: its hits come as the batches are committed. (When this
        #: window indexes it, the query runs again as each batch is committed.)
        self.texts_timer = QTimer(self)
        self.texts_timer.setSingleShot(True)
        self.texts_timer.setInterval(TEXTS_REFRESH_MS)
        self.texts_timer.timeout.connect(self.refresh)

        b = bridge
        b.results_ready.connect(self._results_ready)
        b.search_failed.connect(self._search_failed)
        b.papers_changed.connect(self._papers_changed)
        b.papers_removed.connect(self._papers_removed)
        b.fulltext_ready.connect(self._fulltext_ready)
        b.digest_imported.connect(self._digest_imported)
        b.papers_added.connect(self._papers_added)
        b.saved_searches_changed.connect(self._saved_searches_changed)
        b.index_searchable.connect(self.refresh)
        b.index_ready.connect(self._index_ready)
        b.start_up.texts_committed.connect(self._texts_committed)
        search.query_changed.connect(lambda _: self.refresh())
        sidebar.node_selected.connect(self._node_selected)
        paper_list.current_changed.connect(self._current_changed)
        paper_list.link_activated.connect(self._empty_link)

    def start(self) -> None:
        """Show the first page, then the list as soon as the index can be searched."""
        self._show_page()
        self.sidebar.show_node(self.node_id)
        self.bridge.load_saved_searches()
        if self.bridge.index_is_ready:
            self.refresh()
        if not self.bridge.index_is_ready:
            QTimer.singleShot(INDEX_NOTE_DELAY_MS, self._note_index_building)

    def refresh(self) -> None:
        """Search again (the query, after a change, or when the index is ready)."""
        self.refresh_timer.stop()
        if not (self.bridge.index_is_ready or self.bridge.index_is_searchable):
            return
        query = self.search.text
        sort = SortOrder.RELEVANCE if query else self._default_sort()
        self.bridge.search(query, sort, annotate=_count_results)

    def _index_ready(self) -> None:
        """The start-up sync is done: the list searches again if the sync changed the index
        it searched before (at 10,000 papers a search that a first open ran twice, right
        when the list is first shown and the first query typed)."""
        if self.bridge.start_up.changed_index:
            self.refresh()

    def _texts_committed(self, done: int, total: int) -> None:
        """A batch of the full text is searchable (or the indexing ended): the query that
        said more may match runs again (at 10,000 papers, ~11 batches; a query run every
        second instead searched and listed up to 10,000 papers ~130 times meanwhile)."""
        if self.results is not None and self.results.texts_pending:
            self.schedule_refresh()

    def schedule_refresh(self) -> None:
        self.refresh_timer.start()

    def _default_sort(self) -> SortOrder:
        try:
            return SortOrder(self.settings.default_sort)
        except ValueError:
            return SortOrder.ADDED

    def _results_ready(
        self, request: SearchRequest, results: SearchResults, counts: ViewCounts | None = None
    ) -> None:
        self.results = results
        if results.texts_pending and not self.bridge.start_up.indexing_texts:
            self.texts_timer.start()
        if not request.query:
            self._library_empty = results.total == 0
        node = self.sidebar_model.find(self.node_id)
        keep_tag = node.tag if node is not None and node.kind == NodeKind.TAG else ""
        self.sidebar_model.set_counts(counts or _count_results(results), keep_tag)
        self.detail.set_known_tags(self.sidebar_model.tag_names())
        self.sidebar.show_node(self.node_id)
        self._show_rows()
        self._show_page()
        key = self.detail.key
        if key is not None and self._hits_for is not None and self._hits_for[1] != results.query:
            self._show_detail(key)  # the new query's words highlighted, its full-text hits

    def _show_rows(self) -> None:
        results = self.results
        if results is None:
            return
        node = self.sidebar_model.find(self.node_id)
        row_filter = node.row_filter if node is not None else None
        rows = [s for s in results.summaries if row_filter is None or row_filter(s)]
        if node is not None and node.row_order is not None and not self.search.text:
            rows = node.row_order(rows)
        self.paper_list.set_rows(rows)
        if not self.paper_list.select_pending_or_first(first=self.detail.key is None):
            self._show_detail(None)
        self.actions_changed.emit()
        view = node.label if node is not None else "Library"
        query = self.search.text
        if query:
            text = f"{plural(len(rows), 'paper')} in {view} match “{query}”"
            if results.texts_pending:
                text += (
                    f" (the full text of {plural(results.texts_pending, 'paper')} is still "
                    "being indexed: more may match)"
                )
            self.count_label.setText(text)
        else:
            self.count_label.setText(f"{plural(len(rows), 'paper')} in {view}")
        self._show_empty_state(len(rows), node)

    def _show_empty_state(self, shown: int, node: SidebarNode | None) -> None:
        if shown:
            self.paper_list.show_table()
            return
        results = self.results
        query = html.escape(self.search.text)
        view = node.label if node is not None else "this view"
        if query and results is not None and results.total == 0:
            text = f"No papers match “{query}”."
            if results.suggestion:
                s = html.escape(results.suggestion)
                text += f"<br><br>Did you mean <a href='suggest:{s}'>{s}</a>?"
        elif query:
            text = (
                f"No papers in {html.escape(view)} match “{query}”. "
                f"<a href='view:all'>Search everything</a>"
            )
        else:
            text = _EMPTY_VIEW_TEXT.get(self.node_id, f"No papers in {html.escape(view)}.")
            if self.node_id == INBOX_ID:
                text += "<br><br><a href='import'>Import a digest…</a>"
        self.paper_list.show_message(text)

    def _empty_link(self, link: str) -> None:
        if link.startswith("suggest:"):
            self.search.set_text(link.split(":", 1)[1])
        elif link == "view:all":
            self.sidebar.select_node("section:library")
            self.node_id = ""
            self._show_rows()
        elif link == "import":
            self.import_requested.emit()

    def _note_index_building(self) -> None:
        """Still no search index after a moment (the first one of a big library, or one
        rebuilt for a new version): say why the list is empty meanwhile."""
        if self.bridge.index_is_ready or self.results is not None:
            return
        self.paper_list.show_message(
            "Reading the library into the search index…<br><br>The papers appear here "
            "when it is ready. Its progress is shown at the bottom right."
        )
        self.count_label.setText("Building the search index")

    def _show_page(self) -> None:
        welcome = self._library_empty and not self.search.text
        self.page_stack.setCurrentWidget(self.welcome if welcome else self.content_splitter)

    def _folder_is_empty(self) -> bool:
        try:
            return not any(
                p.is_dir() and not p.name.startswith(".") for p in self.library.papers_dir.iterdir()
            )
        except OSError:
            return True

    def _search_failed(self, request: SearchRequest, message: str) -> None:
        self.paper_list.model.set_rows([])
        self.detail.show_paper(None)  # the list shows no paper: neither does the pane
        self.paper_list.show_message(html.escape(message))
        self.count_label.setText("The query cannot be read")

    def _node_selected(self, node: SidebarNode) -> None:
        self.node_id = node.id
        if node.kind == NodeKind.SAVED:
            self.search.set_text(node.query)
        self.paper_list.clear_selection()
        self.detail.show_paper(None)
        self._show_rows()
        self.actions_changed.emit()

    def _papers_changed(self, keys: list[str]) -> None:
        if self._library_empty:
            self._library_empty = False
            self._show_page()
        self.schedule_refresh()
        if self.detail.key in keys:
            self._show_detail(self.detail.key)

    def _papers_removed(self, keys: list[str]) -> None:
        self.schedule_refresh()

    # -- selection and detail ---------------------------------------------------------------------

    def _current_changed(self, key: str | None) -> None:
        self._show_detail(key)
        self.current_changed.emit()

    def _show_detail(self, key: str | None) -> None:
        if key is None:
            self.detail.show_paper(None)
            return
        try:
            paper = self.library.get(key)
            notes = self.library.read_notes(key)
        except PapershelfError as e:
            self.detail.show_paper(None)
            self.show_error(str(e))
            return
        query = self.results.query if self.results is not None else ""
        has_pdf = self.library.pdf_path(paper) is not None
        self.detail.show_paper(paper, notes, has_pdf=has_pdf, query=query)
        if self._hits_for != (key, query):
            # Another paper or another query: its full-text hits (off the UI thread).
            self._hits_for = (key, query)
            self.detail.clear_fulltext_hits()
            if query and has_pdf:
                self.bridge.fulltext_hits(key, query)

    def _fulltext_ready(self, key: str, query: str, hits: list[Any]) -> None:
        if self._hits_for == (key, query):
            self.detail.show_fulltext_hits(key, hits)

    def _digest_imported(self, report: DigestReport) -> None:
        name = report.source or "the digest"
        details = "\n".join(f"line {s.line}: {s.reason}" for s in report.skipped)
        if report.added:
            self._library_empty = False
            self.show_info(f"Imported {name}: {import_summary(report)}.", details)
        else:
            self.show_info(f"Nothing new in {name}: {import_summary(report)}.", details)
        self._library_empty = self._library_empty and not report.total
        self.sidebar.select_node(INBOX_ID)
        self._show_page()
        self.bridge.flush()

    def _papers_added(self, added: list[str], present: list[str]) -> None:
        if added:
            self._library_empty = False
            self._show_page()
            ids = ", ".join(added[:5]) + (" …" if len(added) > 5 else "")
            there = f" ({len(present)} already in the library)" if present else ""
            self.show_info(f"Added {plural(len(added), 'paper')}: {ids}{there}.")
            if self.node_id == INBOX_ID or self.node_id.startswith("saved:"):
                self.sidebar.select_node(ALL_ID)
            self.paper_list.pending_select = added[0]
        if present and not added:
            self.show_info(f"Already in the library: {', '.join(present[:5])}.")
            self.paper_list.pending_select = present[0]
        self.schedule_refresh()

    def _saved_searches_changed(self, searches: list[SavedSearch]) -> None:
        self.sidebar_model.set_saved_searches([(s.name, s.query) for s in searches])
        if self.sidebar_model.find(self.node_id) is None and self.node_id.startswith("saved:"):
            self.node_id = ALL_ID
        self.actions_changed.emit()


def _count_results(results: SearchResults) -> ViewCounts:
    return count_views(results.summaries)


def import_summary(report: DigestReport) -> str:
    """``33 added, 2 already present, 1 skipped`` (parts that are zero left out)."""
    parts = [f"{len(report.added)} added"]
    for items, label in (
        (report.present, "already present"),
        (report.updated, "updated"),
        (report.dismissed, "dismissed before"),
        (report.skipped, "skipped"),
    ):
        if items:
            parts.append(f"{len(items)} {label}")
    return ", ".join(parts)
