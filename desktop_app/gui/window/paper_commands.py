"""The Paper menu's commands on the selected papers: status, rating, Keep and Dismiss (the
Inbox's triage), Move to Trash, Download PDF, Show in Folder.

Each one reads the selection from the paper list and sends the change to the bridge; Keep,
Dismiss and Move to Trash first move the selection to the next paper, so a run of K and D
keys walks down the Inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QUrl

from desktop_app.core.library import Library
from desktop_app.core.paper import Status
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.widgets.detail import DetailPane
from desktop_app.gui.window.paper_list import PaperList


class PaperCommands(QObject):
    """The commands of the Paper menu (see the module docstring)."""

    def __init__(
        self,
        library: Library,
        bridge: Bridge,
        paper_list: PaperList,
        detail: DetailPane,
        show_info: Callable[[str], None],
        open_url: Callable[[QUrl], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.paper_list = paper_list
        self.detail = detail
        self._show_info = show_info
        self._open_url = open_url

    def cycle_status(self) -> None:
        if keys := self.paper_list.selected_keys():
            self.bridge.cycle_status(keys)

    def set_status(self, status: Status) -> None:
        if keys := self.paper_list.selected_keys():
            self.bridge.set_status(keys, status)

    def set_rating(self, rating: int) -> None:
        if keys := self.paper_list.selected_keys():
            self.bridge.set_rating(keys, rating)
            if self.detail.key in keys:
                self.detail.rating.set_rating(rating)

    def keep(self) -> None:
        self.triage(self.paper_list.selected_keys(), keep=True)

    def dismiss(self) -> None:
        self.triage(self.paper_list.selected_keys(), keep=False)

    def triage(self, keys: Sequence[str], *, keep: bool) -> None:
        """Keep or dismiss inbox papers and move the selection to the next paper."""
        inbox = [k for k in keys if self._status_of(k) == Status.NEW.value]
        if not inbox:
            self._show_info("Keep (K) and Dismiss (D) sort the papers of the Inbox.")
            return
        self._select_next_after(inbox)
        if keep:
            self.bridge.keep(inbox)
        else:
            self.bridge.delete(inbox, dismissed=True)

    def _status_of(self, key: str) -> str | None:
        summary = self.paper_list.summary(key)
        return summary.status if summary else None

    def _select_next_after(self, keys: Sequence[str]) -> None:
        if not self.paper_list.select_next_after(keys):
            self.detail.show_paper(None)

    def delete_selected(self) -> None:
        keys = self.paper_list.selected_keys()
        if keys:
            self._select_next_after(keys)
            self.bridge.delete(keys)

    def download_pdf(self) -> None:
        if keys := self.paper_list.selected_keys():
            self.bridge.request_pdf(keys)

    def show_in_folder(self, key: str | None = None) -> None:
        keys = [key] if key else self.paper_list.selected_keys()
        if keys:
            self._open_url(QUrl.fromLocalFile(str(self.library.paper_dir(keys[0]))))
