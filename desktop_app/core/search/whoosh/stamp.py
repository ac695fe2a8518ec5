"""Cheap change signals: what a quick sync (``sync(quick=True)``, the command line's) reads
instead of the fingerprint of every paper folder.

A full sync (the app's at start-up, in the background; ``papershelf reindex --check``)
saves, in ``synced.json`` next to the index, the signals as they were when it began: the
papers folder's mtime and the length of the change journal (:mod:`desktop_app.core.journal`).
A quick sync then indexes the papers named in the journal since, and, when the papers
folder's mtime moved, those whose folders came or went, each only if its folder's
fingerprint differs from the indexed one: a few stats instead of 10,000. What it cannot
see is an edit made outside Papershelf inside a paper folder already indexed (a text editor
on notes.md, a sync tool bringing a change): the next full sync finds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core import journal
from desktop_app.core.library import Library
from desktop_app.core.progress import Progress
from desktop_app.core.search.api import SyncReport
from desktop_app.core.search.whoosh import records
from desktop_app.core.search.whoosh.documents import fingerprint
from desktop_app.core.search.whoosh.opened import Opened, entries_of
from desktop_app.core.storage import atomic_write_json

STAMP = "synced.json"


@dataclass(frozen=True)
class Signals:
    """The papers folder's mtime and the journal's length, at one moment."""

    papers_mtime: int
    journal_end: int
    journal: Path

    @classmethod
    def now(cls, library: Library) -> Signals:
        path = journal.journal_path(library.root)
        return cls(journal.papers_mtime(library.papers_dir), journal.size(path), path)

    def save(self, cache_dir: Path, index_name: str, full: bool = False) -> None:
        """Keep these as the signals the index is in step with; after a ``full`` sync a
        long journal is started anew (unless written to meanwhile), and the list rows'
        snapshot is dropped (the sync may have found edits made by hand, which the
        snapshot's signals cannot see: :mod:`desktop_app.core.listing`)."""
        end = self.journal_end
        if full:
            from desktop_app.core import listing  # (a quick sync, a search's, never needs it)

            listing.forget(self.journal.parent)
        if full and journal.size(self.journal) == end and end > journal.RESTART_BYTES:
            journal.restart_if_long(self.journal)
            end = 0
        data = {"dir": index_name, "papers_mtime": self.papers_mtime, "journal": end}
        atomic_write_json(cache_dir / STAMP, data, durable=False)


def _load(cache_dir: Path, index_name: str, journal_file: Path) -> Signals | None:
    try:
        data = json.loads((cache_dir / STAMP).read_text(encoding="utf-8"))
        if data["dir"] != index_name:
            return None
        return Signals(int(data["papers_mtime"]), int(data["journal"]), journal_file)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def quick_sync(
    cache_dir: Path,
    opened: Opened,
    library: Library,
    apply: Callable[[list[str], Progress | None], None],
    progress: Progress | None,
) -> SyncReport | None:
    """Index what the cheap signals say changed since the last sync; None when there is no
    stamp of a full sync of this index (a full sync is needed)."""
    stamp = _load(cache_dir, opened.name, journal.journal_path(library.root))
    if stamp is None:
        return None
    entries = entries_of(opened)
    since = journal.changed_since(
        library.papers_dir,
        stamp.journal,
        (stamp.papers_mtime, stamp.journal_end),
        entries.keys(),
        library.keys,
    )
    added, removed = sorted(since.added), sorted(since.removed)
    moved = since.added | since.removed
    updated = [
        k
        for k in since.named
        if k not in moved
        and (k not in entries or entries[k].stamp != fingerprint(library.paper_dir(k)))
    ]
    changed = added + removed + updated
    if changed:
        apply(changed, progress)
        if opened.entries is not None:  # kept in step in memory: saved for the next process
            records.save(opened.folder, opened.entries_gen, opened.entries)
    if (since.mtime, since.end) != (stamp.papers_mtime, stamp.journal_end):
        Signals(since.mtime, since.end, stamp.journal).save(cache_dir, opened.name)
    # (else nothing changed: no file written by every search)
    return SyncReport(added=len(added), updated=len(updated), removed=len(removed))
