"""The library window as a shell: sidebar, search, paper list, detail pane, status bar, menus.

The window holds no data of its own: it shows the latest search results (from the bridge)
narrowed by the sidebar's selection, and sends every edit to the bridge. The centre is a tab
widget whose first tab is the library; reader tabs go next to it. Its actions and menus come
from one table (:mod:`.actions`); the features (:mod:`desktop_app.gui.features`) are built by
the composition root from :attr:`MainWindow.host` and never called by the window.

Keyboard: Ctrl+F search, Ctrl+N add, Ctrl+I import a digest, Enter opens the PDF, Space
cycles the status, 1 to 5 rate (0 clears), Delete moves to the trash, Ctrl+Z undoes, and in
the Inbox K keeps and D dismisses. The one-key shortcuts act on the list only (so typing in the
search field, the tags or the notes is never taken for a command); every action sits in a
menu with its shortcut shown.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.library import Library
from desktop_app.core.paper import Status
from desktop_app.core.search.api import PaperSummary, SearchResults
from desktop_app.core.settings import Settings
from desktop_app.gui import icons
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features.host import Host, NoticeButtons
from desktop_app.gui.tasks import TaskRunner
from desktop_app.gui.widgets.detail import DetailPane
from desktop_app.gui.widgets.dialogs import AddDialog, show_about
from desktop_app.gui.widgets.notices import Level, NoticeArea
from desktop_app.gui.widgets.paper_model import HIDDEN_BY_DEFAULT, Column
from desktop_app.gui.widgets.reader import ReaderTabs, ReaderView
from desktop_app.gui.widgets.search_bar import SearchBar
from desktop_app.gui.widgets.sidebar import Sidebar
from desktop_app.gui.widgets.sidebar_model import (
    ALL_ID,
    INBOX_ID,
    NodeKind,
    SidebarModel,
    SidebarNode,
)
from desktop_app.gui.widgets.task_status import TaskStatus
from desktop_app.gui.widgets.welcome import WelcomeView
from desktop_app.gui.window.actions import Scope, build_actions, column_action_name
from desktop_app.gui.window.drops import droppable, handle_drop
from desktop_app.gui.window.geometry import fit_to_screen
from desktop_app.gui.window.library_view import LibraryView
from desktop_app.gui.window.paper_commands import PaperCommands
from desktop_app.gui.window.paper_list import PaperList

log = logging.getLogger(__name__)

SAMPLE_DIGEST = "sample-digest.md"
STATE_VERSION = 1


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
        self.setWindowTitle(f"{APP_NAME} — {library.name}")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.setObjectName("MainWindow")

        self._build_widgets()
        self.action_table = build_actions(
            self,
            self.menuBar(),
            {Scope.WINDOW: self, Scope.LIST: self.table, Scope.TABS: self.tabs},
        )
        self.tabs.adopt_close_action(self.action_table["close_tab"])
        self.paper_list.set_header_actions(
            {col: self.action_table[column_action_name(col)] for col in Column},
            [self.action_table["sort_by_relevance"]],
        )
        self._build_toolbar()
        self.commands = PaperCommands(
            library,
            bridge,
            self.paper_list,
            self.detail,
            self.show_info,
            lambda url: self.open_url(url),
            self,
        )
        #: What the features see of this window (the app builds them from it).
        self.host = WindowHost(self)
        self._connect()
        self._restore_state()
        fit_to_screen(self)
        self._fitted = False  # once more when first shown, with its frame
        self.view.start()
        self._update_actions()

    @property
    def results(self) -> SearchResults | None:
        """The latest search results shown."""
        return self.view.results

    @property
    def node_id(self) -> str:
        """The sidebar entry the list shows."""
        return self.view.node_id

    def refresh(self) -> None:
        """Search again (the query, after a change, or when the index is ready)."""
        self.view.refresh()

    # -- building ------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.search = SearchBar()
        self.notices = NoticeArea()
        self.sidebar_model = SidebarModel(self)
        self.sidebar = Sidebar(self.sidebar_model)
        self.paper_list = PaperList()
        self.model = self.paper_list.model
        self.table = self.paper_list.table
        self.empty_label = self.paper_list.empty_label
        self.list_stack = self.paper_list

        self.detail = DetailPane()
        self.content_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.content_splitter.setObjectName("contentSplitter")
        self.content_splitter.addWidget(self.paper_list)
        self.content_splitter.addWidget(self.detail)
        self.content_splitter.setStretchFactor(0, 3)
        self.content_splitter.setStretchFactor(1, 2)
        self.content_splitter.setChildrenCollapsible(False)

        self.welcome = WelcomeView(self.library.name)
        self.page_stack = QStackedWidget()
        self.page_stack.addWidget(self.welcome)
        self.page_stack.addWidget(self.content_splitter)

        # The centre is a tab widget: the library first, readers after it.
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

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.toggleViewAction().setEnabled(False)
        toolbar.addAction(self.action_table["add"])
        toolbar.addAction(self.action_table["import_digest"])
        toolbar.addSeparator()
        toolbar.addAction(self.action_table["undo"])
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _connect(self) -> None:
        b = self.bridge
        #: The library tab's logic: search, list, sidebar counts, detail pane.
        self.view = LibraryView(
            library=self.library,
            bridge=b,
            settings=self.settings,
            search=self.search,
            sidebar=self.sidebar,
            paper_list=self.paper_list,
            detail=self.detail,
            count_label=self.count_label,
            pages=(self.page_stack, self.welcome, self.content_splitter),
            show_error=self.show_error,
            show_info=self.show_info,
            parent=self,
        )
        self.view.actions_changed.connect(self._update_actions)
        self.view.current_changed.connect(self._current_changed)
        self.view.import_requested.connect(self.ask_import_digest)
        b.error.connect(self.show_error)
        b.info.connect(self.show_info)
        b.undo_changed.connect(self._undo_changed)
        self.runner.task_failed.connect(
            lambda what, e, tb: self.show_error(f"{what} failed unexpectedly: {e}", tb)
        )

        self.search.focus_list.connect(self.paper_list.focus_list)
        self.sidebar.rename_requested.connect(b.rename_saved_search)
        self.sidebar.delete_requested.connect(b.delete_saved_search)
        self.paper_list.selection_changed.connect(self._selection_changed)
        self.paper_list.activated.connect(self._open_selected)
        self.tabs.currentChanged.connect(self._tab_changed)

        d = self.detail
        d.status_chosen.connect(lambda key, s: b.set_status([key], Status(s)))
        c = self.commands
        d.keep_clicked.connect(lambda key: c.triage([key], keep=True))
        d.dismiss_clicked.connect(lambda key: c.triage([key], keep=False))
        d.rating_chosen.connect(lambda key, n: b.set_rating([key], n))
        d.tags_edited.connect(b.set_tags)
        d.notes_edited.connect(b.write_notes)
        d.download_clicked.connect(lambda key: b.request_pdf([key]))
        d.open_clicked.connect(self.host.paper_open_requested)
        d.show_in_folder_clicked.connect(lambda key: c.show_in_folder(key))

        w = self.welcome
        w.add_clicked.connect(self.show_add_dialog)
        w.import_clicked.connect(self.ask_import_digest)
        w.sample_clicked.connect(self.import_sample)

        a = self.action_table
        slots: dict[str, Any] = {
            "add": self.show_add_dialog,
            "import_digest": self.ask_import_digest,
            "sample": self.import_sample,
            "library_folder": self.show_library_folder,
            "quit": self.close,
            "undo": b.undo,
            "find": self.search.focus,
            "save_search": self.ask_save_search,
            "rename_search": self.ask_rename_saved,
            "delete_search": self.delete_current_saved,
            "syntax": self.search.show_help,
            "open_pdf": self._open_selected,
            "download_pdf": c.download_pdf,
            "show_in_folder": c.show_in_folder,
            "cycle_status": c.cycle_status,
            "mark_unread": partial(c.set_status, Status.UNREAD),
            "mark_reading": partial(c.set_status, Status.READING),
            "mark_read": partial(c.set_status, Status.READ),
            **{f"rate_{n}": partial(c.set_rating, n) for n in range(6)},
            "keep": c.keep,
            "dismiss": c.dismiss,
            "delete": c.delete_selected,
            "view_inbox": lambda: self.sidebar.select_node(INBOX_ID),
            "view_all": lambda: self.sidebar.select_node(ALL_ID),
            "view_unread": lambda: self.sidebar.select_node("view:unread"),
            "view_reading": lambda: self.sidebar.select_node("view:reading"),
            "view_read": lambda: self.sidebar.select_node("view:read"),
            "sort_by_relevance": self.sort_by_relevance,
            "about": lambda: show_about(self),
        }
        for name, slot in slots.items():
            a[name].triggered.connect(lambda _checked=False, slot=slot: slot())
        a["show_sidebar"].toggled.connect(self.sidebar.setVisible)
        a["show_details"].toggled.connect(self.detail.setVisible)

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
            self.paper_list.columns_restored()
        shown = s.value("window/sidebar", True) not in (False, "false")
        self.action_table["show_sidebar"].setChecked(shown)
        shown = s.value("window/detail", True) not in (False, "false")
        self.action_table["show_details"].setChecked(shown)
        # The view and the search are each library's own (another library's search would
        # hide its papers behind a query typed elsewhere).
        node = str(s.value(f"{self._library_group}/view", ALL_ID))
        if node != ALL_ID and self.sidebar_model.find(node) is not None:
            self.view.node_id = node
        self.search.field.setText(str(s.value(f"{self._library_group}/query", "")))

    @property
    def _library_group(self) -> str:
        """The state's group of this library's own keys (its view and search)."""
        digest = hashlib.sha1(str(self.library.root).encode(), usedforsecurity=False)
        return f"library-{digest.hexdigest()[:12]}"

    def save_state(self) -> None:
        s = self.state
        s.setValue("window/version", STATE_VERSION)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/mainSplitter", self.main_splitter.saveState())
        s.setValue("window/contentSplitter", self.content_splitter.saveState())
        s.setValue("window/sidebar", self.action_table["show_sidebar"].isChecked())
        s.setValue("window/detail", self.action_table["show_details"].isChecked())
        s.setValue("list/header", self.table.horizontalHeader().saveState())
        s.setValue(f"{self._library_group}/view", self.node_id)
        s.setValue(f"{self._library_group}/query", self.search.text)
        s.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            fit_to_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.host.closing.emit()
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
        if "action_table" in self.__dict__:  # a palette can change while the window is built
            self.action_table.refresh_icons()
        self.detail.refresh_icons()
        self.search.refresh_icons()
        self.task_status.refresh_icons()
        self.table.viewport().update()
        self.sidebar.viewport().update()

    # -- the list --------------------------------------------------------------------------------

    def selected_keys(self) -> list[str]:
        return self.paper_list.selected_keys()

    def select_key(self, key: str) -> bool:
        return self.paper_list.select_key(key)

    def _current_changed(self) -> None:
        self._update_actions()
        self.host.current_changed.emit()

    def _selection_changed(self) -> None:
        self._update_actions()
        self.host.selection_changed.emit()

    def _update_actions(self) -> None:
        has = self.paper_list.has_selection()
        for action in self.action_table.needing_selection():
            action.setEnabled(has)
        node = self.sidebar_model.find(self.node_id)
        saved = node is not None and node.kind == NodeKind.SAVED
        self.action_table["rename_search"].setEnabled(saved)
        self.action_table["delete_search"].setEnabled(saved)

    def _tab_changed(self, _index: int) -> None:
        # Ctrl+F finds in the paper while one is shown, else it searches the library.
        self.action_table["find"].setEnabled(not isinstance(self.tabs.currentWidget(), ReaderView))

    # -- commands ----------------------------------------------------------------------------------

    def _open_selected(self) -> None:
        if keys := self.selected_keys():
            self.host.paper_open_requested.emit(keys[0])

    def show_library_folder(self) -> None:
        self.open_url(QUrl.fromLocalFile(str(self.library.root)))

    def open_url(self, url: QUrl) -> None:
        """Open a file or folder with the system's application (one place, for tests)."""
        if not QDesktopServices.openUrl(url):
            self.show_error(f"Could not open {url.toDisplayString()}")

    def show_add_dialog(self, text: str | None = None) -> None:
        # The whole library, not only the papers listed (a stat per ID recognised).
        dialog = AddDialog(self, text, self.library.exists)
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

    def ask_save_search(self) -> None:
        query = self.search.text
        if not query:
            self.show_info("Type a search first, then save it.")
            return
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=query)
        if ok and name.strip():
            self.bridge.save_search(name.strip(), query)

    def _saved_node(self) -> SidebarNode | None:
        node = self.sidebar_model.find(self.node_id)
        return node if node is not None and node.kind == NodeKind.SAVED else None

    def ask_rename_saved(self) -> None:
        if (node := self._saved_node()) is not None:
            self.sidebar.ask_rename(node.label)

    def delete_current_saved(self) -> None:
        if (node := self._saved_node()) is not None:
            self.bridge.delete_saved_search(node.label)

    def _undo_changed(self, description: str) -> None:
        undo = self.action_table["undo"]
        undo.setEnabled(bool(description))
        # The menu says what is undone ("Undo tag change"); the toolbar button keeps its
        # one word, so a longer label never pushes the search field aside.
        what = description[:1].lower() + description[1:]
        undo.setText(f"&Undo {what}" if description else "&Undo")
        undo.setIconText("Undo")
        undo.setToolTip(f"Undo {what} (Ctrl+Z)" if description else "Undo (Ctrl+Z)")

    def sort_by_relevance(self) -> None:
        self.paper_list.sort_by_relevance()
        self.refresh()

    def set_column_shown(self, column: Column, shown: bool) -> None:
        self.paper_list.set_column_shown(column, shown)

    # -- notices ----------------------------------------------------------------------------------

    def show_error(self, message: str, details: str = "") -> None:
        """The one way errors reach the user: a non-blocking notice, details expandable."""
        log.warning("shown to the user: %s", message)
        self.notices.show_notice(Level.ERROR, message, details)

    def show_info(self, message: str, details: str = "") -> None:
        self.notices.show_notice(Level.INFO, message, details)

    # -- drag and drop ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if droppable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if droppable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.handle_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def handle_drop(self, mime: QMimeData) -> bool:
        """arXiv links are added, digests imported, PDFs attached; False when nothing fit."""
        return handle_drop(mime, self.bridge, self.show_error, self.show_info)


