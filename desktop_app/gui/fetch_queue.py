"""Draining the queue of pending fetches: at most one drain runs, and a request that arrives
meanwhile runs another one right after it (papers queued while it ran).

The queue itself is on disk (``core.arxiv.fetch``; feeds waiting to be fetched are marked in
feeds.json, ``core.feeds``); :class:`FetchQueue` runs the drain in the network lane and
reports how it went. A drain fetches the papers' metadata and PDFs, then the queued feeds, so
a feed fetch waits behind nothing but the fetches asked for before it.

- being offline (Work offline is on, or arXiv cannot be reached) is a state, not an error:
  :attr:`FetchQueue.status_changed` carries a :class:`FetchStatus` for one quiet indicator
  ("Offline — 3 papers wait to be fetched"), worded alike for both causes;
- the fetches that failed come as one list (:attr:`FetchQueue.fetches_failed`), for one
  notice per run however many papers failed;
- what is a real error (arXiv denied access) comes as :attr:`FetchQueue.error`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from threading import Event

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.core.arxiv import fetch
from desktop_app.core.arxiv.fetch import Fetcher, FetchProgress, FetchReport, Stage
from desktop_app.core.feeds.fetching import FeedReport, fetch_feeds
from desktop_app.core.library import Library
from desktop_app.core.search.api import SearchIndex
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui.tasks import Lane, Task, TaskControl

#: With Work offline on, what waits is counted this long after the last request.
OFFLINE_COUNT_MS = 1_000


@dataclass
class DrainReport(FetchReport):
    """A drain's report: the papers' fetches, and the queued feeds' (None when none ran)."""

    feeds: FeedReport | None = None


class FetchQueueState:
    """Whether a drain runs, and whether another one was asked for meanwhile."""

    def __init__(self) -> None:
        self.task: Task | None = None
        self._again = False

    @property
    def running(self) -> bool:
        return self.task is not None

    def request(self) -> bool:
        """A drain was asked for: True when one should start now (else it runs after this)."""
        if self.task is not None:
            self._again = True
            return False
        self._again = False
        return True

    def started(self, task: Task) -> None:
        self.task = task

    def ended(self) -> None:
        """The drain finished, failed or was cancelled."""
        self.task = None

    def finished(self, report: FetchReport) -> bool:
        """The drain finished: whether to drain again now (not after a stop)."""
        self.task = None
        return self._again and not report.stopped


@dataclass(frozen=True)
class FetchStatus:
    """What the status bar says about fetching."""

    offline: bool = False  # Work offline is on, or arXiv cannot be reached
    by_choice: bool = False  # ... because Work offline is on
    waiting: int = 0  # papers whose fetch waits in the queue
    reason: str = ""  # why, in full (a tooltip)

    @property
    def text(self) -> str:
        """``Offline — 3 papers wait to be fetched`` (empty when online)."""
        if not self.offline:
            return ""
        if not self.waiting:
            return "Offline"
        verb = "waits" if self.waiting == 1 else "wait"
        return f"Offline — {plural(self.waiting, 'paper')} {verb} to be fetched"


def drain_work(fetcher: Fetcher) -> Callable[[TaskControl], DrainReport]:
    """The worker's side: drain the queue, then fetch the queued feeds, with progress."""

    def work(control: TaskControl) -> DrainReport:
        def progress(p: FetchProgress) -> None:
            what = "metadata" if p.stage is Stage.METADATA else "PDFs"
            control.message(f"Fetching {what} from arXiv")
            control.progress(p.done, p.total)

        def feed_progress(done: int, total: int, name: str) -> None:
            control.message(f"Fetching the feed {name}" if name else "Fetching feeds")
            control.progress(done, total)

        cancel: Event = control.cancel_event
        report = fetcher.run(progress, cancel)
        drained = DrainReport(**{f.name: getattr(report, f.name) for f in fields(report)})
        if not report.stopped and not report.offline:
            drained.feeds = fetch_feeds(
                fetcher.library,
                fetcher.client,
                fetcher.settings,
                queued_only=True,
                progress=feed_progress,
                cancel=cancel,
            )
        return drained

    return work


