"""Which index folders are in use, and removing the dead ones (replaced, or left by a run
that was killed).

A process that searches an index folder holds a shared lock on a file beside it
(``.index-<hex>.readers``) from opening it until it closes it, and a rebuild holds one on
the folder it is writing. A folder other than the live one (the one CURRENT names) is
removed only once that lock can be taken exclusively: a rebuild never pulls a folder from
under another process's searches (``search`` during ``reindex`` found the folder it had
just opened gone, issue #19 D5), and the folders of killed rebuilds, which nobody holds,
go at the next start.

The locks are ``flock`` locks, released by the system when a process dies (even by
kill -9). Where there is no ``flock`` (Windows), nothing is held, and only folders older
than the live one are removed (Windows refuses to remove the files of an open index
anyway; such a folder goes at a later start).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

PREFIX = "index-"
READERS = ".readers"


def lock_path(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}{READERS}")


class Hold:
    """A shared hold on an index folder: nobody removes it until :meth:`release`."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the file releases its lock
            self._fd = None


def hold(folder: Path) -> Hold | None:
    """Hold ``folder`` for reading; None when it is gone, or being removed (the caller
    reads CURRENT again). Without locks (an unwritable cache folder, Windows) an empty
    hold, when the folder is there."""
    if fcntl is None:
        return Hold(None) if folder.is_dir() else None
    path = lock_path(folder)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return Hold(None) if folder.is_dir() else None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a removal holds it, briefly
        # The same lock file still: a removal that held it unlinks it with the folder.
        if os.fstat(fd).st_ino == os.stat(path).st_ino and folder.is_dir():
            return Hold(fd)
    except OSError:
        pass
    os.close(fd)
    return None


def remove_dead(cache_dir: Path, live: str | None) -> list[str]:
    """Remove the index folders (and lock files) of ``cache_dir`` but the ``live`` one,
    each only when no process holds it; the names of those removed."""
    removed: list[str] = []
    try:
        names = {p.name for p in cache_dir.glob(PREFIX + "*") if p.is_dir()}
        names |= {p.name[1:].removesuffix(READERS) for p in cache_dir.glob(f".{PREFIX}*{READERS}")}
    except OSError:
        return removed
    for name in sorted(names - {live}):
        folder = cache_dir / name
        if fcntl is None:
            if live is not None and _older(folder, cache_dir / live):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(name)
            continue
        if _remove_unheld(folder):
            removed.append(name)
    if removed:
        log.info("%s: removed %d dead index folders", cache_dir, len(removed))
    return removed


def _remove_unheld(folder: Path) -> bool:
    assert fcntl is not None
    path = lock_path(folder)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: searched, or being built
        try:
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                return False  # removed by another process meanwhile
        except FileNotFoundError:
            return False
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            return False
        with contextlib.suppress(OSError):
            path.unlink()
        return True
    finally:
        os.close(fd)


def _older(folder: Path, live: Path) -> bool:
    try:
        return folder.stat().st_mtime < live.stat().st_mtime
    except OSError:
        return False
