"""The change journal: a small file every Papershelf process appends to when it writes a
paper, so another process (the window, while the CLI imports a digest) learns *which*
papers changed without looking at every paper folder.

::

    <cache>/libraries/<library>-<hash>/changes.journal
    <time_ns> <pid> c <key>     a paper was written (added, edited, restored)
    <time_ns> <pid> r <key>     a paper left the library (trash, dismissed)

It lives in the library's cache folder, beside its search index: per machine, never synced
(each machine has its own processes; changes arriving through a sync tool are found by the
folder watch and the periodic check of the window). Losing it loses nothing: a reader that
cannot follow it (the file was replaced, shortened or is unreadable) is told to look at
everything (:attr:`JournalRead.restarted`).

Writers append one line per paper with one ``write`` on a file opened with ``O_APPEND``,
which is atomic for lines this short, so processes need no lock between them. When the file
grows past :data:`MAX_BYTES` a writer starts a new one (a reader sees another file and looks
at everything once). Writing the journal never fails a library write: an error is logged.

Readers keep a :class:`JournalPosition` (the file's identity and an offset) and call
:meth:`Journal.read` with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from desktop_app.core import paths

log = logging.getLogger(__name__)

JOURNAL_FILE = "changes.journal"
#: Past this size the next writer starts the journal afresh (readers rescan once).
MAX_BYTES = 512 * 1024


class Change(StrEnum):
    """What happened to a paper."""

    CHANGED = "c"
    REMOVED = "r"


@dataclass(frozen=True)
class JournalPosition:
    """Where a reader stopped: the journal file's identity (inode, device) and an offset."""

    file_id: tuple[int, int] = (0, 0)
    offset: int = 0


@dataclass
class JournalRead:
    """What other processes changed since a position, and the position to read from next."""

    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    position: JournalPosition = field(default_factory=JournalPosition)
    #: The journal cannot be followed from the old position (replaced, shortened, first
    #: read): anything may have changed; look at every paper once.
    restarted: bool = False

    @property
    def keys(self) -> set[str]:
        return self.changed | self.removed


class Journal:
    """The change journal of one library (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, library_root: Path) -> Journal:
        """The journal of the library at ``library_root``, in its cache folder."""
        return cls(paths.library_cache_dir(library_root) / JOURNAL_FILE)

    def append(self, change: Change, keys: Iterable[str]) -> None:
        """Record that these papers changed (never raises: a journal is a hint)."""
        stamp = f"{time.time_ns()} {os.getpid()} {change.value} "
        data = "".join(f"{stamp}{key}\n" for key in keys).encode("utf-8")
        if not data:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                if self.path.stat().st_size > MAX_BYTES:
                    self._start_afresh()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as e:
            log.warning("%s: change not recorded in the journal: %s", self.path, e)

    def _start_afresh(self) -> None:
        # A new file under the same name: readers see another file id and rescan once.
        fresh = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        fresh.write_bytes(b"")
        os.replace(fresh, self.path)

    def touch(self) -> None:
        """Create the journal if missing (a file watcher needs a file to watch)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
        except OSError as e:
            log.warning("%s: cannot create the change journal: %s", self.path, e)

    def end(self) -> JournalPosition:
        """The position after the last line written so far (read from here on)."""
        try:
            st = self.path.stat()
        except OSError:
            return JournalPosition()
        return JournalPosition((st.st_ino, st.st_dev), st.st_size)

    def read(self, since: JournalPosition, *, skip_pid: int | None = None) -> JournalRead:
        """The papers changed after ``since`` (lines of process ``skip_pid`` left out).

        A half-written last line is left for the next read.
        """
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                file_id = (st.st_ino, st.st_dev)
                # A position taken while there was no journal yet: all of it is news.
                fresh = since.file_id == (0, 0)
                restarted = not fresh and (file_id != since.file_id or st.st_size < since.offset)
                start = 0 if restarted or fresh else since.offset
                f.seek(start)
                data = f.read()
        except FileNotFoundError:  # removed (the cache was emptied): look at everything
            return JournalRead(position=JournalPosition(), restarted=since.file_id != (0, 0))
        except OSError as e:
            log.warning("%s: cannot read the change journal: %s", self.path, e)
            return JournalRead(position=since, restarted=True)
        complete = data.rfind(b"\n") + 1
        result = JournalRead(position=JournalPosition(file_id, start + complete))
        result.restarted = restarted
        skip = str(skip_pid) if skip_pid is not None else None
        for line in data[:complete].decode("utf-8", "replace").splitlines():
            parts = line.split(" ", 3)
            if len(parts) != 4 or parts[1] == skip:
                continue
            kind, key = parts[2], parts[3]
            if kind == Change.REMOVED:
                result.changed.discard(key)
                result.removed.add(key)
            elif kind == Change.CHANGED:
                result.removed.discard(key)
                result.changed.add(key)
        return result