class FetchQueue(QObject):
    """Runs the drain of the fetch queue and reports it (see the module docstring)."""

    #: (FetchStatus) after each drain, and when Work offline is switched.
    status_changed = Signal(object)
    #: One drain's failed fetches: (list[core.arxiv.fetch.Failure]).
    fetches_failed = Signal(list)
    #: (message, details)
    error = Signal(str, str)
    #: (message)
    info = Signal(str)
    #: The queued feeds were fetched: (core.feeds.fetching.FeedReport).
    feeds_fetched = Signal(object)

    def __init__(
        self,
        run_task: Callable[..., Task],
        library: Library,
        fetcher: Fetcher | None,
        settings: Settings,
        parent: QObject | None = None,
        *,
        index: SearchIndex | None = None,
    ) -> None:
        """``run_task`` is the bridge's (the only door to background work); from the rows of
        ``index`` Work offline counts what waits."""
        super().__init__(parent)
        self._run_task = run_task
        self._index = index
        self.library = library
        self.fetcher = fetcher
        self.settings = settings
        self.state = FetchQueueState()
        self.status = FetchStatus()
        self._count_later = QTimer(self, singleShot=True, interval=OFFLINE_COUNT_MS)
        self._count_later.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self.state.running

    def start(self) -> None:
        """Drain the queue in the network lane. With Work offline on, the drain only counts
        what waits (for the status bar), once the requests pause (:data:`OFFLINE_COUNT_MS`:
        triage presses K many times), from the index's rows when it has them."""
        if self.fetcher is None:
            return
        if self.settings.offline:
            self._count_later.start()
            return
        self._drain()

    def _drain(self) -> None:
        if self.fetcher is None or not self.state.request():
            return
        if self.settings.offline and self._index is not None:
            # Counted from the index's rows in the write lane, behind the writes (a paper
            # kept just now, and its index update) that the count must see.
            index = self._index
            task = self._run_task(
                lambda control: fetch.offline_report(index.search("").summaries),
                on_done=self._done,
                on_error=self._failed,
                on_cancel=self._cancelled,
            )
            self.state.started(task)
            return
        task = self._run_task(
            drain_work(self.fetcher),
            lane=Lane.NETWORK,
            title=None if self.settings.offline else "Fetching from arXiv",
            on_done=self._done,
            on_error=self._failed,
            on_cancel=self._cancelled,
        )
        self.state.started(task)

    def retry(self, keys: list[str]) -> None:
        """Queue the failed fetches of these papers again, then fetch."""
        self._run_task(
            lambda control: fetch.requeue_failed(self.library, keys),
            on_done=lambda count: self.start(),
            on_error=lambda e, tb: self.error.emit(f"Could not queue the fetch again: {e}", tb),
        )

    def _done(self, report: FetchReport) -> None:
        again = self.state.finished(report)
        self._set_status(
            FetchStatus(report.offline, self.settings.offline, report.waiting, report.stopped or "")
        )
        if report.failed:
            self.fetches_failed.emit(list(report.failed))
        feeds = report.feeds if isinstance(report, DrainReport) else None
        if feeds is not None:
            if feeds.feeds:
                self.feeds_fetched.emit(feeds)
            if feeds.failed:
                details = "\n".join(f"{f.name}: {f.error}" for f in feeds.failed)
                names = ", ".join(f.name for f in feeds.failed)
                self.error.emit(f"Could not fetch the feeds {names}", details)
            if feeds.denied:  # being offline is the status bar's (a state, not an error)
                self.error.emit(f"Fetching stopped: {feeds.stopped}", "")
        if report.denied:
            self.error.emit(f"Fetching stopped: {report.stopped}", "")
        elif report.stopped and not report.offline and not report.stopped.startswith("cancel"):
            self.info.emit(f"Fetching stopped: {report.stopped}.")  # another program fetches
        if again:
            self.start()

    def _set_status(self, status: FetchStatus) -> None:
        self.status = status
        self.status_changed.emit(status)

    def _failed(self, error: BaseException, tb: str) -> None:
        self.state.ended()
        self.error.emit(f"Fetching from arXiv failed unexpectedly: {error}", tb)

    def _cancelled(self) -> None:
        self.state.ended()
        self.info.emit("Fetching stopped; what is left waits in the queue.")
