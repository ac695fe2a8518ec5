"""The state of draining the queue of pending fetches: at most one drain runs, and a request
that arrives meanwhile runs another one right after it (papers queued while it ran).

The queue itself is on disk (``core.arxiv.fetch``); the bridge runs the drain in its network
lane and tells this state when it starts and how it ended.
"""

from __future__ import annotations

from collections.abc import Callable
from threading import Event

from desktop_app.core.arxiv.fetch import Fetcher, FetchProgress, FetchReport, Stage
from desktop_app.gui.tasks import Task, TaskControl


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
        if report.stopped and not report.stopped.startswith("cancelled"):
            errors.append(f"Fetching stopped: {report.stopped}")
            return errors, False
        return errors, self._again


def drain_work(fetcher: Fetcher) -> Callable[[TaskControl], FetchReport]:
    """The worker's side: drain the queue, reporting each stage's progress."""

    def work(control: TaskControl) -> FetchReport:
        def progress(p: FetchProgress) -> None:
            what = "metadata" if p.stage is Stage.METADATA else "PDFs"
            control.message(f"Fetching {what} from arXiv")
            control.progress(p.done, p.total)

        cancel: Event = control.cancel_event
        return fetcher.run(progress, cancel)

    return work
