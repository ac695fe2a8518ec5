"""The worker side of the bridge's jobs: plain core calls that run in a lane of the task
runner, and the per-paper changes and descriptions of the undoable edits.

Nothing here touches Qt's widgets or emits a signal: :mod:`desktop_app.gui.bridge` submits
these callables and turns their outcome into signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop_app.core import bulk
from desktop_app.core.arxiv import fetch
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import ImportFileError, PapershelfError
from desktop_app.core.interop.bibtex_import import import_bibtex
from desktop_app.core.interop.importing import ImportReport
from desktop_app.core.interop.spreadsheet import import_csv
from desktop_app.core.library import AddOutcome, Library
from desktop_app.core.paper import Paper, Status, pinned_version
from desktop_app.core.search.api import SearchIndex, SyncReport
from desktop_app.core.words import plural
from desktop_app.gui.tasks import TaskControl

#: Space: Unread → Reading → Read → Unread (an Inbox paper becomes Unread).
CYCLE = {
    Status.NEW: Status.UNREAD,
    Status.UNREAD: Status.READING,
    Status.READING: Status.READ,
    Status.READ: Status.UNREAD,
}

#: A job's result: (keys added, keys already present).
Added = tuple[list[str], list[str]]


def rating_description(count: int, rating: int) -> str:
    if rating:
        return f"Rate {plural(count, 'paper')} {plural(rating, 'star')}"
    return f"Clear the rating of {plural(count, 'paper')}"


def replace_tags(tags: Sequence[str]) -> Callable[[Paper], None]:
    def replace(paper: Paper) -> None:
        paper.tags = []
        paper.add_tags(list(tags))

    return replace


def keep(library: Library, fetch_pdf: bool) -> Callable[[Paper], None]:
    """Keep an inbox paper: it becomes unread and, with ``fetch_pdf``, its PDF is queued."""

    def keep_one(paper: Paper) -> None:
        if paper.status is Status.NEW:
            paper.set_status(Status.UNREAD)
        if fetch_pdf and library.pdf_path(paper) is None:
            fetch.queue(paper, pdf=True)

    return keep_one


def sync_at_start(
    index: SearchIndex, found_searchable: Callable[[], None]
) -> Callable[[TaskControl], SyncReport]:
    """Bring the index in step with the folder; ``found_searchable`` is called (in the worker)
    as soon as the index can be searched (an index there, or a new one's records built),
    before the sync is done. The full text of a new index is left to :func:`index_texts`."""

    def work(control: TaskControl) -> SyncReport:
        # Opening the index reads its files: here, not on the UI thread at start-up.
        try:
            searchable = index.searchable()
        except PapershelfError:
            searchable = False  # the sync finds out what is wrong
        if searchable:
            found_searchable()
        return index.sync(progress=control.progress, built=found_searchable)

    return work


def index_texts(
    index: SearchIndex, committed: Callable[[int, int], None] | None = None
) -> Callable[[TaskControl], int]:
    """A new index's second phase: the full text, in batches searchable as they come
    (``committed`` hears each: papers done, of how many)."""

    def work(control: TaskControl) -> int:
        return index.index_texts(control.progress, committed)

    return work


def add_ids(
    library: Library, ids: Sequence[ArxivId], fetch_pdf: bool
) -> Callable[[TaskControl], Added]:
    """Add papers by arXiv ID (unread; metadata and, with ``fetch_pdf``, PDF queued)."""
    ids = list(ids)

    def work(control: TaskControl) -> Added:
        added: list[str] = []
        present: list[str] = []
        for i, aid in enumerate(ids):
            paper, outcome = library.add_arxiv(
                aid, Status.UNREAD, source="added by hand", edited=pinned_version(aid)
            )
            if outcome is AddOutcome.PRESENT:
                present.append(paper.key)
            else:
                added.append(paper.key)
                if fetch_pdf:
                    library.update(paper.key, lambda p: fetch.queue(p, pdf=True))
            control.progress(i + 1, len(ids))
        return added, present

    return work


def import_files(
    library: Library, paths: Sequence[Path]
) -> list[tuple[Path, ImportReport | ImportFileError]]:
    """Import .bib files (or .csv files, this app's or Zotero's): each file's report, or the
    error that kept a file from being read (the other files are imported all the same)."""
    results: list[tuple[Path, ImportReport | ImportFileError]] = []
    for p in paths:
        try:
            report = (
                import_csv(library, p) if p.suffix.lower() == ".csv" else import_bibtex(library, p)
            )
        except ImportFileError as e:
            results.append((p, e))
        else:
            results.append((p, report))
    return results


def import_digest(
    library: Library, path: Path | str, source: str | None, name: str
) -> Callable[[TaskControl], Any]:
    """Import a digest into the inbox, with progress."""
    from desktop_app.core.interop.digest import import_digest as run_import

    def work(control: TaskControl) -> Any:
        control.message(f"Importing {name}")
        return run_import(library, path, Status.NEW, source=source, progress=control.progress)

    return work


def apply_change(
    library: Library,
    keys: Sequence[str],
    change: Callable[[Paper], Any],
    description: str,
    written: bulk.Written | None = None,
) -> Callable[[TaskControl], bulk.BulkResult]:
    """Apply ``change`` to each paper, as one undoable step (progress for more than one;
    ``written`` hears the papers written as it goes)."""

    def work(control: TaskControl) -> bulk.BulkResult:
        progress = control.progress if len(keys) > 1 else None
        return bulk.apply(library, keys, change, description, progress=progress, written=written)

    return work


def reextract_text(
    library: Library, index: SearchIndex, keys: Sequence[str]
) -> Callable[[TaskControl], bulk.BulkResult]:
    """Extract the text of these papers' PDFs again, into the index."""

    def work(control: TaskControl) -> bulk.BulkResult:
        return bulk.reextract_text(
            library, index, keys, progress=control.progress, should_stop=None
        )

    return work
