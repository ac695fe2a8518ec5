"""Fetching metadata and PDFs from arXiv, offline first.

The queue is the papers themselves: a paper whose ``metadata_state`` or ``pdf_state`` is
``pending`` in its paper.json waits for a fetch. So the queue survives restarts, travels
with a synced library, and needs no file of its own. :func:`queue` marks fetches pending
(adding a paper by ID, keeping one from the inbox, ``import-digest --fetch``);
:meth:`Fetcher.run` drains the queue when the network is there:

1. metadata, in batches of ``arxiv_api.BATCH_SIZE`` IDs. It fills the paper without
   overwriting fields the user edited (``Paper.edited``) and records the latest version
   (``latest_version``: "v3 available" when the paper holds v2). A paper added without a
   version gets the latest one.
2. PDFs, one at a time, saved as ``<id>vN.pdf`` in the paper's folder, for the version the
   paper holds. The search index observes the library, so the PDF's text gets indexed.

Each fetch ends ``done``, or ``failed`` with its reason in ``metadata_error`` /
``pdf_error`` ("HTTP 404", "not a PDF (got text/html)", "timed out after 4 tries"). When
arXiv cannot be reached, the run stops and the rest stays ``pending``; after a 403 it stops
and no fetch runs until the user resumes (``papershelf fetch --resume``). Only one process
fetches at a time (a lock in the cache folder), so two programs never double arXiv's load.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from filelock import FileLock, Timeout

from desktop_app.core import paths
from desktop_app.core.arxiv.api import ArxivClient, ArxivEntry, Lookup, batches, entry_values
from desktop_app.core.arxiv.download import PdfDownloader
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import (
    AccessDenied,
    Cancelled,
    InvalidValue,
    NetworkError,
    PaperNotFound,
    PapershelfError,
    Unreachable,
)
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status, now_iso
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.settings import Settings

log = logging.getLogger(__name__)

FETCH_LOCK = "fetch.lock"
ANOTHER_FETCHER = "another Papershelf program is fetching; try again when it is done"
OFFLINE = "offline mode is on: nothing was fetched"
#: Papers written under one hold of the library's lock (see ``Library.batch``).
WRITE_BATCH = 50


class Stage(StrEnum):
    METADATA = "metadata"
    PDF = "pdf"


@dataclass(frozen=True)
class FetchProgress:
    """Where a run stands: ``done`` of ``total`` items of a stage; bytes of the current PDF.

    ``key`` names the paper being fetched (None for a metadata batch).
    """

    stage: Stage
    done: int
    total: int
    key: str | None = None
    bytes_done: int = 0
    bytes_total: int | None = None


FetchCallback = Callable[[FetchProgress], None]


@dataclass(frozen=True)
class Failure:
    key: str
    stage: Stage
    reason: str


@dataclass
class FetchReport:
    """What a run did.

    Attributes:
        metadata: keys whose metadata arrived.
        pdfs: keys whose PDF arrived.
        failed: fetches that failed, with their reason (also recorded in paper.json).
        pending: fetches still waiting in the queue after the run.
        stopped: why the run stopped early (no network, access denied, cancelled, offline
            mode), or None when it drained the queue.
        denied: arXiv denied access (HTTP 403): no fetch runs until the user resumes.
        offline: arXiv could not be asked: offline mode is on, or it cannot be reached
            (a state to show, not an error: the fetches wait in the queue).
        waiting: papers with a fetch still waiting after the run.
    """

    metadata: list[str] = field(default_factory=list)
    pdfs: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    pending: int = 0
    stopped: str | None = None
    denied: bool = False
    offline: bool = False
    waiting: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.metadata)} metadata", f"{len(self.pdfs)} PDFs fetched"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.pending:
            parts.append(f"{self.pending} still queued")
        return ", ".join(parts)


# -- the queue ----------------------------------------------------------------------------


def queue(paper: Paper, *, metadata: bool = False, pdf: bool = False) -> None:
    """Mark fetches of ``paper`` pending (a change function for ``Library.update``).

    A paper without arXiv ID has nothing to fetch. Queueing the PDF of a paper whose version
    is unknown queues its metadata too (the version names the file).
    """
    if not paper.arxiv_id:
        return
    if pdf and not (paper.pdf_state is FetchState.DONE and paper.pdf_file):
        paper.pdf_state = FetchState.PENDING
        paper.pdf_error = None
        if paper.arxiv_version is None and paper.metadata_state is not FetchState.DONE:
            metadata = True
    if metadata:
        paper.metadata_state = FetchState.PENDING
        paper.metadata_error = None


def queue_pdfs(library: Library, keys: Iterable[str]) -> list[str]:
    """Queue the PDFs of papers that have none on disk; returns the keys queued."""
    queued: list[str] = []
    keys = list(keys)
    for start in range(0, len(keys), WRITE_BATCH):
        with library.batch():
            for key in keys[start : start + WRITE_BATCH]:
                paper = library.update(key, lambda p: _queue_missing_pdf(library, p))
                if paper.pdf_state is FetchState.PENDING:
                    queued.append(paper.key)
    return queued


def _queue_missing_pdf(library: Library, paper: Paper) -> None:
    if library.pdf_path(paper) is None and paper.pdf_state is FetchState.DONE:
        paper.pdf_state = FetchState.NONE  # the file went missing: fetch it again
    queue(paper, pdf=True)


def requeue_failed(library: Library, keys: Iterable[str] | None = None) -> int:
    """Put failed fetches back in the queue; returns how many."""
    count = 0
    for paper in library.papers(keys):
        meta = paper.metadata_state is FetchState.FAILED
        pdf = paper.pdf_state is FetchState.FAILED
        if meta or pdf:
            library.update(paper.key, functools.partial(queue, metadata=meta, pdf=pdf))
            count += meta + pdf
    return count


def keep_paper(library: Library, ref: str, settings: Settings) -> Paper:
    """Keep a paper from the inbox: it becomes ``unread`` and, if the settings say so, its
    PDF is queued. A paper not in the inbox is left as it is."""

    def keep(paper: Paper) -> None:
        if paper.status is not Status.NEW:
            return
        paper.set_status(Status.UNREAD)
        if settings.fetch_pdfs_automatically and library.pdf_path(paper) is None:
            queue(paper, pdf=True)

    return library.update(ref, keep)


def pending(library: Library, keys: Iterable[str] | None = None) -> tuple[list[Paper], list[Paper]]:
    """The papers waiting for metadata, and those waiting for their PDF."""
    papers = library.papers(keys)
    meta = [p for p in papers if p.metadata_state is FetchState.PENDING and p.arxiv_id]
    pdfs = [p for p in papers if p.pdf_state is FetchState.PENDING and p.arxiv_id]
    return meta, pdfs


def offline_report(rows: Iterable[PaperSummary]) -> FetchReport:
    """What a run reports with offline mode on, counted from the search index's rows of
    every paper rather than by reading them all (``Fetcher.run``: ~1.5 s of processor time
    at 10,000 papers, to say how many wait); the same papers as :func:`pending`'s."""
    waiting = pending_fetches = 0
    wanted = FetchState.PENDING.value
    for row in rows:
        if row.arxiv_id and wanted in (row.metadata_state, row.pdf_state):
            waiting += 1
            pending_fetches += (row.metadata_state == wanted) + (row.pdf_state == wanted)
    return FetchReport(pending=pending_fetches, stopped=OFFLINE, offline=True, waiting=waiting)


