"""Live updates and sync conflicts: changes made outside the app (the CLI, an editor, a sync
tool) show up in it.

The library folder is the source of truth and other programs write it too. The window
re-scans it (``index.sync()``: an mtime and size check of every paper, in the write lane,
off the UI thread) when:

- the ``papers/`` folder changes: a paper was added or removed elsewhere (watched);
- a file changes in the folder of a paper the user is looking at: the selected paper and
  the papers open in the reader (watched; a handful of folders, not 10,000);
- the window gets the focus back (the user comes back from a terminal or an editor);
- every :data:`PERIODIC_MS` while the app is active (a sync tool's changes arriving while
  the user reads).

Bursts of events are merged (:data:`DEBOUNCE_MS`) and a scan never overlaps another. After a
scan the conflict copies left by sync tools are looked for; new ones are reported once
through :attr:`LiveUpdates.conflicts_found`, and :meth:`LiveUpdates.merge_conflicts` merges
them (``core/conflicts.py``: nothing is lost).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from desktop_app.core import conflicts
from desktop_app.core.library import Library
from desktop_app.core.words import plural
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import TaskControl
from desktop_app.gui.widgets.notices import Level

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400
PERIODIC_MS = 60_000
#: A focus change re-scans at most this often (switching windows back and forth is cheap).
MIN_FOCUS_GAP_MS = 3_000


def report_changed(report: Any) -> bool:
    """Whether a sync report (``core.search.SyncReport``) says the index changed."""
    if report is None:
        return False
    counts = (getattr(report, name, 0) or 0 for name in ("added", "updated", "removed"))
    return bool(sum(counts) or getattr(report, "rebuilt", False))


class LiveUpdates(QObject):
    """Watches the library folder and re-syncs the index when something changed outside."""

    #: The scan found changes made elsewhere: (the sync report). Views should refresh.
    changed_elsewhere = Signal(object)
    #: Conflict copies not reported before: (list of core.conflicts.ConflictCopy).
    conflicts_found = Signal(list)
    #: Conflict copies were merged: (list of core.conflicts.MergeResult).
    conflicts_merged = Signal(list)
    #: (message, details)
    error = Signal(str, str)

    def __init__(
        self,
        library: Library,
        bridge: Bridge,
        sync: Callable[[TaskControl], Any],
        parent: QObject | None = None,
    ) -> None:
        """``sync`` brings the index in step with the folder and returns its report."""
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self._sync = sync
        self._running = False
        self._again = False
        self._known_conflicts: frozenset[str] = frozenset()
        self._watched_papers: set[str] = set()
        self.scans = 0  # how many scans ran (for tests and the log)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._touched)
        self.watcher.fileChanged.connect(self._touched)
        for folder in (library.papers_dir, library.trash_dir):
            if folder.is_dir():
                self.watcher.addPath(str(folder))

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.scan_now)
        self._focus_gap = QTimer(self, singleShot=True, interval=MIN_FOCUS_GAP_MS)
        self._periodic = QTimer(self, interval=PERIODIC_MS)
        self._periodic.timeout.connect(self._periodic_scan)
        self._periodic.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._state_changed)

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        self._periodic.stop()
        self._debounce.stop()
        paths = self.watcher.directories() + self.watcher.files()
        if paths:
            self.watcher.removePaths(paths)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.applicationStateChanged.disconnect(self._state_changed)

    # -- what to watch -------------------------------------------------------------------

    def watch_papers(self, keys: Iterable[str]) -> None:
        """Watch the folders of exactly these papers (the selected one, those being read)."""
        # Called at every change of the selected paper: one stat per paper, no more.
        wanted = {k for k in keys if k and self.library.paper_dir(k).is_dir()}
        drop = [str(self.library.paper_dir(k)) for k in self._watched_papers - wanted]
        add = [str(self.library.paper_dir(k)) for k in wanted - self._watched_papers]
        if drop:
            self.watcher.removePaths(drop)
        if add:
            self.watcher.addPaths(add)
        self._watched_papers = wanted

    @property
    def watched_papers(self) -> set[str]:
        return set(self._watched_papers)

    # -- triggers ------------------------------------------------------------------------

    def _touched(self, path: str) -> None:
        log.debug("changed on disk: %s", path)
        self.request()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive and not self._focus_gap.isActive():
            self._focus_gap.start()
            self.request()

    def _periodic_scan(self) -> None:
        if QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive:
            self.request()

    def request(self) -> None:
        """Scan soon (events arriving meanwhile are merged into one scan)."""
        self._debounce.start()

    # -- the scan ------------------------------------------------------------------------

    def scan_now(self) -> None:
        """Re-sync the index with the folder now (or right after the scan running now)."""
        self._debounce.stop()
        if self._running:
            self._again = True
            return
        self._running = True
        self.scans += 1
        self.bridge.run_task(self._scan, on_done=self._scanned, on_error=self._sync_failed)

    def _scan(self, control: TaskControl) -> tuple[Any, list[conflicts.ConflictCopy]]:
        # One write-lane task: the conflict scan (~250 ms at 10,000 papers) never holds up
        # a search in the read lane.
        return self._sync(control), conflicts.find_conflicts(self.library)

    def _scanned(self, result: tuple[Any, list[conflicts.ConflictCopy]]) -> None:
        report, copies = result
        if report_changed(report):
            log.info("library changed elsewhere: %s", report)
            self.changed_elsewhere.emit(report)
        self._conflicts_listed(copies)

    def _sync_failed(self, error: BaseException, tb: str) -> None:
        log.error("re-scanning the library failed: %s\n%s", error, tb)
        self.error.emit(f"Could not re-read the library: {error}", tb)
        self._finish()

    def _conflicts_listed(self, copies: list[conflicts.ConflictCopy]) -> None:
        paths = frozenset(str(c.path) for c in copies)
        new = [c for c in copies if str(c.path) not in self._known_conflicts]
        self._known_conflicts = paths
        if new:
            self.conflicts_found.emit(copies)
        self._finish()

    def _finish(self) -> None:
        self._running = False
        # Folders that appeared since (a paper restored, a sync tool's new folder).
        for folder in (self.library.papers_dir, self.library.trash_dir):
            if folder.is_dir() and str(folder) not in self.watcher.directories():
                self.watcher.addPath(str(folder))
        self.watch_papers(self._watched_papers)
        if self._again:
            self._again = False
            self.scan_now()

    # -- conflicts -----------------------------------------------------------------------

    def merge_conflicts(self) -> None:
        """Merge every conflict copy in the write lane; reports :attr:`conflicts_merged`."""

        def done(results: list[conflicts.MergeResult]) -> None:
            self._known_conflicts = frozenset()
            self.conflicts_merged.emit(results)
            for result in results:
                for problem in result.skipped:
                    self.error.emit(f"A conflict copy was not merged: {problem}", "")

        self.bridge.run_task(
            lambda control: conflicts.merge_all(self.library),
            title="Merging conflict copies",
            on_done=done,
            on_error=lambda e, tb: self.error.emit(f"Merging conflict copies failed: {e}", tb),
        )


class LiveFeature(QObject):
    """Live updates and sync conflicts in one window: what changed elsewhere refreshes the
    list, the detail pane and the readers; conflict copies are offered for merging in a
    notice and with File → Merge Sync Conflicts."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.bridge = host.bridge
        self.conflicts: list[conflicts.ConflictCopy] = []
        self.live = LiveUpdates(host.library, host.bridge, self._resync, self)
        self.live.changed_elsewhere.connect(self._changed_elsewhere)
        self.live.conflicts_found.connect(self._conflicts_found)
        self.live.conflicts_merged.connect(self._conflicts_merged)
        self.live.error.connect(host.show_error)
        self.merge_action = host.on_action("merge_conflicts", self.live.merge_conflicts)
        host.current_changed.connect(self._watch)
        host.tabs.currentChanged.connect(lambda _: self._watch())
        host.closing.connect(self.live.stop)

    def _resync(self, control: TaskControl) -> Any:
        return self.bridge.index.sync()

    def _papers_shown(self) -> set[str]:
        """The papers open in a reader tab and in the detail pane."""
        keys = {v.key for v in self.host.tabs.views()}
        if self.host.detail.key:
            keys.add(self.host.detail.key)
        return keys

    def _watch(self) -> None:
        self.live.watch_papers(self._papers_shown())

    def _changed_elsewhere(self, report: Any) -> None:
        # The list searches again; the detail pane and the readers re-read their papers.
        self.bridge.notify_changed(sorted(self._papers_shown()))
        self.host.refresh()

    def _conflicts_found(self, copies: list[conflicts.ConflictCopy]) -> None:
        self.conflicts = copies
        self.merge_action.setEnabled(bool(copies))
        papers = len({c.key for c in copies})
        tools = ", ".join(sorted({c.tool.value for c in copies}))
        details = "\n".join(f"{c.key}: {c.name}" for c in copies)
        self.host.show_notice(
            Level.WARNING,
            f"{tools} left conflict copies for {plural(papers, 'paper')}: two machines changed "
            "them at the same time. Merging keeps everything from both.",
            details,
            [("Merge", self.live.merge_conflicts)],
        )

    def _conflicts_merged(self, results: list[conflicts.MergeResult]) -> None:
        merged = sum(len(r.merged) for r in results)
        self.conflicts = []
        self.merge_action.setEnabled(False)
        if merged:
            folder = self.host.library.root / conflicts.MERGED_DIR
            self.host.show_info(
                f"Merged {plural(merged, 'conflict copy', 'conflict copies')}; the copies "
                f"and the files as they were are kept in {folder}."
            )
            self.bridge.notify_changed(sorted({r.key for r in results if r.merged}))
