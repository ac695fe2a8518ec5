"""Fetching as the window shows it: offline is a quiet state in the status bar, failures
are one notice per kind, and a failed fetch can be tried again.

- Offline (Work offline is on, or arXiv cannot be reached) shows as one indicator in the
  status bar, "Offline — 3 papers wait to be fetched", worded alike for both causes, with
  a button: Retry (the network), or Work Online (the preference, switched off and saved).
  Never a red notice: the fetches wait in the queue and nothing is lost (DESIGN.md).
- The fetches that failed in a run make one notice, replaced by the next run's: "4 papers
  could not be fetched", their reasons under Details, and Show, which opens the "Fetch
  failed" view (metadata and PDF failures both). One failure names its paper.
- The detail pane says what failed of the paper shown; its Retry queues the fetch again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from desktop_app.core.arxiv.fetch import Failure, Stage
from desktop_app.core.words import plural
from desktop_app.gui.features.host import Host
from desktop_app.gui.fetch_queue import FetchStatus
from desktop_app.gui.widgets.notices import Level

#: The notices of failed fetches replace each other.
FAILED_KIND = "fetch-failed"
FAILED_VIEW = "view:failed"


class OfflineIndicator(QWidget):
    """The status bar's "Offline — 3 papers wait to be fetched", with its button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 6, 0)
        row.setSpacing(4)
        self.label = QLabel()
        self.label.setAccessibleName("Fetching")
        row.addWidget(self.label)
        self.button = QToolButton()
        self.button.setAutoRaise(True)
        row.addWidget(self.button)
        self.setVisible(False)

    def show_status(self, status: FetchStatus) -> None:
        self.setVisible(status.offline)
        self.label.setText(status.text)
        # The reason's own tail ("; the rest waits in the queue") is said below.
        why = "Work offline is on (Preferences)" if status.by_choice else status.reason
        why = why.split(";")[0].rstrip(". ") or "arXiv cannot be reached"
        self.setToolTip(f"{why}. The fetches wait in the queue; nothing is lost.")
        if status.by_choice:
            self.button.setText("Work Online")
            self.button.setToolTip("Switch Work offline off and fetch what waits")
        else:
            self.button.setText("Retry")
            self.button.setToolTip("Ask arXiv again now")


def failure_message(failures: list[Failure]) -> str:
    """One line for one run's failures."""
    papers = {f.key for f in failures}
    if len(papers) == 1:
        stages = sorted({"metadata" if f.stage is Stage.METADATA else "PDF" for f in failures})
        key = next(iter(papers))
        reason = failures[0].reason
        return f"Could not fetch the {' and '.join(stages)} of {key}: {reason}"
    return f"{plural(len(papers), 'paper')} could not be fetched"


class FetchingFeature(QObject):
    """The offline indicator, the notice of failed fetches and Retry (module docstring)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.fetches = host.bridge.fetches
        self.indicator = OfflineIndicator()
        self.indicator.button.clicked.connect(self.retry)
        host.add_status_widget(self.indicator)
        self.fetches.status_changed.connect(self.indicator.show_status)
        self.fetches.fetches_failed.connect(self._failed)
        host.detail.metadata_failure.retry_clicked.connect(lambda key: self.fetches.retry([key]))

    def retry(self) -> None:
        """The indicator's button: fetch now (switching Work offline off when it is on)."""
        settings = self.host.settings
        if settings.offline:
            settings.offline = False
            self.host.bridge.run("Saving the preferences", settings.save)
        self.fetches.start()

    def _failed(self, failures: list[Failure]) -> None:
        details = "\n".join(f"{f.key}: {f.stage.value}: {f.reason}" for f in failures)
        self.host.show_notice(
            Level.ERROR,
            failure_message(failures),
            details,
            [("Show", self._show_failed)],
            kind=FAILED_KIND,
        )

    def _show_failed(self) -> None:
        self.host.show_view(FAILED_VIEW)
