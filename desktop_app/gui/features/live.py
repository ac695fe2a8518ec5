"""Live updates and sync conflicts: changes made outside the app (the CLI, an editor, a sync
tool) show up in it within a second or two.

The library folder is the source of truth and other programs write it too. Watching every
paper folder does not scale (10,000 papers would take 10,000 inotify watches; the default
limit is 8,192 per user, shared by every program), so the window watches a few things and
checks the rest cheaply:

- the ``papers/`` and ``trash/`` folders (a paper added or removed elsewhere) and the change
  journal that every Papershelf process appends to when it writes a paper
  (:mod:`desktop_app.core.journal`: the CLI's ``add``, ``import-digest``, ``status``…);
- the folders of the papers the user is looking at (the selected one, those in the reader);
- every :func:`check_interval_ms` (one to a few seconds, so that the check costs at most
  :data:`CHECK_SHARE` of one core; every :data:`MAX_CHECK_MS` while another application is
  active, and at once when the window is back) the stamps of every paper folder
  (:mod:`desktop_app.core.stamps`: one ``stat`` per file, ~65 ms at 10,000 papers), which
  finds what no journal recorded: a paper.json edited by hand, a PDF a sync tool dropped in.

Any of these runs one *check* in the background (events arriving meanwhile are merged,
:data:`DEBOUNCE_MS`): the journal's new lines and the stamps that changed name the papers,
which the bridge indexes and the views then show (:meth:`Bridge.follow_changes`). Writes of
this process are left out (the bridge follows them already).

A full re-scan of the index (``index.sync()``, in the write lane) still runs when the journal
cannot be followed (it was started afresh), when the window gets the focus back, and every
:data:`PERIODIC_MS`. After a full scan the conflict copies left by sync tools are looked for;
new ones are reported once through :attr:`LiveUpdates.conflicts_found`, and
:meth:`LiveUpdates.merge_conflicts` merges them (``core/conflicts.py``: nothing is lost).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from desktop_app.core import conflicts, journal, stamps
from desktop_app.core.library import Library
from desktop_app.core.words import plural
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import Lane, TaskControl
from desktop_app.gui.widgets.notices import Level

log = logging.getLogger(__name__)

DEBOUNCE_MS = 200
PERIODIC_MS = 60_000
#: The stamps of every folder are checked at most this often, and at least every
#: MAX_CHECK_MS; in between, as often as keeps the check's processor time below CHECK_SHARE
#: of one core (10,000 papers: ~60 ms a check, one every ~1.2 s).
MIN_CHECK_MS = 1_000
MAX_CHECK_MS = 10_000
CHECK_SHARE = 0.05
#: A focus change re-scans at most this often (switching windows back and forth is cheap).
MIN_FOCUS_GAP_MS = 3_000


def check_interval_ms(took_s: float) -> int:
    """How long to wait before the next stamp check, after one that took ``took_s``."""
    return int(min(MAX_CHECK_MS, max(MIN_CHECK_MS, 1000 * took_s / CHECK_SHARE)))


@dataclass
class Checked:
    """What one check found: the papers changed or removed (by the journal, whose next
    offset it gives, and the stamps), and whether the journal was started anew."""

    keys: set[str]
    offset: int
    restarted: bool
    stamps: stamps.Stamps
    took_s: float


def _touch(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as e:
        log.warning("%s: cannot create the change journal: %s", path, e)


class _OwnWrites:
    """A library observer: the papers this process wrote since the last check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: set[str] = set()

    def paper_changed(self, library: Library, key: str) -> None:
        with self._lock:
            self._keys.add(key)

    paper_removed = paper_changed

    def take(self) -> set[str]:
        with self._lock:
            keys, self._keys = self._keys, set()
        return keys


def report_changed(report: Any) -> bool:
    """Whether a sync report (``core.search.SyncReport``) says the index changed."""
    if report is None:
        return False
    counts = (getattr(report, name, 0) or 0 for name in ("added", "updated", "removed"))
    return bool(sum(counts) or getattr(report, "rebuilt", False))


