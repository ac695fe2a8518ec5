"""Kept exports in the open app: the files ``papershelf export … --keep-updated`` keeps
(:mod:`desktop_app.core.interop.kept_exports`) are rewritten when their papers change.

The feature listens to the bridge's change notifications (papers written or removed, by
the window, a fetch, an import, or another program the live updates noticed); a burst of
them is merged (:data:`DEBOUNCE_MS`) into one refresh, which runs in the write lane (it may
save citation keys) and rewrites only the files whose content changed. A refresh never
overlaps another; changes arriving meanwhile bring one more. A file that cannot be written
is said once in a notice, not at every change.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.core.interop import kept_exports
from desktop_app.core.interop.kept_exports import Refreshed
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import TaskControl

log = logging.getLogger(__name__)

#: Changes within this time are one refresh (a bulk edit, an import writing many papers).
DEBOUNCE_MS = 1_500


class KeptExportsFeature(QObject):
    """Rewrites the library's kept exports in the background after papers changed."""

    #: A refresh ended: (list of core.interop.kept_exports.Refreshed).
    refreshed = Signal(list)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self._running = False
        self._again = False
        self._errors_shown: frozenset[str] = frozenset()
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_now)
        host.bridge.papers_changed.connect(self._changed)
        host.bridge.papers_removed.connect(self._changed)
        host.closing.connect(self._debounce.stop)

    def _changed(self, keys: list[str]) -> None:
        if keys:
            self._debounce.start()

    def refresh_now(self) -> None:
        """Bring the kept exports up to date now (or right after the refresh running now)."""
        self._debounce.stop()
        if self._running:
            self._again = True
            return
        self._running = True
        library, index = self.host.library, self.host.bridge.index

        def work(control: TaskControl) -> list[Refreshed]:
            return kept_exports.refresh(library, index)

        self.host.bridge.run_task(work, on_done=self._done, on_error=self._failed)

    def _done(self, results: list[Refreshed]) -> None:
        for result in results:
            if result.written:
                log.info("kept export %s updated (%d papers)", result.export.path, result.papers)
        errors = frozenset(r.error for r in results if r.error)
        if errors - self._errors_shown:
            self.host.show_error(
                "A file kept up to date could not be updated", "\n".join(sorted(errors))
            )
        self._errors_shown = errors
        self.refreshed.emit(results)
        self._finish()

    def _failed(self, error: BaseException, tb: str) -> None:
        log.error("updating the kept exports failed: %s\n%s", error, tb)
        self.host.show_error(f"Updating the files kept up to date failed: {error}", tb)
        self._finish()

    def _finish(self) -> None:
        self._running = False
        if self._again:
            self._again = False
            self.refresh_now()
