"""The window's start-up as the views and features see it (issue #18): whether the start-up
sync changed what the list showed before it ended, when the window has settled, and a new
index's full text being indexed by this window.

At 10,000 papers on a first open, everything that reads the whole library (the feeds'
scan, the look for conflict copies, the stamp check, the fetch queue's count, the second
phase of the index) once started with the first list and the first query, and held them
back: the UI thread waited for the GIL behind four threads reading the library. They
start when the window has *settled* (:attr:`StartUp.settled`): the start-up sync done and
the first list shown :data:`SETTLE_MS` ago.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from desktop_app.core.search.api import SyncReport

#: How long after the first list the window counts as settled.
SETTLE_MS = 1_000
#: ... at the latest after the start-up sync, should no list be shown (a failed search).
SETTLE_LATEST_MS = 10_000

W = TypeVar("W", bound=Callable[..., Any])


class StartUp(QObject):
    """The start-up's states (the bridge keeps them: see the module docstring)."""

    #: The window has settled (emitted once): ().
    settled = Signal()
    #: A batch of a new index's full text is searchable, or the indexing ended: (papers
    #: done, of how many; 0, 0 at the end). May be emitted from a worker thread.
    texts_committed = Signal(int, int)

    def __init__(self, answers: Iterable[SignalInstance], parent: QObject | None = None) -> None:
        """``answers``: the signals that answer a search of the list (or say it failed)."""
        super().__init__(parent)
        #: From the start-up sync until :attr:`settled`.
        self.starting = False
        #: Set when the start-up sync ends: whether it changed the index after the index
        #: became searchable (if not, what was listed then is current).
        self.changed_index = True
        #: This window indexes a new index's full text.
        self.indexing_texts = False
        self._synced = False
        self._listed = False  # a list was answered (or its search failed)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._settle)
        for signal in answers:
            signal.connect(self.answered)

    def begin(self, work: W) -> W:
        """The start-up sync's ``work``, about to run: the start-up begins."""
        self.starting = True
        return work

    def sync_done(self, report: SyncReport | None, *, searchable_before: bool) -> None:
        """The start-up sync ended (``report``; None: it failed); ``searchable_before``:
        the index could be searched before (the list was shown from it)."""
        self._synced = True
        # The index that was there, or a new one's records, became searchable first: only
        # papers the sync then wrote (or a sync that failed) change what the list showed.
        wrote = report is None or bool(report.added or report.updated or report.removed)
        self.changed_index = wrote or not searchable_before
        self._timer.start(SETTLE_MS if self._listed else SETTLE_LATEST_MS)

    def answered(self, *_: object) -> None:
        """A search of the list was answered (or failed)."""
        first, self._listed = not self._listed, True
        waiting = self.starting and self._synced
        if waiting and (first or self._timer.remainingTime() > SETTLE_MS):  # (not each query)
            self._timer.start(SETTLE_MS)

    def stop(self) -> None:
        """The window closed: it never settles now (nothing waiting for it starts)."""
        self._timer.stop()
        self._timer.timeout.disconnect(self._settle)

    def _settle(self) -> None:
        if self.starting:
            self.starting = False
            self.settled.emit()

    def texts_started(self) -> None:
        self.indexing_texts = True

    def texts_ended(self, *_: object) -> None:
        self.indexing_texts = False
        self.texts_committed.emit(0, 0)
