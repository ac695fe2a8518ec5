"""The bridge between the core and the widgets: core calls go out, Qt signals come back.

Widgets call the bridge's methods from the UI thread; each one submits a plain core call to
a lane of the :class:`~desktop_app.gui.tasks.TaskRunner` (writes in order on the write lane,
searches on the read lane, downloads on the network lane) and reports the outcome as a
signal. Core functions never emit signals themselves (STYLE.md rule 5).

Keeping the index in step: the bridge observes the library (the index is made with
``observe=False``). Whatever writes it (an edit, a digest import, the fetcher in the network
lane), the changed keys are collected and one write-lane task updates the index for all of
them, then :attr:`papers_changed` tells the views, which refresh only those papers. So a
1,000-paper import writes its files at full speed and is indexed in a few batched commits.

Undo: every change made through :meth:`change` (status, rating, tags, trash, keep, dismiss)
goes through :mod:`desktop_app.core.bulk`, whose undo record restores it (three-way, so a
change made meanwhile elsewhere is kept); :meth:`undo` takes back the last one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.core import bulk, saved_searches
from desktop_app.core.arxiv import fetch
from desktop_app.core.arxiv.fetch import Fetcher, FetchProgress, FetchReport, Stage
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import PapershelfError
from desktop_app.core.interop.bibtex import import_bibtex
from desktop_app.core.interop.export import import_csv
from desktop_app.core.interop.importing import ImportReport
from desktop_app.core.library import AddOutcome, Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.pdf.importer import import_pdfs
from desktop_app.core.search.api import SearchIndex, SearchResults, SortOrder
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui.tasks import Lane, Task, TaskControl, TaskRunner

log = logging.getLogger(__name__)

MAX_UNDO = 50
#: WhooshIndex's reason for building an index that did not exist yet.
FIRST_BUILD = "no index yet"
#: Above this many changed papers the index catches up with one sync of the folder.
SYNC_ABOVE = 10
_CYCLE = {
    Status.NEW: Status.UNREAD,
    Status.UNREAD: Status.READING,
    Status.READING: Status.READ,
    Status.READ: Status.UNREAD,
}


@dataclass(frozen=True)
class SearchRequest:
    """One search the list asked for; results of an older request are dropped."""

    serial: int
    query: str
    sort: SortOrder


class _ChangeCollector:
    """A library observer that collects changed keys from any thread."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._removed: set[str] = set()
        self._notify = changed
        self.paused = 0

    def paper_changed(self, library: Library, key: str) -> None:
        with self._lock:
            self._removed.discard(key)
            self._changed.add(key)
        self._notify()

    def paper_removed(self, library: Library, key: str) -> None:
        with self._lock:
            self._changed.discard(key)
            self._removed.add(key)
        self._notify()

    def take(self) -> tuple[list[str], list[str]]:
        with self._lock:
            changed, removed = sorted(self._changed), sorted(self._removed)
            self._changed.clear()
            self._removed.clear()
        return changed, removed

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._changed or self._removed)