def apply_entry(paper: Paper, entry: ArxivEntry) -> None:
    """Fill ``paper`` from arXiv's entry (a change function for ``Library.update``).

    Fields the user edited are left alone, and so are known values arXiv does not give
    (a DOI from a digest, say). A newer version is recorded in ``latest_version``.
    """
    for name, value in entry_values(entry).items():
        if name in paper.edited or (value in (None, "", []) and getattr(paper, name)):
            continue
        setattr(paper, name, value)
    if entry.version is not None:
        if paper.arxiv_version is None:
            paper.arxiv_version = entry.version
        paper.latest_version = max(entry.version, paper.latest_version or 0)
    paper.metadata_state = FetchState.DONE
    paper.metadata_error = None


def note_published(paper: Paper, entry: ArxivEntry) -> bool:
    """Record a DOI or journal reference arXiv reports for a paper that had none (authors add
    them once the paper is published); a change function for ``Library.update``, leaving
    fields the user edited alone.

    Returns True when that is news: the paper's metadata had come from arXiv before without
    them (``published_found`` is set then). A paper known only from a digest just gets them.
    """
    found = False
    for name in ("doi", "journal_ref"):
        value = getattr(entry, name)
        if value and not getattr(paper, name) and name not in paper.edited:
            setattr(paper, name, value)
            found = True
    if not found or paper.metadata_state is not FetchState.DONE:
        return False
    paper.published_found = paper.published_found or now_iso()
    return True


