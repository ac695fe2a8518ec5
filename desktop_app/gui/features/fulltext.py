"""A new search index's full text, indexed in the background (issue #18).

A new index (a first open, a machine the library was synced to, a new version's schema,
damage) is built in two phases (:mod:`desktop_app.core.search.whoosh.texts`): the start-up
sync writes the papers' records, and the list and the searches of metadata work from then
on. Once it is done and the list shown (``StartUp.settled``), this feature runs the second
phase, the abstracts and the PDFs' text, in the background lane (edits in the write lane
never wait for it), shown in the status bar as "Indexing full text — 1,234 of 10,000"; the
list runs a query that reads the text again when a batch is committed (``LibraryView``).
Cancel or closing the window stops it, keeping what was committed; the next start goes on.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from desktop_app.gui import jobs
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import Lane

log = logging.getLogger(__name__)

TITLE = "Indexing full text"


class FullTextFeature(QObject):
    """Runs a new index's second phase once the start-up sync is done."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.bridge = host.bridge
        # Once the start-up sync is done and the first list shown (a moment later): the
        # second phase's start (reading the first batch, starting its worker processes)
        # held the first list and the first query back.
        self.bridge.start_up.settled.connect(self.start)

    def start(self) -> None:
        """Index the full text left pending, if any (looked for in the read lane: the
        marker of a pending second phase, then the records)."""
        index = self.bridge.index
        self.bridge.run_task(
            lambda control: index.texts_pending(),
            lane=Lane.READ,
            on_done=self._pending,
            on_error=lambda e, tb: log.info("no look at the full text to index: %s", e),
        )

    def _pending(self, count: int) -> None:
        if not count:
            return
        start_up = self.bridge.start_up
        start_up.texts_started()  # the list runs its query again as each batch is committed

        def failed(error: BaseException, tb: str) -> None:
            start_up.texts_ended()
            self.bridge.report("Indexing the full text", error, tb)

        self.bridge.run_task(
            jobs.index_texts(self.bridge.index, start_up.texts_committed.emit),
            lane=Lane.BACKGROUND,
            title=TITLE,
            on_done=start_up.texts_ended,
            on_error=failed,
            on_cancel=start_up.texts_ended,
        )