class WindowHost(Host):
    """The main window's side of the host: it answers a feature's questions from the window's
    widgets (the features see only :class:`~desktop_app.gui.features.host.Host`)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(
            library=window.library,
            bridge=window.bridge,
            settings=window.settings,
            state=window.state,
            widget=window,
            tabs=window.tabs,
            detail=window.detail,
        )
        self._window = window

    def show_error(self, message: str, details: str = "") -> None:
        self._window.show_error(message, details)

    def show_info(self, message: str, details: str = "") -> None:
        self._window.show_info(message, details)

    def show_notice(
        self,
        level: Level,
        message: str,
        details: str = "",
        buttons: NoticeButtons = (),
        kind: str | None = None,
    ) -> None:
        self._window.notices.show_notice(level, message, details, list(buttons) or None, kind)

    def show_view(self, node_id: str) -> None:
        self._window.sidebar.select_node(node_id)

    def add_status_widget(self, widget: QWidget) -> None:
        self._window.statusBar().addPermanentWidget(widget)

    def selected_keys(self) -> list[str]:
        return self._window.paper_list.selected_keys()

    def has_selection(self) -> bool:
        return self._window.paper_list.has_selection()

    def list_has_focus(self) -> bool:
        return self._window.table.hasFocus()

    def listed_keys(self) -> list[str]:
        return self._window.paper_list.keys()

    def summary(self, key: str) -> PaperSummary | None:
        return self._window.paper_list.summary(key)

    def tag_names(self) -> list[str]:
        return list(self._window.sidebar_model.tag_names())

    def query_terms(self) -> list[str]:
        results = self._window.results
        if results is not None and results.terms:
            return list(results.terms)
        return [w.strip('"') for w in self._window.search.text.split() if ":" not in w]

    def refresh(self) -> None:
        self._window.refresh()

    def open_url(self, url: QUrl) -> None:
        self._window.open_url(url)

    def action(self, name: str) -> QAction:
        return self._window.action_table[name]

    def add_action(self, menu: str, action: QAction) -> None:
        self._window.addAction(action)
        self._window.action_table.add(menu, action)

    def add_panel(self, name: str, title: str, widget: QWidget) -> QWidget:
        window = self._window
        dock = QDockWidget(title, window)
        dock.setObjectName(f"panel-{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        key = f"window/panel/{name}"
        dock.setVisible(window.state.value(key, True) not in (False, "false"))
        self.closing.connect(lambda: window.state.setValue(key, dock.isVisible()))
        self.add_action("view", dock.toggleViewAction())
        return dock
