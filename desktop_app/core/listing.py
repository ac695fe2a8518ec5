"""The list rows of every paper, kept in a snapshot so ``papershelf list`` answers without
reading 10,000 paper.json files.

A row is what ``list`` shows and sorts and filters by (:class:`Row`). The snapshot, a
marshal file in the library's cache folder (a cache like the search index: local to this
machine, never synced, losing it loses nothing), carries the cheap change signals as they
were before it was read from the library: the papers folder's mtime and the length of the
change journal (:mod:`desktop_app.core.journal`). :func:`rows` brings it in step by the
same rules as the search index's quick sync (:mod:`desktop_app.core.search.whoosh.stamp`):
the papers named in the journal since are read again, and, when the papers folder's mtime
moved, the folders that came or went. Damaged papers are read again every time (a user
fixes the file the warning names, and the next ``list`` shows it).

What the signals cannot see is an edit made outside Papershelf inside a paper folder already
listed (a text editor on paper.json, a sync tool bringing a change): a full sync of the
search index (the app's at start-up, ``papershelf reindex --check``) finds those, and drops
this snapshot (:func:`forget`), so the next ``list`` reads every paper again. Papis'
cache works the same way (``papis cache update`` after an edit by hand).
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from desktop_app.core import journal
from desktop_app.core.errors import DamagedFile
from desktop_app.core.library import Library, ScanResult
from desktop_app.core.paper import Paper
from desktop_app.core.storage import atomic_write_bytes

log = logging.getLogger(__name__)

SNAPSHOT = "list-rows.marshal"
#: Bump when a row's fields change: a snapshot of another format is read anew.
FORMAT = 1


class Row(NamedTuple):
    """What ``list`` shows of a paper, and sorts and filters by."""

    key: str
    display_id: str
    status: str
    year: int | None
    published: str | None
    added: str
    title: str
    tags: tuple[str, ...]

    @classmethod
    def of(cls, paper: Paper) -> Row:
        return cls(
            paper.key,
            paper.display_id,
            paper.status.value,
            paper.year,
            paper.published,
            paper.added,
            paper.title,
            tuple(paper.tags),
        )


class Listing(NamedTuple):
    """Every readable paper's row (by key), and the damaged files met (as a scan has them)."""

    rows: dict[str, Row]
    errors: list[DamagedFile]


def snapshot_path(library_root: Path) -> Path:
    """Beside the change journal, in the library's cache folder."""
    return journal.journal_path(library_root).parent / SNAPSHOT


def _load(path: Path) -> tuple[int, int, dict[str, Row], list[str]] | None:
    """The snapshot's signals, rows and damaged keys; None when missing or unusable."""
    try:
        data = marshal.loads(path.read_bytes())
        version, mtime, end, rows, damaged = data
        if version != FORMAT:
            return None
        return mtime, end, {r[0]: Row(*r) for r in rows}, list(damaged)
    except FileNotFoundError:
        return None
    except Exception as e:  # any damage (marshal raises EOFError, ValueError, TypeError …)
        log.info("%s: unusable, the papers are read again: %s", path, e)
        return None


def _save(path: Path, signals: tuple[int, int], listing: Listing) -> None:
    damaged = sorted({Path(str(e.path)).parent.name for e in listing.errors})
    data = (FORMAT, *signals, [tuple(r) for r in listing.rows.values()], damaged)
    try:
        atomic_write_bytes(path, marshal.dumps(data), durable=False)
    except OSError as e:  # a cache that cannot be written: the next list reads all again
        log.info("%s: not written: %s", path, e)


def _read(library: Library, keys: Iterable[str] | None) -> tuple[dict[str, Row], ScanResult]:
    scan = library.scan(keys)
    return {p.key: Row.of(p) for p in scan.papers}, scan


def rows(library: Library) -> Listing:
    """Every paper's row, from the snapshot brought in step with the library (or from every
    paper.json when there is none), and the damaged files met; the snapshot is saved."""
    path = snapshot_path(library.root)
    journal_file = journal.journal_path(library.root)
    loaded = _load(path)
    if loaded is None or loaded[1] > journal.size(journal_file):  # none, or journal restarted
        # The signals before anything is read: a change made meanwhile shows next time.
        mtime = journal.papers_mtime(library.papers_dir)
        _, end = journal.read_since(journal_file, 0)
        found, scan = _read(library, None)
        listing = Listing(found, scan.errors)
        _save(path, (mtime, end), listing)
        return listing
    old_mtime, old_end, found, damaged = loaded
    since = journal.changed_since(
        library.papers_dir, journal_file, (old_mtime, old_end), found.keys(), library.keys
    )
    again = set(since.named) | set(damaged) | since.added
    for gone in since.removed:
        del found[gone]
    if (since.mtime, since.end) == (old_mtime, old_end) and not again:
        return Listing(found, [])
    fresh, scan = _read(library, sorted(again))
    for key in again:
        found.pop(key, None)
    found.update(fresh)
    listing = Listing(found, scan.errors)
    _save(path, (since.mtime, since.end), listing)
    return listing


def forget(cache_folder: Path) -> None:
    """Drop the snapshot kept in ``cache_folder`` (the journal's folder), after a full sync,
    which may have found edits made by hand."""
    with contextlib.suppress(OSError):
        os.remove(cache_folder / SNAPSHOT)