class Bridge(QObject):
    """Runs core work for the window and reports it as signals (see the module doc)."""

    #: Papers written (added or changed); the index holds them already.
    papers_changed = Signal(list)
    #: Papers gone from the library (trash, dismissed); the index dropped them.
    papers_removed = Signal(list)
    results_ready = Signal(object, object, object)  # SearchRequest, SearchResults, annotation
    search_failed = Signal(object, str)  # SearchRequest, message
    fulltext_ready = Signal(str, str, list)  # key, query, list[Snippet]
    #: A digest was imported: (DigestReport,).
    digest_imported = Signal(object)
    #: Papers added by ID or link: (added keys, keys already present).
    papers_added = Signal(list, list)
    saved_searches_changed = Signal(list)  # list[SavedSearch]
    #: Something went wrong: (one-line message, details for the expandable part).
    error = Signal(str, str)
    #: Something worth saying went right (a short sentence).
    info = Signal(str)
    #: The description of what Undo would take back ("" when nothing).
    undo_changed = Signal(str)
    #: An index can be searched before the start-up sync is done (maybe an older one).
    index_searchable = Signal()
    index_ready = Signal()

    # Emitted from any thread by the observer; queued into the UI thread.
    _library_touched = Signal()
    # Emitted by the start-up sync's worker; queued into the UI thread.
    _found_searchable = Signal()

    def __init__(
        self,
        library: Library,
        index: SearchIndex,
        runner: TaskRunner,
        settings: Settings,
        fetcher: Fetcher | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``fetcher`` drains the queue of pending fetches (None: this window never fetches)."""
        super().__init__(parent)
        self.library = library
        self.index = index
        self.runner = runner
        self.settings = settings
        self.fetcher = fetcher
        self._collector = _ChangeCollector(self._library_touched.emit)
        self._library_touched.connect(self._schedule_index_update)
        self._found_searchable.connect(self._index_found_searchable)
        library.observers.append(self._collector)
        self._index_update_queued = False
        self._search_serial = 0
        self._undo: list[bulk.UndoRecord] = []
        self._fetch_task: Task | None = None
        self._fetch_again = False
        self.index_is_ready = False
        # An index (maybe one of an older version) can be searched before the start-up sync
        # is done: the list is shown from it meanwhile.
        self.index_is_searchable = False

    def close(self) -> None:
        if self._collector in self.library.observers:
            self.library.observers.remove(self._collector)

    # -- the index ---------------------------------------------------------------------------

    def sync_index(self) -> None:
        """Bring the index in step with the folder (at start-up), with progress."""

        def work(control: TaskControl) -> Any:
            # Opening the index reads its files: here, not on the UI thread at start-up.
            try:
                searchable = self.index.searchable()
            except PapershelfError:
                searchable = False  # the sync finds out what is wrong
            if searchable:
                self._found_searchable.emit()
            return self.index.sync(progress=control.progress)

        def done(report: Any) -> None:
            self.index_is_ready = True
            reason = getattr(report, "reason", None)
            if getattr(report, "rebuilt", False) and reason and reason != FIRST_BUILD:
                # A first build is no news; a damaged or outdated index is worth a word.
                self.info.emit(f"The search index was rebuilt ({reason}).")
            self.index_ready.emit()

        def failed(error: BaseException, tb: str) -> None:
            self._report("Updating the search index", error, tb)
            done(None)  # searching still works on what the index holds

        # Percent: a rebuild counts each paper twice (read, then its PDF text indexed).
        self.runner.submit(
            work, title="Updating the search index", on_done=done, on_error=failed, percent=True
        )

    def _index_found_searchable(self) -> None:
        self.index_is_searchable = True
        self.index_searchable.emit()

    def _schedule_index_update(self) -> None:
        if self._index_update_queued or not self._collector.pending:
            return
        self._index_update_queued = True
        self.runner.submit(
            self._update_index, on_done=self._index_updated, on_error=self._index_update_failed
        )

    def _update_index(self, control: TaskControl) -> tuple[list[str], list[str]]:
        changed, removed = self._collector.take()
        if len(changed) + len(removed) > SYNC_ABOVE:
            # One scan of the folder indexes a whole import in a few commits, not one each.
            self.index.sync()
        else:
            for key in removed:
                self.index.delete(key)
            for key in changed:
                self.index.update(key)
        return changed, removed

    def _index_updated(self, result: tuple[list[str], list[str]]) -> None:
        self._index_update_queued = False
        changed, removed = result
        if removed:
            self.papers_removed.emit(removed)
        if changed:
            self.papers_changed.emit(changed)
        self._schedule_index_update()  # changes that arrived meanwhile

    def _index_update_failed(self, error: BaseException, tb: str) -> None:
        self._index_update_queued = False
        self._report("Updating the search index", error, tb)
        self._schedule_index_update()

    def flush(self) -> None:
        """Run what is queued for the index now (tests; the window before it closes)."""
        self._schedule_index_update()

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        sort: SortOrder = SortOrder.RELEVANCE,
        *,
        annotate: Callable[[SearchResults], Any] | None = None,
    ) -> SearchRequest:
        """Search in the read lane; :attr:`results_ready` answers only the latest request.

        ``annotate`` runs on the results in the worker too (the sidebar counts them there, so
        the UI thread only shows the numbers); its value comes with the results.
        """
        self._search_serial += 1
        request = SearchRequest(self._search_serial, query, sort)

        def work(control: TaskControl) -> tuple[SearchResults, Any]:
            if request.serial != self._search_serial:
                return SearchResults(query, [], 0), None  # superseded before it started
            # Before the start-up sync is done, an older index is searched as it is (the
            # sync is rebuilding it), not rebuilt a second time here.
            results = self.index.search(query, sort=sort, stale_ok=not self.index_is_ready)
            return results, annotate(results) if annotate is not None else None

        def done(answer: tuple[SearchResults, Any]) -> None:
            if request.serial == self._search_serial:
                self.results_ready.emit(request, *answer)

        def failed(error: BaseException, tb: str) -> None:
            if request.serial != self._search_serial:
                return
            if isinstance(error, PapershelfError):
                self.search_failed.emit(request, str(error))
            else:
                self._report(f"Searching for {query!r}", error, tb)

        self.runner.submit(work, lane=Lane.READ, on_done=done, on_error=failed)
        return request

    def fulltext_hits(self, key: str, query: str) -> None:
        """Find ``query`` in one paper's PDF text; answers with :attr:`fulltext_ready`."""

        def work(control: TaskControl) -> list[Any]:
            return list(self.index.fulltext_hits(key, query))

        self.runner.submit(
            work,
            lane=Lane.READ,
            on_done=lambda hits: self.fulltext_ready.emit(key, query, hits),
            on_error=lambda e, tb: log.info("no full-text hits for %s: %s", key, e),
        )

    # -- changes with undo -------------------------------------------------------------------

    def change(
        self,
        keys: Sequence[str],
        change: Callable[[Paper], Any],
        description: str,
        *,
        after: Callable[[bulk.BulkResult], None] | None = None,
    ) -> None:
        """Apply ``change`` to each paper in the write lane, as one undoable step."""
        keys = list(keys)
        if not keys:
            return

        def work(control: TaskControl) -> bulk.BulkResult:
            return bulk.apply(
                self.library,
                keys,
                change,
                description,
                progress=control.progress if len(keys) > 1 else None,
            )

        title = description if len(keys) > 20 else None
        self.runner.submit(
            work,
            title=title,
            on_done=lambda result: self._bulk_done(result, after),
            on_error=lambda e, tb: self._report(description, e, tb),
        )

    def _bulk_done(
        self, result: bulk.BulkResult, after: Callable[[bulk.BulkResult], None] | None = None
    ) -> None:
        if result.undo:
            self._undo.append(result.undo)
            del self._undo[:-MAX_UNDO]
            self.undo_changed.emit(result.undo.description)
        for e in result.errors:
            self.error.emit(str(e), "")
        if after is not None:
            after(result)

    def set_status(self, keys: Sequence[str], status: Status) -> None:
        label = {Status.NEW: "inbox"}.get(status, status.value)
        self.change(
            keys, lambda p: p.set_status(status), f"Mark {plural(len(keys), 'paper')} {label}"
        )

    def cycle_status(self, keys: Sequence[str]) -> None:
        """Unread → Reading → Read → Unread (Space)."""
        self.change(keys, lambda p: p.set_status(_CYCLE[p.status]), "Change the status")

    def set_rating(self, keys: Sequence[str], rating: int) -> None:
        what = (
            f"Rate {plural(len(keys), 'paper')} {rating}"
            if rating
            else f"Clear the rating of {plural(len(keys), 'paper')}"
        )
        self.change(keys, lambda p: p.set_rating(rating), what)

    def set_tags(self, key: str, tags: Sequence[str]) -> None:
        def replace(paper: Paper) -> None:
            paper.tags = []
            paper.add_tags(list(tags))

        self.change([key], replace, "Edit the tags")

    def keep(self, keys: Sequence[str]) -> None:
        """Keep inbox papers: they become unread and, with automatic fetching, get their PDF."""
        fetch_pdf = self.settings.fetch_pdfs_automatically

        def keep_one(paper: Paper) -> None:
            if paper.status is Status.NEW:
                paper.set_status(Status.UNREAD)
            if fetch_pdf and self.library.pdf_path(paper) is None:
                fetch.queue(paper, pdf=True)

        self.change(
            keys,
            keep_one,
            f"Keep {plural(len(keys), 'paper')}",
            after=lambda r: self.start_fetching(),
        )

    def delete(self, keys: Sequence[str], *, dismissed: bool = False) -> None:
        """Move papers to the trash (``dismissed``: digests will not bring them back)."""
        keys = list(keys)
        verb = "Dismiss" if dismissed else "Move to the trash"
        description = f"{verb} {plural(len(keys), 'paper')}"

        def work(control: TaskControl) -> bulk.BulkResult:
            progress = control.progress if len(keys) > 1 else None
            return bulk.delete(self.library, keys, dismissed=dismissed, progress=progress)

        self.runner.submit(
            work,
            title=description if len(keys) > 20 else None,
            on_done=self._bulk_done,
            on_error=lambda e, tb: self._report(description, e, tb),
        )

    @property
    def undo_text(self) -> str:
        return self._undo[-1].description if self._undo else ""

    def undo(self) -> None:
        """Take back the last change (Ctrl+Z)."""
        if not self._undo:
            self.info.emit("Nothing to undo.")
            return
        record = self._undo.pop()
        self.undo_changed.emit(self.undo_text)

        def work(control: TaskControl) -> bulk.BulkResult:
            return record.undo(self.library, progress=control.progress)

        def done(result: bulk.BulkResult) -> None:
            for e in result.errors:
                self.error.emit(f"Could not undo all of “{record.description}”: {e}", "")
            self.info.emit(f"Undone: {record.description}.")

        self.runner.submit(work, on_done=done, on_error=lambda e, tb: self._report("Undo", e, tb))

    # -- changes without undo ---------------------------------------------------------------

    def write_notes(self, key: str, text: str) -> None:
        self.runner.submit(
            lambda c: self.library.write_notes(key, text),
            on_error=lambda e, tb: self._report(f"Saving the notes of {key}", e, tb),
        )

    def add_ids(self, ids: Sequence[ArxivId]) -> None:
        """Add papers by arXiv ID (unread; metadata and, with auto-fetch, PDF queued)."""
        ids = list(ids)
        fetch_pdf = self.settings.fetch_pdfs_automatically

        def work(control: TaskControl) -> tuple[list[str], list[str]]:
            added: list[str] = []
            present: list[str] = []
            for i, aid in enumerate(ids):
                paper, outcome = self.library.add_arxiv(aid, Status.UNREAD, source="added by hand")
                if outcome is AddOutcome.PRESENT:
                    present.append(paper.key)
                else:
                    added.append(paper.key)
                    if fetch_pdf:
                        self.library.update(paper.key, lambda p: fetch.queue(p, pdf=True))
                control.progress(i + 1, len(ids))
            return added, present

        def done(result: tuple[list[str], list[str]]) -> None:
            self.papers_added.emit(*result)
            self.start_fetching()

        self.runner.submit(
            work,
            title="Adding papers" if len(ids) > 20 else None,
            on_done=done,
            on_error=lambda e, tb: self._report("Adding papers", e, tb),
        )

    def import_pdfs(self, paths: Sequence[Path]) -> None:
        """Add local PDFs: each joins its paper (recognised by its arXiv ID) or becomes one."""
        paths = list(paths)

        def work(control: TaskControl) -> ImportReport:
            return import_pdfs(self.library, paths, progress=control.progress)

        def done(report: ImportReport) -> None:
            for problem in report.problems:
                self.error.emit(f"{problem.where}: {problem.message}", "")
            self.papers_added.emit(report.added, report.joined + report.unchanged)
            if report.added or report.joined:
                self.start_fetching()  # the metadata of the papers they named

        n = len(paths)
        self.runner.submit(
            work,
            lane=Lane.NETWORK,  # PDF work: reading pages takes a while, writes stay small
            title=f"Adding {plural(n, 'PDF')}",
            on_done=done,
            on_error=lambda e, tb: self._report("Adding PDFs", e, tb),
        )

    def import_digest(self, path: Path | str, *, source: str | None = None) -> None:
        """Import a digest into the inbox, with progress; :attr:`digest_imported` reports."""
        from desktop_app.core.interop.digest import import_digest

        name = source or (Path(path).name if isinstance(path, Path) else "digest")

        def work(control: TaskControl) -> Any:
            control.message(f"Importing {name}")
            return import_digest(
                self.library, path, Status.NEW, source=source, progress=control.progress
            )

        self.runner.submit(
            work,
            title=f"Importing {name}",
            on_done=self.digest_imported.emit,
            on_error=lambda e, tb: self._report(f"Importing {name}", e, tb),
            on_cancel=lambda: self.info.emit(
                f"Import of {name} cancelled; the papers imported so far stay."
            ),
        )

    def request_pdf(self, keys: Sequence[str]) -> None:
        """Queue the PDFs of these papers and start fetching (the Download button)."""
        keys = list(keys)
        self.runner.submit(
            lambda c: fetch.queue_pdfs(self.library, keys),
            on_done=lambda r: self.start_fetching(),
            on_error=lambda e, tb: self._report("Queueing the download", e, tb),
        )

    def run(
        self,
        what: str,
        func: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        *,
        lane: Lane = Lane.WRITE,
    ) -> None:
        """Run any core call in a lane; failures become notices naming ``what``."""
        self.runner.submit(
            lambda c: func(),
            lane=lane,
            on_done=on_done,
            on_error=lambda e, tb: self._report(what, e, tb),
        )

    def run_task(
        self,
        work: Callable[[TaskControl], Any],
        *,
        lane: Lane = Lane.WRITE,
        title: str | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> Task:
        """Run ``work(control)`` in a lane, with progress and a title in the status bar; the
        callbacks run in the UI thread (for work that reports its own outcome)."""
        return self.runner.submit(
            work, lane=lane, title=title, on_done=on_done, on_error=on_error, on_cancel=on_cancel
        )

    def notify_changed(self, keys: Sequence[str]) -> None:
        """Papers changed in a way the index does not see (written elsewhere, merged): the
        views re-read them (:attr:`papers_changed`)."""
        self.papers_changed.emit(list(keys))

    def reextract_text(
        self,
        keys: Sequence[str],
        *,
        on_done: Callable[[bulk.BulkResult], None],
        on_error: Callable[[BaseException, str], None],
    ) -> None:
        """Extract the text of these papers' PDFs again, into the index; ``on_done`` hears the
        result, then :attr:`papers_changed` names the papers done."""
        keys = list(keys)
        index = self.index

        def work(control: TaskControl) -> bulk.BulkResult:
            return bulk.reextract_text(
                self.library, index, keys, progress=control.progress, should_stop=None
            )

        def done(result: bulk.BulkResult) -> None:
            on_done(result)
            self.papers_changed.emit(result.done)

        self.runner.submit(
            work,
            title=f"Extracting the text of {plural(len(keys), 'paper')} again",
            on_done=done,
            on_error=on_error,
        )

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import .bib files (or .csv files as Export writes them), then fetch what is new;
        :attr:`papers_added` reports, each file's problems come as :attr:`error`."""
        paths = list(paths)

        def work() -> list[tuple[Path, ImportReport]]:
            return [
                (p, import_csv(self.library, p) if p.suffix.lower() == ".csv" else
                 import_bibtex(self.library, p))
                for p in paths
            ]  # fmt: skip

        def done(reports: list[tuple[Path, ImportReport]]) -> None:
            added = [k for _, r in reports for k in r.added]
            present = [k for _, r in reports for k in r.joined + r.unchanged]
            for path, report in reports:
                if report.problems:
                    details = "\n".join(str(p) for p in report.problems)
                    self.error.emit(f"{path.name}: {report.summary()}", details)
            self.papers_added.emit(added, present)
            if added:
                self.start_fetching()  # the arXiv metadata of the new papers

        self.run("Importing " + ", ".join(p.name for p in paths), work, done)

    # -- saved searches ------------------------------------------------------------------------

    def load_saved_searches(self) -> None:
        self.run(
            "Reading the saved searches",
            lambda: saved_searches.load(self.library),
            self.saved_searches_changed.emit,
            lane=Lane.READ,
        )

    def save_search(self, name: str, query: str) -> None:
        self.run(
            f"Saving the search {name!r}",
            lambda: saved_searches.save(self.library, name, query),
            self.saved_searches_changed.emit,
        )

    def rename_saved_search(self, old: str, new: str) -> None:
        self.run(
            f"Renaming the saved search {old!r}",
            lambda: saved_searches.rename(self.library, old, new),
            self.saved_searches_changed.emit,
        )

    def delete_saved_search(self, name: str) -> None:
        self.run(
            f"Deleting the saved search {name!r}",
            lambda: saved_searches.delete(self.library, name),
            self.saved_searches_changed.emit,
        )

    # -- fetching ------------------------------------------------------------------------------

    @property
    def fetching(self) -> bool:
        return self._fetch_task is not None

    def start_fetching(self) -> None:
        """Drain the queue of pending fetches in the network lane (unless offline)."""
        if self.fetcher is None or self.settings.offline:
            return
        if self._fetch_task is not None:
            self._fetch_again = True
            return
        fetcher = self.fetcher
        self._fetch_again = False

        def work(control: TaskControl) -> FetchReport:
            def progress(p: FetchProgress) -> None:
                what = "metadata" if p.stage is Stage.METADATA else "PDFs"
                control.message(f"Fetching {what} from arXiv")
                control.progress(p.done, p.total)

            return fetcher.run(progress, control.cancel_event)

        self._fetch_task = self.runner.submit(
            work,
            lane=Lane.NETWORK,
            title="Fetching from arXiv",
            on_done=self._fetch_done,
            on_error=self._fetch_failed,
            on_cancel=self._fetch_cancelled,
        )

    def _fetch_done(self, report: FetchReport) -> None:
        self._fetch_task = None
        for failure in report.failed:
            what = "metadata" if failure.stage is Stage.METADATA else "PDF"
            self.error.emit(f"Could not fetch the {what} of {failure.key}: {failure.reason}", "")
        if report.stopped and not report.stopped.startswith("cancelled"):
            self.error.emit(f"Fetching stopped: {report.stopped}", "")
        elif self._fetch_again:
            self.start_fetching()

    def _fetch_failed(self, error: BaseException, tb: str) -> None:
        self._fetch_task = None
        self._report("Fetching from arXiv", error, tb)

    def _fetch_cancelled(self) -> None:
        self._fetch_task = None
        self.info.emit("Fetching stopped; what is left waits in the queue.")

    # -- errors --------------------------------------------------------------------------------

    def _report(self, what: str, error: BaseException, tb: str) -> None:
        """Turn a failure into a notice: a user error as it is, anything else with details."""
        if isinstance(error, PapershelfError):
            self.error.emit(str(error), "")
        else:
            log.error("%s failed: %s\n%s", what, error, tb)
            self.error.emit(f"{what} failed unexpectedly: {error}", tb)
