"""The library window: sidebar, search, paper list, detail pane, status bar, menus.

The window holds no data of its own: it shows the latest search results (from the bridge)
narrowed by the sidebar's selection, and sends every edit to the bridge. The centre is a tab
widget whose first tab is the library; reader tabs (issue #6) go next to it.

Keyboard: Ctrl+F search, Ctrl+N add, Ctrl+I import a digest, Enter opens the PDF, Space
cycles the status, 1 to 5 rate (0 clears), Delete moves to the trash, Ctrl+Z undoes, and in
the Inbox K keeps and D dismisses. The one-key shortcuts act on the list only (so typing in
the search field, the tags or the notes is never taken for a command); every action sits in
a menu with its shortcut shown.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.paper import Status
from desktop_app.core.saved_searches import SavedSearch
from desktop_app.core.search.api import SearchResults, SortOrder
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui import icons
from desktop_app.gui.bridge import Bridge, SearchRequest
from desktop_app.gui.features.interop import InteropFeatures
from desktop_app.gui.features.reading import ReadingFeatures
from desktop_app.gui.tasks import TaskRunner
from desktop_app.gui.widgets.detail import DetailPane
from desktop_app.gui.widgets.dialogs import AddDialog, show_about
from desktop_app.gui.widgets.notices import Level, NoticeArea
from desktop_app.gui.widgets.paper_model import (
    HIDDEN_BY_DEFAULT,
    STATUS_LABELS,
    Column,
    PaperTableModel,
)
from desktop_app.gui.widgets.reader import ReaderTabs
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
from desktop_app.gui.widgets.task_status import TaskStatus
from desktop_app.gui.widgets.welcome import WelcomeView

log = logging.getLogger(__name__)

SAMPLE_DIGEST = "sample-digest.md"
REFRESH_DELAY_MS = 60
#: How long the search index may take to open at start-up before the list says why it is empty.
INDEX_NOTE_DELAY_MS = 500
DIGEST_SUFFIXES = (".md", ".markdown", ".txt")
STATE_VERSION = 1

_EMPTY_VIEW_TEXT = {
    INBOX_ID: "The inbox is empty. Papers from imported digests wait here until you keep "
    "(K) or dismiss (D) them.",
    ALL_ID: "No papers kept yet.",
}


class MainWindow(QMainWindow):
    """The library window (see the module docstring)."""

    #: The window closed (after pending writes completed): owners release what they built.
    closed = Signal()

    def __init__(
        self,
        library: Library,
        bridge: Bridge,
        runner: TaskRunner,
        settings: Settings,
        state: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.runner = runner
        self.settings = settings
        self.state = state
        self.results: SearchResults | None = None
        self.node_id = ALL_ID
        self._themed: list[tuple[Any, str]] = []  # (action or button, icon name)
        self._library_empty = self._folder_is_empty()
        self._pending_select: str | None = None
        self._hits_for: tuple[str, str] | None = None  # (key, query) the hits shown are of

        self.setWindowTitle(f"{APP_NAME} — {library.name}")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.setObjectName("MainWindow")

        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        self._restore_state()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._show_page()
        self.sidebar.show_node(self.node_id)
        # The reader tabs, bulk tag actions, Trash, Preferences, live updates (issue #6).
        self.reading = ReadingFeatures(self)
        # Export, BibTeX/PDF import, Copy Citation, Merge Duplicates (issue #7).
        self.interop = InteropFeatures(self)
        bridge.load_saved_searches()
        if bridge.index_is_ready:
            self.refresh()
        if not bridge.index_is_ready:
            QTimer.singleShot(INDEX_NOTE_DELAY_MS, self._note_index_building)

    # -- building ------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.search = SearchBar()
        self.notices = NoticeArea()
        self.sidebar_model = SidebarModel(self)
        self.sidebar = Sidebar(self.sidebar_model)

        self.model = PaperTableModel(self)
        # Render the list's icons now, not at the first paint of a row that needs them.
        for name in [f"status-{s}" for s in STATUS_LABELS] + [
            "pdf-pending",
            "pdf-done",
            "pdf-failed",
        ]:
            icons.icon(name)
        self.table = QTableView()
        self.table.setObjectName("paperList")
        self.table.setAccessibleName("Papers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTabKeyNavigation(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for col in Column:
            header.resizeSection(col, col.default_width)
        # The title takes the room the other columns leave (they keep their set widths).
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.setContentsMargins(40, 40, 40, 40)
        self.empty_label.linkActivated.connect(self._empty_link)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)

        self.detail = DetailPane()
        self.content_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.content_splitter.setObjectName("contentSplitter")
        self.content_splitter.addWidget(self.list_stack)
        self.content_splitter.addWidget(self.detail)
        self.content_splitter.setStretchFactor(0, 3)
        self.content_splitter.setStretchFactor(1, 2)
        self.content_splitter.setChildrenCollapsible(False)

        self.welcome = WelcomeView(self.library.name)
        self.page_stack = QStackedWidget()
        self.page_stack.addWidget(self.welcome)
        self.page_stack.addWidget(self.content_splitter)

        # The centre is a tab widget: the library first, readers (issue #6) after it.
        self.tabs = ReaderTabs()
        self.tabs.setObjectName("centreTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.setTabsClosable(True)
        self.tabs.addTab(self.page_stack, icons.icon("library"), "Library")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.sidebar)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notices)
        column.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.statusBar().addWidget(self.count_label, 1)
        self.task_status = TaskStatus(self.runner)
        self.statusBar().addPermanentWidget(self.task_status)

    def new_action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: str | QKeySequence.StandardKey | Sequence[str] | None = None,
        *,
        icon: str | None = None,
        tip: str | None = None,
        on_list: bool = False,
    ) -> QAction:
        """An action of the window, its icon following the palette (the window's features use
        it too); ``on_list`` ones (one-key shortcuts) act only while the list has focus.
        """
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if isinstance(shortcut, (QKeySequence.StandardKey, str)):
            action.setShortcut(QKeySequence(shortcut))
        elif shortcut:
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        if icon:
            action.setIcon(icons.icon(icon))
            self._themed.append((action, icon))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if on_list:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.table.addAction(action)
        else:
            self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self.new_action
        self.add_action = a(
            "&Add Papers…",
            self.show_add_dialog,
            "Ctrl+N",
            icon="add",
            tip="Add papers by arXiv ID or link",
        )
        self.import_action = a(
            "&Import Digest…",
            self.ask_import_digest,
            "Ctrl+I",
            icon="import",
            tip="Import a daily arXiv digest (Markdown) into the inbox",
        )
        self.sample_action = a("Try the &Sample Digest", self.import_sample, icon="sample")
        self.folder_action = a("Show Library &Folder", self.show_library_folder, icon="folder")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.undo_action = a("&Undo", self.bridge.undo, QKeySequence.StandardKey.Undo, icon="undo")
        self.undo_action.setEnabled(False)
        self.find_action = a(
            "&Find",
            self.search.focus,
            QKeySequence.StandardKey.Find,
            icon="search",
            tip="Search the library",
        )
        self.save_search_action = a(
            "&Save Search…", self.ask_save_search, "Ctrl+Shift+S", icon="saved-search"
        )
        self.rename_search_action = a("&Rename Saved Search…", self.ask_rename_saved)
        self.delete_search_action = a("&Delete Saved Search", self.delete_current_saved)
        self.syntax_action = a("Search S&yntax", self.search.show_help, "F1", icon="help")

        self.open_action = a(
            "&Open PDF", self.open_pdf, ["Return", "Enter"], icon="open", on_list=True
        )
        self.download_action = a("&Download PDF", self.download_pdf, "Ctrl+D", icon="download")
        self.show_folder_action = a("Show in F&older", self.show_in_folder, icon="folder")
        self.cycle_action = a("&Cycle Status", self.cycle_status, "Space", on_list=True)
        self.status_actions = {
            status: a(label, partial(self.set_status, status), icon=f"status-{status}")
            for status, label in (
                (Status.UNREAD, "Mark &Unread"),
                (Status.READING, "Mark &Reading"),
                (Status.READ, "Mark R&ead"),
            )
        }
        self.rating_actions = [
            a(_rating_label(n), partial(self.set_rating, n), str(n), on_list=True) for n in range(6)
        ]
        self.keep_action = a(
            "&Keep",
            self.keep,
            "K",
            icon="keep",
            on_list=True,
            tip="Keep the paper: it becomes unread and its PDF is fetched",
        )
        self.dismiss_action = a(
            "D&ismiss",
            self.dismiss,
            "D",
            icon="dismiss",
            on_list=True,
            tip="Dismiss: to the trash; digests will not bring it back",
        )
        self.delete_action = a(
            "Move to &Trash",
            self.delete_selected,
            ["Delete", "Backspace"],
            icon="trash",
            on_list=True,
        )

        self.sidebar_action = QAction("Show &Sidebar", self, checkable=True, checked=True)
        self.sidebar_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.sidebar_action.toggled.connect(self.sidebar.setVisible)
        self.addAction(self.sidebar_action)
        self.detail_action = QAction("Show &Details", self, checkable=True, checked=True)
        self.detail_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.detail_action.toggled.connect(self.detail.setVisible)
        self.addAction(self.detail_action)
        self.view_actions = [
            a("&Inbox", lambda: self.sidebar.select_node(INBOX_ID), "Ctrl+1", icon="inbox"),
            a("&All Papers", lambda: self.sidebar.select_node(ALL_ID), "Ctrl+2", icon="all"),
            a("&Unread", lambda: self.sidebar.select_node("view:unread"), "Ctrl+3"),
            a("&Reading", lambda: self.sidebar.select_node("view:reading"), "Ctrl+4"),
            a("R&ead", lambda: self.sidebar.select_node("view:read"), "Ctrl+5"),
        ]
        self.column_actions: dict[Column, QAction] = {}
        for col in Column:
            action = QAction(col.label, self, checkable=True, checked=True)
            action.setEnabled(col != Column.TITLE)
            action.toggled.connect(lambda shown, c=col: self.set_column_shown(c, shown))
            self.column_actions[col] = action
        self.relevance_action = a("Sort by &Relevance", self.sort_by_relevance)
        self.about_action = a(f"&About {APP_NAME}", lambda: show_about(self), icon="about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        for action in (self.add_action, self.import_action, self.sample_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.folder_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.edit_menu = edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.save_search_action)
        edit_menu.addAction(self.rename_search_action)
        edit_menu.addAction(self.delete_search_action)

        paper_menu = bar.addMenu("&Paper")
        paper_menu.addAction(self.open_action)
        paper_menu.addAction(self.download_action)
        paper_menu.addAction(self.show_folder_action)
        paper_menu.addSeparator()
        paper_menu.addAction(self.cycle_action)
        for action in self.status_actions.values():
            paper_menu.addAction(action)
        rating_menu = paper_menu.addMenu("Ra&ting")
        for action in self.rating_actions[1:] + self.rating_actions[:1]:
            rating_menu.addAction(action)
        paper_menu.addSeparator()
        paper_menu.addAction(self.keep_action)
        paper_menu.addAction(self.dismiss_action)
        paper_menu.addSeparator()
        paper_menu.addAction(self.delete_action)
        self.paper_menu = paper_menu

        self.view_menu = view_menu = bar.addMenu("&View")
        for action in self.view_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.sidebar_action)
        view_menu.addAction(self.detail_action)
        columns = view_menu.addMenu("&Columns")
        for action in self.column_actions.values():
            columns.addAction(action)
        view_menu.addAction(self.relevance_action)

        self.help_menu = help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.syntax_action)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.toggleViewAction().setEnabled(False)
        toolbar.addAction(self.add_action)
        toolbar.addAction(self.import_action)
        toolbar.addSeparator()
        toolbar.addAction(self.undo_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _connect(self) -> None:
        b = self.bridge
        b.results_ready.connect(self._results_ready)
        b.search_failed.connect(self._search_failed)
        b.papers_changed.connect(self._papers_changed)
        b.papers_removed.connect(self._papers_removed)
        b.fulltext_ready.connect(self._fulltext_ready)
        b.digest_imported.connect(self._digest_imported)
        b.papers_added.connect(self._papers_added)
        b.saved_searches_changed.connect(self._saved_searches_changed)
        b.error.connect(self.show_error)
        b.info.connect(self.show_info)
        b.undo_changed.connect(self._undo_changed)
        b.index_searchable.connect(self.refresh)
        b.index_ready.connect(self.refresh)
        self.runner.task_failed.connect(
            lambda what, e, tb: self.show_error(f"{what} failed unexpectedly: {e}", tb)
        )

        self.search.query_changed.connect(lambda _: self.refresh())
        self.search.focus_list.connect(self._focus_list)
        self.sidebar.node_selected.connect(self._node_selected)
        self.sidebar.rename_requested.connect(b.rename_saved_search)
        self.sidebar.delete_requested.connect(b.delete_saved_search)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _: self.open_pdf())

        d = self.detail
        d.status_chosen.connect(lambda key, s: b.set_status([key], Status(s)))
        d.keep_clicked.connect(lambda key: self._triage([key], keep=True))
        d.dismiss_clicked.connect(lambda key: self._triage([key], keep=False))
        d.rating_chosen.connect(lambda key, n: b.set_rating([key], n))
        d.tags_edited.connect(b.set_tags)
        d.notes_edited.connect(b.write_notes)
        d.download_clicked.connect(lambda key: b.request_pdf([key]))
        d.open_clicked.connect(lambda key: self.open_pdf(key))
        d.show_in_folder_clicked.connect(lambda key: self.show_in_folder(key))

        w = self.welcome
        w.add_clicked.connect(self.show_add_dialog)
        w.import_clicked.connect(self.ask_import_digest)
        w.sample_clicked.connect(self.import_sample)

    # -- state -----------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        s = self.state
        if str(s.value("window/version", 0)) != str(STATE_VERSION):
            self.resize(1280, 800)
            self.main_splitter.setSizes([210, 1070])
            self.content_splitter.setSizes([690, 380])
            for col in HIDDEN_BY_DEFAULT:
                self.set_column_shown(col, False)
            return
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        for key, splitter in (
            ("window/mainSplitter", self.main_splitter),
            ("window/contentSplitter", self.content_splitter),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)
        header_state = s.value("list/header")
        header = self.table.horizontalHeader()
        if isinstance(header_state, QByteArray) and header.restoreState(header_state):
            for col, action in self.column_actions.items():
                action.setChecked(not header.isSectionHidden(col))
        self.sidebar_action.setChecked(s.value("window/sidebar", True) not in (False, "false"))
        self.detail_action.setChecked(s.value("window/detail", True) not in (False, "false"))
        node = str(s.value("list/view", ALL_ID))
        if node != ALL_ID and self.sidebar_model.find(node) is not None:
            self.node_id = node
        self.search.field.setText(str(s.value("list/query", "")))

    def save_state(self) -> None:
        s = self.state
        s.setValue("window/version", STATE_VERSION)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/mainSplitter", self.main_splitter.saveState())
        s.setValue("window/contentSplitter", self.content_splitter.saveState())
        s.setValue("window/sidebar", self.sidebar_action.isChecked())
        s.setValue("window/detail", self.detail_action.isChecked())
        s.setValue("list/header", self.table.horizontalHeader().saveState())
        s.setValue("list/view", self.node_id)
        s.setValue("list/query", self.search.text)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reading.close()
        self.detail.flush_notes()
        self.save_state()
        self.bridge.flush()
        self.runner.shutdown()
        super().closeEvent(event)
        self.closed.emit()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ThemeChange):
            self.refresh_icons()
        super().changeEvent(event)

    def refresh_icons(self) -> None:
        """Re-tint the line icons after the palette changed (light ↔ dark)."""
        icons.clear_cache()
        for action, name in self._themed:
            action.setIcon(icons.icon(name))
        self.detail.refresh_icons()
        self.search.refresh_icons()
        self.task_status.refresh_icons()
        self.table.viewport().update()
        self.sidebar.viewport().update()

    # -- the list --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search again (the query, after a change, or when the index is ready)."""
        self._refresh_timer.stop()
        if not (self.bridge.index_is_ready or self.bridge.index_is_searchable):
            return
        query = self.search.text
        sort = SortOrder.RELEVANCE if query else self._default_sort()
        self.bridge.search(query, sort, annotate=_count_results)

    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def _default_sort(self) -> SortOrder:
        try:
            return SortOrder(self.settings.default_sort)
        except ValueError:
            return SortOrder.ADDED

    def _results_ready(
        self, request: SearchRequest, results: SearchResults, counts: ViewCounts | None = None
    ) -> None:
        self.results = results
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
        self.model.set_rows(rows)
        self._after_rows_changed()
        view = node.label if node is not None else "Library"
        query = self.search.text
        if query:
            self.count_label.setText(f"{plural(len(rows), 'paper')} in {view} match “{query}”")
        else:
            self.count_label.setText(f"{plural(len(rows), 'paper')} in {view}")
        self._show_empty_state(len(rows), node)

    def _after_rows_changed(self) -> None:
        if self._pending_select and self.select_key(self._pending_select):
            self._pending_select = None
        current = self.table.currentIndex()
        if not current.isValid() and self.model.rowCount() > 0 and self.detail.key is None:
            self.table.setCurrentIndex(self.model.index(0, Column.TITLE))
        elif not current.isValid():
            self._show_detail(None)
        self._update_actions()

    def _show_empty_state(self, shown: int, node: SidebarNode | None) -> None:
        if shown:
            self.list_stack.setCurrentWidget(self.table)
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
        self.empty_label.setText(text)
        self.list_stack.setCurrentWidget(self.empty_label)

    def _empty_link(self, link: str) -> None:
        if link.startswith("suggest:"):
            self.search.set_text(link.split(":", 1)[1])
        elif link == "view:all":
            self.sidebar.select_node("section:library")
            self.node_id = ""
            self._show_rows()
        elif link == "import":
            self.ask_import_digest()

    def _note_index_building(self) -> None:
        """Still no search index after a moment (the first one of a big library, or one
        rebuilt for a new version): say why the list is empty meanwhile."""
        if self.bridge.index_is_ready or self.results is not None:
            return
        self.empty_label.setText(
            "Reading the library into the search index…<br><br>The papers appear here "
            "when it is ready. Its progress is shown at the bottom right."
        )
        self.list_stack.setCurrentWidget(self.empty_label)
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
        self.model.set_rows([])
        self.empty_label.setText(html.escape(message))
        self.list_stack.setCurrentWidget(self.empty_label)
        self.count_label.setText("The query cannot be read")

    def _node_selected(self, node: SidebarNode) -> None:
        self.node_id = node.id
        if node.kind == NodeKind.SAVED:
            self.search.set_text(node.query)
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self.detail.show_paper(None)
        self._show_rows()
        self._update_actions()

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

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        summary = self.model.summary(current.row()) if current.isValid() else None
        self._show_detail(summary.key if summary else None)

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

    def _update_actions(self) -> None:
        has = self.has_selection()
        for action in (
            self.open_action,
            self.download_action,
            self.show_folder_action,
            self.cycle_action,
            self.keep_action,
            self.dismiss_action,
            self.delete_action,
            *self.status_actions.values(),
            *self.rating_actions,
        ):
            action.setEnabled(has)
        node = self.sidebar_model.find(self.node_id)
        saved = node is not None and node.kind == NodeKind.SAVED
        self.rename_search_action.setEnabled(saved)
        self.delete_search_action.setEnabled(saved)

    def _focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, Column.TITLE))

    # -- commands ----------------------------------------------------------------------------------

    def cycle_status(self) -> None:
        if keys := self.selected_keys():
            self.bridge.cycle_status(keys)

    def set_status(self, status: Status) -> None:
        if keys := self.selected_keys():
            self.bridge.set_status(keys, status)

    def set_rating(self, rating: int) -> None:
        if keys := self.selected_keys():
            self.bridge.set_rating(keys, rating)
            if self.detail.key in keys:
                self.detail.rating.set_rating(rating)

    def keep(self) -> None:
        self._triage(self.selected_keys(), keep=True)

    def dismiss(self) -> None:
        self._triage(self.selected_keys(), keep=False)

    def _triage(self, keys: list[str], *, keep: bool) -> None:
        """Keep or dismiss inbox papers and move the selection to the next paper."""
        inbox = [k for k in keys if self._status_of(k) == Status.NEW.value]
        if not inbox:
            self.show_info("Keep (K) and Dismiss (D) sort the papers of the Inbox.")
            return
        self._select_next_after(inbox)
        if keep:
            self.bridge.keep(inbox)
        else:
            self.bridge.delete(inbox, dismissed=True)

    def _status_of(self, key: str) -> str | None:
        row = self.model.row_of(key)
        summary = self.model.summary(row) if row >= 0 else None
        return summary.status if summary else None

    def _select_next_after(self, keys: list[str]) -> None:
        gone = set(keys)
        rows = [self.model.row_of(k) for k in keys]
        last = max(rows) if rows else -1
        order = self.model.keys()
        after = [k for k in order[last + 1 :] if k not in gone]
        before = [k for k in reversed(order[: max(last, 0)]) if k not in gone]
        target = after[0] if after else (before[0] if before else None)
        if target is not None:
            self.select_key(target)
            # The kept paper leaves the Inbox at the next refresh; the selection stays here.
            self._pending_select = target
        else:
            self.table.clearSelection()
            self.detail.show_paper(None)

    def delete_selected(self) -> None:
        keys = self.selected_keys()
        if keys:
            self._select_next_after(keys)
            self.bridge.delete(keys)

    def open_pdf(self, key: str | None = None) -> None:
        keys = [key] if key else self.selected_keys()
        if not keys:
            return
        try:
            paper = self.library.get(keys[0])
        except PapershelfError as e:
            self.show_error(str(e))
            return
        path = self.library.pdf_path(paper)
        if path is None:
            if paper.arxiv is not None:
                self.show_info(
                    f"The PDF of {paper.display_id} is not here yet; it is being downloaded."
                )
                self.bridge.request_pdf([paper.key])
            else:
                self.show_info(f"{paper.display_id} has no PDF.")
            return
        self.reading.open_pdf(paper, path)

    def download_pdf(self) -> None:
        if keys := self.selected_keys():
            self.bridge.request_pdf(keys)

    def show_in_folder(self, key: str | None = None) -> None:
        keys = [key] if key else self.selected_keys()
        if keys:
            self.open_url(QUrl.fromLocalFile(str(self.library.paper_dir(keys[0]))))

    def show_library_folder(self) -> None:
        self.open_url(QUrl.fromLocalFile(str(self.library.root)))

    def open_url(self, url: QUrl) -> None:
        """Open a file or folder with the system's application (one place, for tests)."""
        if not QDesktopServices.openUrl(url):
            self.show_error(f"Could not open {url.toDisplayString()}")

    def show_add_dialog(self, text: str | None = None) -> None:
        known = set(self.model.keys())
        dialog = AddDialog(self, text, known)
        if dialog.exec() and dialog.ids:
            self.bridge.add_ids(dialog.ids)

    def ask_import_digest(self) -> None:
        start = str(self.state.value("paths/digest", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a digest", start, "arXiv digests (*.md *.markdown *.txt);;All files (*)"
        )
        if path:
            self.state.setValue("paths/digest", str(Path(path).parent))
            self.import_digest(Path(path))

    def import_digest(self, path: Path) -> None:
        self.bridge.import_digest(path)

    def import_sample(self) -> None:
        text = resources.files("desktop_app.resources").joinpath(SAMPLE_DIGEST).read_text("utf-8")
        self.bridge.import_digest(text, source=SAMPLE_DIGEST)

    def _digest_imported(self, report: Any) -> None:
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
            self.show_info(f"Added {plural(len(added), 'paper')}: {ids}.")
            if self.node_id == INBOX_ID or self.node_id.startswith("saved:"):
                self.sidebar.select_node(ALL_ID)
            self._pending_select = added[0]
        if present and not added:
            self.show_info(f"Already in the library: {', '.join(present[:5])}.")
            self._pending_select = present[0]
        self.schedule_refresh()

    def ask_save_search(self) -> None:
        query = self.search.text
        if not query:
            self.show_info("Type a search first, then save it.")
            return
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=query)
        if ok and name.strip():
            self.bridge.save_search(name.strip(), query)

    def ask_rename_saved(self) -> None:
        node = self.sidebar_model.find(self.node_id)
        if node is not None and node.kind == NodeKind.SAVED:
            self.sidebar.ask_rename(node.label)

    def delete_current_saved(self) -> None:
        node = self.sidebar_model.find(self.node_id)
        if node is not None and node.kind == NodeKind.SAVED:
            self.bridge.delete_saved_search(node.label)

    def _saved_searches_changed(self, searches: list[SavedSearch]) -> None:
        self.sidebar_model.set_saved_searches([(s.name, s.query) for s in searches])
        if self.sidebar_model.find(self.node_id) is None and self.node_id.startswith("saved:"):
            self.node_id = ALL_ID
        self._update_actions()

    def _undo_changed(self, description: str) -> None:
        self.undo_action.setEnabled(bool(description))
        self.undo_action.setText(f"&Undo {description}" if description else "&Undo")

    def sort_by_relevance(self) -> None:
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.model.sort(-1)
        self.refresh()

    def set_column_shown(self, column: Column, shown: bool) -> None:
        self.table.horizontalHeader().setSectionHidden(column, not shown)
        if self.column_actions[column].isChecked() != shown:
            self.column_actions[column].setChecked(shown)

    def _header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for action in self.column_actions.values():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.relevance_action)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    # -- notices ----------------------------------------------------------------------------------

    def show_error(self, message: str, details: str = "") -> None:
        """The one way errors reach the user: a non-blocking notice, details expandable."""
        log.warning("shown to the user: %s", message)
        self.notices.show_notice(Level.ERROR, message, details)

    def show_info(self, message: str, details: str = "") -> None:
        self.notices.show_notice(Level.INFO, message, details)

    # -- drag and drop ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._droppable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._droppable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.handle_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    @staticmethod
    def _droppable(mime: QMimeData) -> bool:
        return mime.hasUrls() or mime.hasText()

    def handle_drop(self, mime: QMimeData) -> bool:
        """arXiv links are added, digests imported, PDFs attached; False when nothing fit."""
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        links = " ".join(u.toString() for u in mime.urls() if not u.isLocalFile())
        text = links if files or links else mime.text()
        digests = [f for f in files if f.suffix.lower() in DIGEST_SUFFIXES]
        pdfs = [f for f in files if f.suffix.lower() == ".pdf"]
        others = [f for f in files if f not in digests and f not in pdfs]
        ids = arxiv_id.find_all(text)
        for path in digests:
            self.bridge.import_digest(path)
        if pdfs:
            self.bridge.import_pdfs(pdfs)
        if ids:
            self.bridge.add_ids(ids)
        for path in others:
            self.show_error(f"{path.name}: not a digest (.md) or a PDF; nothing was imported")
        if not (digests or pdfs or ids or others):
            self.show_info("Nothing to add: the dropped text holds no arXiv ID or link.")
            return False
        return True


def _count_results(results: SearchResults) -> ViewCounts:
    return count_views(results.summaries)


def import_summary(report: Any) -> str:
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


def _rating_label(n: int) -> str:
    return f"{'★' * n} ({n})" if n else "No Rating"