class LiveUpdates(QObject):
    """Watches the library folder and follows what other programs change in it."""

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
        self._checking = False
        self._check_again = False
        self._waiting: list[Callable[[], None]] = []  # until the window has settled
        self._known_conflicts: frozenset[str] = frozenset()
        self._watched_papers: set[str] = set()
        self.scans = 0  # how many full scans ran (for tests and the log)
        self.checks = 0  # how many checks ran

        self.journal = journal.journal_path(library.root)
        _touch(self.journal)  # a file watcher needs a file to watch
        self._offset = journal.size(self.journal)  # news from here on
        self._stamps: stamps.Stamps | None = None  # taken by the first check
        self._own = _OwnWrites()
        library.observers.append(self._own)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._touched)
        self.watcher.fileChanged.connect(self._touched)
        self._watch_fixed()

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.check_now)
        self._next_check = QTimer(self, singleShot=True, interval=MIN_CHECK_MS)
        self._next_check.timeout.connect(self.check_now)
        self._focus_gap = QTimer(self, singleShot=True, interval=MIN_FOCUS_GAP_MS)
        self._periodic = QTimer(self, interval=PERIODIC_MS)
        self._periodic.timeout.connect(self._periodic_scan)
        self._periodic.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._state_changed)
        self.check_now()  # the first stamps

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        self._periodic.stop()
        self._debounce.stop()
        self._next_check.stop()
        if self._own in self.library.observers:
            self.library.observers.remove(self._own)
        paths = self.watcher.directories() + self.watcher.files()
        if paths:
            self.watcher.removePaths(paths)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.applicationStateChanged.disconnect(self._state_changed)

    # -- what to watch -------------------------------------------------------------------

    def _watch_fixed(self) -> None:
        """The papers and trash folders and the journal (again after they were replaced)."""
        watched = set(self.watcher.directories()) | set(self.watcher.files())
        for path in (self.library.papers_dir, self.library.trash_dir, self.journal):
            if str(path) not in watched and path.exists():
                self.watcher.addPath(str(path))

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
        if state != Qt.ApplicationState.ApplicationActive:
            return
        if self._focus_gap.isActive():
            self.check_now()  # back again soon after: the cheap check only
        else:
            self._focus_gap.start()
            self.scan_soon()

    def _periodic_scan(self) -> None:
        if QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive:
            self.scan_soon()

    def request(self) -> None:
        """Check soon (events arriving meanwhile are merged into one check)."""
        self._debounce.start()

    # -- the check -----------------------------------------------------------------------

    def check_now(self) -> None:
        """Read the journal and compare the stamps now (or right after the running check)."""
        self._debounce.stop()
        self._next_check.stop()
        if self._checking:
            self._check_again = True
            return
        if self._stamps is not None and self.bridge.start_up.starting:
            # The first stamps are taken: the next look waits for the start-up sync, which
            # looks at every folder itself, and the first list (at 10,000 papers each check
            # took 0.1-0.4 s of the app's processor while the first build's workers had
            # both cores).
            self._after_start_up(self.check_now)
            return
        self._checking = True
        self.checks += 1
        offset, before = self._offset, self._stamps
        # Small and read-only: beside the downloads, never behind a long write.
        self.bridge.run_task(
            lambda control: self._check(offset, before),
            lane=Lane.NETWORK,
            on_done=self._checked,
            on_error=self._check_failed,
        )

    def _check(self, offset: int, before: stamps.Stamps | None) -> Checked:
        # The processor time of this thread: what the check costs, whatever else runs.
        started = time.thread_time()
        own = self._own.take()
        restarted = journal.size(self.journal) < offset  # emptied by a full sync
        named, offset = journal.read_since(self.journal, offset)
        now = stamps.take(self.library.papers_dir)
        changed, removed = stamps.compare(before, now) if before is not None else (set(), set())
        # This process's own writes: the bridge follows them already.
        keys = (set(named) | changed | removed) - own
        return Checked(keys, offset, restarted, now, time.thread_time() - started)

    def _checked(self, found: Checked) -> None:
        self._checking = False
        self._offset = found.offset
        self._stamps = found.stamps
        self._watch_fixed()
        if found.restarted:
            self.scan_now()  # the journal cannot say what changed since: look at everything
        if found.keys:
            log.info("changed elsewhere: %d papers", len(found.keys))
            self.bridge.follow_changes(sorted(found.keys))
        active = QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
        # In the background, every MAX_CHECK_MS: coming back to the window checks at once.
        self._next_check.setInterval(check_interval_ms(found.took_s) if active else MAX_CHECK_MS)
        if self._check_again:
            self._check_again = False
            self.check_now()
        else:
            self._next_check.start()

    def _check_failed(self, error: BaseException, tb: str) -> None:
        log.error("checking the library for changes failed: %s\n%s", error, tb)
        self._checking = False
        self._next_check.setInterval(MAX_CHECK_MS)
        self._next_check.start()

    # -- the scan ------------------------------------------------------------------------

    def scan_soon(self) -> None:
        """A full re-scan of the index, after the check (which sees the journal's news)."""
        self.check_now()
        self.scan_now()

    def scan_now(self) -> None:
        """Re-sync the index with the folder now (or right after the scan running now).

        While the window starts, its start-up sync is the look at every folder: only the
        conflict copies are looked for, once it has settled (it becomes active at start-up;
        at 10,000 papers a second sync took ~2 s of the app's processor right when the first
        list was shown)."""
        if self.bridge.start_up.starting:
            self._after_start_up(self._look_for_conflicts)
            return
        self._start_scan(sync=True)

    def _look_for_conflicts(self) -> None:
        if self._running:
            self._again = True
        else:
            self._start_scan(sync=False)

    def _after_start_up(self, call: Callable[[], None]) -> None:
        """Run ``call`` when the window has settled after its start-up (the start-up sync
        done, the first list shown: :attr:`StartUp.settled`), once, however often asked."""
        if call in self._waiting:
            return
        self._waiting.append(call)
        if len(self._waiting) == 1:
            self.bridge.start_up.settled.connect(self._settled)

    def _settled(self) -> None:
        self.bridge.start_up.settled.disconnect(self._settled)
        waiting, self._waiting = self._waiting, []
        for call in waiting:
            call()

    def _start_scan(self, *, sync: bool) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self.scans += 1
        self.bridge.run_task(
            partial(self._scan, sync=sync), on_done=self._scanned, on_error=self._sync_failed
        )

    def _scan(
        self, control: TaskControl, *, sync: bool = True
    ) -> tuple[Any, list[conflicts.ConflictCopy]]:
        # One write-lane task: the conflict scan (~250 ms at 10,000 papers) never holds up
        # a search in the read lane.
        report = self._sync(control) if sync else None
        return report, conflicts.find_conflicts(self.library)

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
        self._watch_fixed()
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
