"""The reader feature: papers open in tabs next to the library (the widgets are in
:mod:`desktop_app.gui.widgets.reader`).

- Enter (a double click, the detail pane's Open) opens the paper in a reader tab at its last
  page; a paper whose PDF is not here yet is downloaded instead. A full-text hit's page opens
  the paper there with the query's words found.
- Opening an unread paper marks it Reading; the page read is stored (debounced) with
  ``core.reading.record_page``; neither is an undo step.
- Paper → Open in System Viewer opens the PDF (of the reader shown, or of the selection) in
  the system's viewer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from desktop_app.core.errors import PapershelfError
from desktop_app.core.paper import Paper, Status
from desktop_app.core.reading import record_page, start_reading
from desktop_app.gui.features.host import Host
from desktop_app.gui.widgets.reader import ReaderView

log = logging.getLogger(__name__)


class ReaderFeature(QObject):
    """Opens papers in the reader tabs and keeps their progress (see the module docstring)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.library = host.library
        self.bridge = host.bridge
        self.tabs = tabs = host.tabs
        tabs.page_read.connect(self._page_read)
        tabs.paper_opened.connect(self._paper_opened)
        tabs.mark_read_requested.connect(lambda key: self.bridge.set_status([key], Status.READ))
        tabs.failed.connect(lambda key, message: host.show_error(message))
        host.detail.page_activated.connect(self.open_at_hit)
        host.paper_open_requested.connect(self.open_requested)
        host.closing.connect(tabs.flush)
        self.bridge.papers_changed.connect(self._papers_changed)
        host.on_action("open_externally", self.open_externally)

    def open_requested(self, key: str) -> None:
        """Open a paper's PDF in the reader; a PDF not here yet is downloaded instead."""
        try:
            paper = self.library.get(key)
        except PapershelfError as e:
            self.host.show_error(str(e))
            return
        path = self.library.pdf_path(paper)
        if path is None:
            if paper.arxiv is not None:
                self.host.show_info(
                    f"The PDF of {paper.display_id} is not here yet; it is being downloaded."
                )
                self.bridge.request_pdf([paper.key])
            else:
                self.host.show_info(f"{paper.display_id} has no PDF.")
            return
        self.open_pdf(paper, path)

    def open_paper(
        self, key: str, *, page: int | None = None, find: Sequence[str] | None = None
    ) -> ReaderView | None:
        """Open a paper in the reader (its PDF must be here): at ``page`` or its last page."""
        try:
            paper = self.library.get(key)
        except PapershelfError as e:
            self.host.show_error(str(e))
            return None
        path = self.library.pdf_path(paper)
        if path is None:
            self.host.show_info(f"{paper.display_id} has no PDF here yet.")
            return None
        return self.open_pdf(paper, path, page=page, find=find)

    def open_pdf(
        self,
        paper: Paper,
        path: Path,
        *,
        page: int | None = None,
        find: Sequence[str] | None = None,
    ) -> ReaderView | None:
        return self.tabs.open_paper(
            paper.key,
            path,
            paper.title or paper.display_id,
            last_page=paper.last_page,
            page_count=paper.page_count,
            status=paper.status.value,
            page=page,
            find=list(find) if find else None,
        )

    def open_at_hit(self, key: str, page: int) -> None:
        """A full-text hit's page was clicked: open the reader there, with what the hit
        marks found (a phrase, or a word as it is written there), else the query's words."""
        terms = self.host.query_terms()
        marked = self.host.detail.marked_on_page(page)
        self.open_paper(key, page=page, find=marked + [t for t in terms if t not in marked])

    def open_externally(self) -> None:
        keys = self.host.selected_keys()
        view = self.tabs.currentWidget()
        if isinstance(view, ReaderView) and not self.host.list_has_focus():
            view.open_externally()
            return
        if not keys:
            return
        try:
            path = self.library.pdf_path(self.library.get(keys[0]))
        except PapershelfError as e:
            self.host.show_error(str(e))
            return
        if path is None:
            self.host.show_info("This paper has no PDF here yet.")
            return
        self.host.open_url(QUrl.fromLocalFile(str(path)))

    def _paper_opened(self, key: str) -> None:
        self.bridge.run(f"Marking {key} as being read", lambda: start_reading(self.library, key))

    def _page_read(self, key: str, page: int, count: int) -> None:
        self.bridge.run(
            f"Saving the page read in {key}", lambda: record_page(self.library, key, page, count)
        )

    def _papers_changed(self, keys: list[str]) -> None:
        for key in keys:
            view = self.tabs.view_for(key)
            if view is None:
                continue
            try:
                view.set_status(self.library.get(key).status.value)
            except PapershelfError:
                continue