def pdf_name(aid: ArxivId) -> str:
    """The file name of a version's PDF: ``2504.05220v1.pdf``, ``hep-th_9901001v2.pdf``."""
    return f"{aid.key}v{aid.version}.pdf" if aid.version else f"{aid.key}.pdf"


# -- running ------------------------------------------------------------------------------


class Fetcher:
    """Drains the queue of one library (see the module docstring).

    Args:
        library: the library whose queue is drained.
        client: asks arXiv's API for metadata.
        settings: offline mode, URLs.
        downloader: downloads PDFs (made from the client's session and clock if None).
    """

    def __init__(
        self,
        library: Library,
        client: ArxivClient,
        settings: Settings,
        downloader: PdfDownloader | None = None,
    ) -> None:
        self.library = library
        self.client = client
        self.settings = settings
        self.downloader = downloader or PdfDownloader(
            settings, client.session, client.clock, client.sleep, block=client.block
        )

    def run(
        self,
        progress: FetchCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        keys: Iterable[str] | None = None,
    ) -> FetchReport:
        """Fetch what is pending (only for ``keys`` when given); never raises for a fetch
        that fails: the report and the papers say what happened."""
        wanted = list(keys) if keys is not None else None
        report = FetchReport()
        if self.settings.offline:
            report.stopped, report.offline = OFFLINE, True
        else:
            with only_fetcher() as alone:
                if alone:
                    self._run(report, progress, cancel, wanted)
                else:
                    report.stopped = ANOTHER_FETCHER
        meta, pdfs = pending(self.library, wanted)
        report.pending = len(meta) + len(pdfs)
        report.waiting = len({p.key for p in meta + pdfs})
        return report

    def _run(
        self,
        report: FetchReport,
        progress: FetchCallback | None,
        cancel: threading.Event | None,
        keys: list[str] | None,
    ) -> None:
        try:
            self.client.block.check()
            self._metadata(report, progress, cancel, keys)
            self._pdfs(report, progress, cancel, keys)
        except AccessDenied as e:
            report.stopped, report.denied = str(e), True
        except Unreachable as e:
            report.stopped = f"arXiv cannot be reached: {e}; the rest waits in the queue"
            report.offline = True
        except Cancelled:
            report.stopped = "cancelled; the rest waits in the queue"

    def _metadata(
        self,
        report: FetchReport,
        progress: FetchCallback | None,
        cancel: threading.Event | None,
        keys: list[str] | None,
    ) -> None:
        todo, _ = pending(self.library, keys)
        by_id = {p.arxiv_id: p.key for p in todo if p.arxiv_id}
        ids = [ArxivId(i) for i in by_id]
        done = 0
        for batch in batches(ids):
            _check(cancel)
            if progress is not None:
                progress(FetchProgress(Stage.METADATA, done, len(ids)))
            try:
                result = self.client.lookup_batch(batch)
            except (AccessDenied, Unreachable):
                raise
            except NetworkError as e:
                for aid in batch:
                    self._fail(report, by_id[aid.id], Stage.METADATA, str(e))
            else:
                self._apply(report, result, [(aid, by_id[aid.id]) for aid in batch])
            done += len(batch)
        if ids and progress is not None:
            progress(FetchProgress(Stage.METADATA, done, len(ids)))

    def _apply(self, report: FetchReport, result: Lookup, batch: list[tuple[ArxivId, str]]) -> None:
        """Record one batch's answer in the papers (under one hold of the library's lock)."""
        with self.library.batch():
            for aid, key in batch:
                entry = result.entries.get(aid.id)
                if entry is not None:
                    if self._update(key, functools.partial(apply_entry, entry=entry)):
                        report.metadata.append(key)
                else:
                    reason = result.errors.get(aid.id, "no answer from arXiv")
                    self._fail(report, key, Stage.METADATA, reason)

    def _pdfs(
        self,
        report: FetchReport,
        progress: FetchCallback | None,
        cancel: threading.Event | None,
        keys: list[str] | None,
    ) -> None:
        _, todo = pending(self.library, keys)
        for index, paper in enumerate(todo):
            _check(cancel)
            if not self.library.exists(paper.key):
                continue  # deleted meanwhile
            version = paper.arxiv_version or paper.latest_version
            if paper.arxiv_id is None or version is None:
                reason = paper.metadata_error or "its version is not known yet"
                self._fail(report, paper.key, Stage.PDF, f"no version to download: {reason}")
                continue
            aid = ArxivId(paper.arxiv_id, version)
            dest = self.library.writable_dir(paper.key) / pdf_name(aid)

            def on_bytes(
                done: int, total: int | None, key: str = paper.key, i: int = index
            ) -> None:
                if progress is not None:
                    progress(FetchProgress(Stage.PDF, i, len(todo), key, done, total))

            on_bytes(0, None)
            try:
                self.downloader.download(
                    aid.pdf_url(self.settings.pdf_url()), dest, progress=on_bytes, cancel=cancel
                )
            except (AccessDenied, Unreachable, Cancelled):
                raise
            except NetworkError as e:
                self._fail(report, paper.key, Stage.PDF, str(e))
                continue

            def done(p: Paper, name: str = dest.name, v: int = version) -> None:
                p.pdf_file, p.pdf_state, p.pdf_error = name, FetchState.DONE, None
                p.arxiv_version = p.arxiv_version or v

            if self._update(paper.key, done):
                report.pdfs.append(paper.key)
                if paper.pdf_file and paper.pdf_file != dest.name:  # another version's PDF
                    carry_annotations(self.library, paper.key, dest, f"v{version}")
            if progress is not None:
                progress(FetchProgress(Stage.PDF, index + 1, len(todo), paper.key))

    def _update(self, key: str, change: Callable[[Paper], None]) -> bool:
        try:
            self.library.update(key, change)
        except PaperNotFound:
            log.info("%s was removed while it was fetched", key)
            return False
        return True

    def _fail(self, report: FetchReport, key: str, stage: Stage, reason: str) -> None:
        def change(p: Paper) -> None:
            if stage is Stage.METADATA:
                p.metadata_state, p.metadata_error = FetchState.FAILED, reason
            else:
                p.pdf_state, p.pdf_error = FetchState.FAILED, reason

        log.warning("%s: %s fetch failed: %s", key, stage.value, reason)
        if self._update(key, change):
            report.failed.append(Failure(key, stage, reason))


