"""Background work: plain core callables run off the UI thread, reporting through signals.

A :class:`Task` is a ``QRunnable`` around a callable that takes a :class:`TaskControl` (to
report progress and see whether it was cancelled). It catches every exception and always
reports, through its :class:`TaskSignals`: ``progress``, then ``finished`` with the result or
``failed`` with the exception (``cancelled`` when the user stopped it).

The :class:`TaskRunner` keeps three lanes (STYLE.md, rule 4):

- ``WRITE``: one thread, in order, for everything that writes the library or the index;
- ``READ``: one thread for searches, so typing never waits behind an import;
- ``NETWORK``: a small pool for downloads and PDF work;
- ``BACKGROUND``: one thread for long index work that writes in short commits (the full
  text of a first build), so that edits in the write lane never wait for it.

Tasks given a ``title`` are "visible": the status bar lists them with their progress and a
Cancel button. Cancelling is cooperative: the next progress report raises the core's
:class:`~desktop_app.core.errors.Cancelled` inside the worker, and core functions stop
there (each paper they wrote is complete).
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop_app.core.errors import Cancelled

log = logging.getLogger(__name__)

#: Progress reports closer together than this are merged (the UI needs no more).
PROGRESS_INTERVAL = 0.05
#: After a task that ran this long, the memory the C allocator keeps free is given back.
RELEASE_AFTER_S = 0.5


def release_free_memory() -> None:
    """Give the memory glibc's allocator keeps free back to the system (elsewhere, nothing).

    Big reads in worker threads (every paper.json by the feeds scan, every record by a
    reload, a first build's batches) leave tens of MB free in the allocator's per-thread
    heaps, which it keeps: at 10,000 papers a window held ~40 MB more after its start-up
    work than after this (``malloc_trim``: ~0.2 ms)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc (macOS, Windows, musl)
        return None


class Lane(Enum):
    WRITE = "write"
    READ = "read"
    NETWORK = "network"
    BACKGROUND = "background"


class TaskControl:
    """What a running task sees: a progress callback that also notices cancellation."""

    def __init__(self, signals: TaskSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()
        self._last = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancel_event(self) -> threading.Event:
        """Set when the task is cancelled (for core calls that take a ``cancel`` event)."""
        return self._cancel

    def check(self) -> None:
        """Raise :class:`Cancelled` when the task was cancelled."""
        if self._cancel.is_set():
            raise Cancelled

    def progress(self, done: int, total: int) -> None:
        """Report progress (a core ``Progress`` callback); raises Cancelled when cancelled."""
        self.check()
        now = time.monotonic()
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self._signals.progress.emit(int(done), int(total))

    def message(self, text: str) -> None:
        """Say what the task does now (shown in the status bar)."""
        self._signals.message.emit(text)


class TaskSignals(QObject):
    """The signals of one task; lives in the UI thread, emitted from the worker."""

    progress = Signal(int, int)
    message = Signal(str)
    finished = Signal(object)
    failed = Signal(object, str)  # the exception, its formatted traceback
    cancelled = Signal()
    done = Signal()  # after any of the three above


class Task(QRunnable):
    """Runs ``func(control)`` in a pool thread and reports the outcome; never raises."""

    def __init__(self, func: Callable[[TaskControl], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps it until its signals were delivered
        self.func = func
        self.signals = TaskSignals()
        self.control = TaskControl(self.signals)
        self.seconds = 0.0  # how long it ran

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.control.check()
            result = self.func(self.control)
        except Cancelled:
            self.signals.cancelled.emit()
        except BaseException as e:  # a worker reports every failure, whatever it is
            self.signals.failed.emit(e, traceback.format_exc())
        else:
            self.signals.finished.emit(result)
        self.seconds = time.monotonic() - started
        self.signals.done.emit()


@dataclass
class TaskInfo:
    """A visible task, as the status bar shows it."""

    id: int
    title: str
    lane: Lane
    task: Task = field(repr=False)
    done: int = 0
    total: int = 0
    message: str = ""
    percent: bool = False  # progress shown as a percentage (its units mean nothing to users)

    def cancel(self) -> None:
        self.task.control.cancel()


class TaskRunner(QObject):
    """Submits tasks to their lane and tracks the visible ones for the status bar."""

    task_started = Signal(object)  # TaskInfo
    task_progressed = Signal(object)
    task_ended = Signal(object)
    #: A task failed and nobody handled it: (title, exception, traceback).
    task_failed = Signal(str, object, str)

    def __init__(self, network_threads: int = 3, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = {lane: QThreadPool(self) for lane in Lane}
        self._pools[Lane.WRITE].setMaxThreadCount(1)
        self._pools[Lane.READ].setMaxThreadCount(1)
        self._pools[Lane.BACKGROUND].setMaxThreadCount(1)
        self._pools[Lane.NETWORK].setMaxThreadCount(max(1, network_threads))
        self._ids = itertools.count(1)
        self._running: dict[int, Task] = {}
        self.visible: dict[int, TaskInfo] = {}
        self._shut_down = False

    def submit(
        self,
        func: Callable[[TaskControl], Any],
        *,
        lane: Lane = Lane.WRITE,
        title: str | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        percent: bool = False,
    ) -> Task:
        """Run ``func`` in ``lane``; the callbacks run in the UI thread afterwards. With a
        ``title`` it is shown in the status bar, its progress as "N of M" (or ``percent``).

        Without ``on_error`` a failure goes to :attr:`task_failed` (the main window shows it).
        After :meth:`shutdown` nothing more runs: the task is returned unstarted.
        """
        task = Task(func)
        if self._shut_down:
            log.debug("not started after shutdown: %s", getattr(func, "__name__", func))
            return task
        task_id = next(self._ids)
        self._running[task_id] = task
        name: str = title or str(getattr(func, "__name__", "a background task"))
        if on_done is not None:
            task.signals.finished.connect(on_done)
        if on_error is not None:
            task.signals.failed.connect(on_error)
        else:
            task.signals.failed.connect(lambda e, tb: self._unhandled_failure(name, e, tb))
        if on_cancel is not None:
            task.signals.cancelled.connect(on_cancel)
        if title:
            info = TaskInfo(task_id, title, lane, task, percent=percent)
            self.visible[task_id] = info
            task.signals.progress.connect(lambda d, t: self._progressed(info, d, t))
            task.signals.message.connect(lambda m: self._messaged(info, m))
            self.task_started.emit(info)
        task.signals.done.connect(lambda: self._ended(task_id))
        # Its run method, not the task: PySide6 (6.12) keeps a reference to every QRunnable
        # given to QThreadPool.start(), for the pool's life, and with it the task's function
        # and all it holds (a window at 10,000 papers grew by ~0.6 MB a second, each check
        # for changes keeping the stamps it compared). A callable is released once run.
        self._pools[lane].start(task.run)
        return task

    def _unhandled_failure(self, name: str, error: BaseException, tb: str) -> None:
        log.error("%s failed: %s\n%s", name, error, tb)
        self.task_failed.emit(name, error, tb)

    def _progressed(self, info: TaskInfo, done: int, total: int) -> None:
        info.done, info.total = done, total
        self.task_progressed.emit(info)

    def _messaged(self, info: TaskInfo, message: str) -> None:
        info.message = message
        self.task_progressed.emit(info)

    def _ended(self, task_id: int) -> None:
        task = self._running.pop(task_id, None)
        info = self.visible.pop(task_id, None)
        if info is not None:
            self.task_ended.emit(info)
        if task is not None and task.seconds >= RELEASE_AFTER_S:
            release_free_memory()

    def cancel_all(self) -> None:
        """Ask every visible task to stop (the status bar's Cancel button)."""
        for info in list(self.visible.values()):
            info.cancel()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every lane is idle (on quit and in tests); False on timeout."""
        deadline = time.monotonic() + timeout_ms / 1000
        for pool in self._pools.values():
            left = max(0, int((deadline - time.monotonic()) * 1000))
            if not pool.waitForDone(left):
                return False
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel what can be cancelled and wait for the rest (pending writes complete);
        nothing submitted afterwards runs (the window closes the index next)."""
        self._shut_down = True
        for task in list(self._running.values()):
            if any(info.task is task for info in self.visible.values()):
                task.control.cancel()
        if not self.wait(timeout_ms):
            log.warning("background work still running after %d ms at shutdown", timeout_ms)
