"""The change journal: the keys of the papers Papershelf changed, one per line, appended by
the library on every write (:meth:`Library._changed`), in the library's cache folder.

The search index reads it from where it last stopped to find what changed without looking
at every paper folder (``papershelf search`` answers without a scan of 10,000 folders).
It is a cache like the index: local to this machine, never synced; losing it loses
nothing (changes made outside Papershelf, by a sync tool or a text editor, are found by a
full scan: the app's at start-up, or ``papershelf reindex --check``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Set
from pathlib import Path
from typing import NamedTuple

from desktop_app.core import paths

log = logging.getLogger(__name__)

JOURNAL = "changes.log"
#: A journal longer than this is started anew after a full scan (which needs none of it).
RESTART_BYTES = 256 * 1024


def journal_path(library_root: Path) -> Path:
    return paths.library_cache_dir(library_root) / JOURNAL


def append(path: Path, key: str) -> None:
    """Note that paper ``key`` changed (one short O_APPEND write: lines of concurrent
    writers do not mix). A journal that cannot be written is logged, not raised: the
    change itself is saved, and a full scan finds it."""
    line = (key.replace("\n", " ") + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as e:
        log.warning("%s: the change of %s is not in the journal: %s", path, key, e)


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def read_since(path: Path, offset: int) -> tuple[list[str], int]:
    """The keys written from byte ``offset`` on (each once, in order) and the offset to
    read from next time; a journal shorter than ``offset`` was started anew: read whole."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            if end < offset:
                offset = 0
            f.seek(offset)
            data = f.read(end - offset)
    except FileNotFoundError:
        return [], 0
    complete = data.rfind(b"\n") + 1  # a line being written is read next time
    lines = data[:complete].decode("utf-8", errors="replace").splitlines()
    return list(dict.fromkeys(k for k in lines if k)), offset + complete


def restart_if_long(path: Path) -> None:
    """Empty a long journal (after a full scan, which read every folder anyway)."""
    if size(path) > RESTART_BYTES:
        try:
            os.truncate(path, 0)
        except OSError as e:
            log.warning("%s: cannot start the journal anew: %s", path, e)


def papers_mtime(papers_dir: Path) -> int:
    """The papers folder's modification time (ns; 0 when it is not there): it moves when a
    paper folder comes or goes, by Papershelf or a sync tool."""
    try:
        return papers_dir.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


class Since(NamedTuple):
    """What changed since a look that saw the signals (papers folder's mtime, journal end)."""

    mtime: int  # the signals now, to save with what is brought in step
    end: int
    named: list[str]  # papers the journal names since
    added: set[str]  # paper folders that came (looked at only when the mtime moved)
    removed: set[str]  # paper folders that went


def changed_since(
    papers_dir: Path,
    journal_file: Path,
    seen: tuple[int, int],
    known: Set[str],
    on_disk: Callable[[], Iterable[str]],
) -> Since:
    """What changed since the look that saw ``seen`` (mtime, journal end) and ``known``
    papers: the journal read on from where that look stopped, and the folders listed
    (``on_disk``) only when the papers folder's mtime moved. The mtime is taken first: a
    change made meanwhile shows next time."""
    mtime = papers_mtime(papers_dir)
    named, end = read_since(journal_file, seen[1])
    added: set[str] = set()
    removed: set[str] = set()
    if mtime != seen[0]:
        disk = set(on_disk())
        added, removed = disk - known, set(known - disk)
    return Since(mtime, end, named, added, removed)
