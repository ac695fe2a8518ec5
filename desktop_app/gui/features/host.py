"""The host interface: all a window feature sees of the window it is part of.

A feature (:mod:`desktop_app.gui.features`) is built as ``Feature(host)`` and never imports
the main window; the window never calls into a feature. What a feature may use:

- the parts the composition root built: :attr:`Host.library`, :attr:`Host.bridge` (the only
  door to background work), :attr:`Host.settings` and :attr:`Host.state` (remembered folders);
- :meth:`Host.show_error` / :meth:`Host.show_info` / :meth:`Host.show_notice` for notices;
- the selection: :meth:`Host.selected_keys`, :meth:`Host.has_selection`, and the signals
  :attr:`Host.selection_changed` and :attr:`Host.current_changed`;
- the list: :meth:`Host.listed_keys`, :meth:`Host.summary`, :meth:`Host.tag_names`,
  :meth:`Host.query_terms`, :meth:`Host.refresh`;
- the actions: :meth:`Host.action` gives the action of the window's action table by name
  (``window/actions.py`` lists every action, feature ones included, with its menu and
  shortcut); :meth:`Host.add_action` puts an action of the feature's own in a named menu;
- the widgets a feature extends: :attr:`Host.tabs` (reader tabs next to the library) and
  :attr:`Host.detail` (the detail pane), :meth:`Host.add_panel` for a panel of its own
  beside the list (shown or hidden from the View menu), and :attr:`Host.widget` as the
  parent of dialogs;
- :attr:`Host.paper_open_requested` (Enter, a double click, the detail pane's Open),
  :attr:`Host.closing` (store what is pending), and :meth:`Host.request_library_switch`,
  which the composition root answers through :attr:`Host.library_switch_requested`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QUrl, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop_app.core.library import Library
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.settings import Settings
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.widgets.detail import DetailPane
from desktop_app.gui.widgets.notices import Level
from desktop_app.gui.widgets.reader import ReaderTabs

#: A notice's buttons: (label, what clicking it does).
NoticeButtons = Sequence[tuple[str, Callable[[], Any]]]


class Host(QObject):
    """What a window feature sees of the window (see the module docstring).

    The window implements the methods; this class declares them, and the signals it emits.
    """

    #: The selected papers changed (or the current one did).
    selection_changed = Signal()
    #: The current paper (the one the detail pane shows) changed.
    current_changed = Signal()
    #: The user asked to open a paper: (key). Enter, a double click, the detail pane's Open.
    paper_open_requested = Signal(str)
    #: The window is about to close: store what is pending, stop watching.
    closing = Signal()
    #: Open another library in a new window: (Path of its folder). The app answers it.
    library_switch_requested = Signal(object)

    def __init__(
        self,
        *,
        library: Library,
        bridge: Bridge,
        settings: Settings,
        state: QSettings,
        widget: QWidget,
        tabs: ReaderTabs,
        detail: DetailPane,
    ) -> None:
        super().__init__(widget)
        self.library = library
        self.bridge = bridge
        self.settings = settings
        #: Remembered folders (``paths/...``) and the window's state.
        self.state = state
        #: The window, as the parent of dialogs.
        self.widget = widget
        self.tabs = tabs
        self.detail = detail
        #: Whether anyone answers :attr:`library_switch_requested` (the app, when it runs).
        self.can_switch_library = False
        #: The features built on this host (the composition root keeps them here; the window
        #: never calls them).
        self.features: list[QObject] = []

    # -- notices -----------------------------------------------------------------------------

    def show_error(self, message: str, details: str = "") -> None:
        """Show an error notice (the one way errors reach the user)."""
        raise NotImplementedError

    def show_info(self, message: str, details: str = "") -> None:
        """Show an information notice."""
        raise NotImplementedError

    def show_notice(
        self,
        level: Level,
        message: str,
        details: str = "",
        buttons: NoticeButtons = (),
        kind: str | None = None,
    ) -> None:
        """Show a notice of any level, with buttons; a notice of the same ``kind`` shown
        already is replaced (one line per kind of problem)."""
        raise NotImplementedError

    def show_view(self, node_id: str) -> None:
        """Show a view of the sidebar (``"view:failed"``, ``"tag:rag"`` …) in the list."""
        raise NotImplementedError

    def add_status_widget(self, widget: QWidget) -> None:
        """Show a small permanent widget in the status bar (an indicator)."""
        raise NotImplementedError

    # -- selection and list ------------------------------------------------------------------

    def selected_keys(self) -> list[str]:
        """The selected papers (the current one when none is selected)."""
        raise NotImplementedError

    def has_selection(self) -> bool:
        """Whether :meth:`selected_keys` would give papers to act on."""
        raise NotImplementedError

    def list_has_focus(self) -> bool:
        """Whether the paper list has the keyboard focus."""
        raise NotImplementedError

    def listed_keys(self) -> list[str]:
        """The papers the list shows, in its order (a search, a view, a tag)."""
        raise NotImplementedError

    def summary(self, key: str) -> PaperSummary | None:
        """The list's row of a paper (None when it is not listed)."""
        raise NotImplementedError

    def tag_names(self) -> list[str]:
        """Every tag of the library, as written."""
        raise NotImplementedError

    def query_terms(self) -> list[str]:
        """The words the current search matched (or typed, when it has no results yet)."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Search again (after settings changed, or papers changed elsewhere)."""
        raise NotImplementedError

    def open_url(self, url: QUrl) -> None:
        """Open a file or folder with the system's application."""
        raise NotImplementedError

    # -- actions -----------------------------------------------------------------------------

    def action(self, name: str) -> QAction:
        """The action ``name`` of the window's action table (``window/actions.py``)."""
        raise NotImplementedError

    def add_action(self, menu: str, action: QAction) -> None:
        """Append an action of the feature's own to a named menu (``"file"``, ``"view"`` …)."""
        raise NotImplementedError

    def add_panel(self, name: str, title: str, widget: QWidget) -> QWidget:
        """Show ``widget`` as a panel of the window titled ``title``, with a View menu item
        that shows or hides it (remembered as ``name``); returns the panel's frame."""
        raise NotImplementedError

    def on_action(self, name: str, slot: Callable[[], Any]) -> QAction:
        """Run ``slot`` when the table's action ``name`` is triggered; returns the action."""
        action = self.action(name)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- the library -------------------------------------------------------------------------

    def request_library_switch(self, root: Path) -> bool:
        """Ask for ``root`` to open in a new window; False when nobody can (tests, no app)."""
        if not self.can_switch_library:
            return False
        self.library_switch_requested.emit(root)
        return True