def take_new_version(library: Library, ref: str) -> Paper:
    """Make the newest known version (``latest_version``) the paper's and queue its PDF.

    The old PDF stays in the folder; when the new one arrives, the annotations follow it
    (:func:`carry_annotations`). Raises InvalidValue when no newer version is known.
    """

    def change(p: Paper) -> None:
        if not p.has_update or p.latest_version is None:
            raise InvalidValue(f"{p.display_id}: no newer version known (check-updates first)")
        p.arxiv_version = p.latest_version
        # pdf_file still names the old PDF (the reader opens it) until the new one is here.
        p.pdf_state, p.pdf_error = FetchState.PENDING, None

    return library.update(ref, change)


def carry_annotations(library: Library, key: str, pdf: Path, label: str) -> None:
    """Re-anchor the paper's annotations on its new PDF (a fetch never fails for it)."""
    from desktop_app.core.annotations import ops, store

    try:
        if not store.live(library, key):
            return
        report = ops.reanchor(library, key, pdf, label=label)
    except PapershelfError as e:
        log.warning("%s: annotations not moved to %s: %s", key, pdf.name, e)
        return
    moved, lost = len(report.moved), len(report.lost)
    log.info("%s: %d annotations moved to %s, %d not found", key, moved, pdf.name, lost)


