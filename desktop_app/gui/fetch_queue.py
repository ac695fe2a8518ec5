"""The state of draining the queue of pending fetches: at most one drain runs, and a request
that arrives meanwhile runs another one right after it (papers queued while it ran).

The queue itself is on disk (``core.arxiv.fetch``; feeds waiting to be fetched are marked in
feeds.json, ``core.feeds``); the bridge runs the drain in its network lane and tells this state
when it starts and how it ended. A drain fetches the papers' metadata and PDFs, then the
queued feeds, so a feed fetch waits behind nothing but the fetches asked for before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from threading import Event

from desktop_app.core.arxiv.fetch import Fetcher, FetchProgress, FetchReport, Stage
from desktop_app.core.feeds.fetching import FeedReport, fetch_feeds
from desktop_app.gui.tasks import Task, TaskControl


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

    def finished(self, report: FetchReport) -> tuple[list[str], bool]:
        """The drain finished: the errors to report, and whether to drain again now."""
        self.task = None
        errors = []
        for failure in report.failed:
            what = "metadata" if failure.stage is Stage.METADATA else "PDF"
            errors.append(f"Could not fetch the {what} of {failure.key}: {failure.reason}")
        feeds = report.feeds if isinstance(report, DrainReport) else None
        if feeds is not None:
            errors += [f"Could not fetch the feed {f.name}: {f.error}" for f in feeds.failed]
        stopped = report.stopped or (feeds.stopped if feeds is not None else None)
        if stopped and not stopped.startswith("cancelled"):
            errors.append(f"Fetching stopped: {stopped}")
            return errors, False
        return errors, self._again


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
        if not report.stopped:
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
