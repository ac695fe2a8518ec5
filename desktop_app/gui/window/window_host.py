"""The main window's side of the host interface: :class:`WindowHost` answers a feature's
questions from the window's widgets (the features see only :class:`~.features.host.Host`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction

from desktop_app.core.search.api import PaperSummary
from desktop_app.gui.features.host import Host, NoticeButtons
from desktop_app.gui.widgets.notices import Level

if TYPE_CHECKING:
    from desktop_app.gui.window.main_window import MainWindow

log = logging.getLogger(__name__)


class WindowHost(Host):
    """The host of one main window's features."""

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
        self, level: Level, message: str, details: str = "", buttons: NoticeButtons = ()
    ) -> None:
        self._window.notices.show_notice(level, message, details, list(buttons) or None)

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