@contextlib.contextmanager
def only_fetcher() -> Iterator[bool]:
    """Hold the fetch lock of this machine; yields False when another program holds it."""
    paths.cache_dir().mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.cache_dir() / FETCH_LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("fetch cancelled")


# -- new versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionChange:
    """A paper for which a newer arXiv version than the one held is known."""

    key: str
    arxiv_id: str
    held: int | None
    latest: int
    new: bool  # learned by this check (not known before)

    def __str__(self) -> str:
        held = f"v{self.held}" if self.held else "?"
        return f"{self.arxiv_id}: v{self.latest} available (you have {held})"


@dataclass
class UpdateReport:
    checked: int = 0
    updates: list[VersionChange] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    #: Papers for which arXiv reported a DOI or journal reference for the first time.
    published: list[str] = field(default_factory=list)

    @property
    def new(self) -> list[VersionChange]:
        return [u for u in self.updates if u.new]


def check_updates(
    library: Library,
    client: ArxivClient,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> UpdateReport:
    """Ask arXiv for the latest version of every paper, in batches, and record it.

    Papers waiting for their metadata get it on the way.

    Raises:
        AccessDenied, Unreachable, Cancelled: the check stopped (what was learned is kept).
        NetworkError: a batch failed for good.
    """
    papers = {p.arxiv_id: p for p in library.papers() if p.arxiv_id}
    ids = [ArxivId(i) for i in papers]
    report = UpdateReport()
    with only_fetcher() as alone:
        if not alone:
            raise NetworkError(ANOTHER_FETCHER)
        for batch in batches(ids):
            _check(cancel)
            if progress is not None:
                progress(report.checked, len(ids))
            result = client.lookup_batch(batch)
            report.errors.update({papers[i].key: m for i, m in result.errors.items()})
            with library.batch():
                for aid_text, entry in result.entries.items():
                    _record_version(library, papers[aid_text], entry, report)
            report.checked += len(batch)
    if progress is not None:
        progress(report.checked, len(ids))
    return report


def _record_version(
    library: Library, paper: Paper, entry: ArxivEntry, report: UpdateReport
) -> None:
    latest = entry.version
    if latest is None:
        return
    known = paper.latest_version

    def change(p: Paper) -> None:
        if p.metadata_state is FetchState.PENDING:
            apply_entry(p, entry)
        else:
            p.latest_version = max(latest, p.latest_version or 0)
            if note_published(p, entry):
                report.published.append(p.key)

    try:
        updated = library.update(paper.key, change)
    except PaperNotFound:
        return
    if updated.has_update and updated.arxiv_id:
        new = known is None or latest > known
        report.updates.append(
            VersionChange(updated.key, updated.arxiv_id, updated.arxiv_version, latest, new)
        )
