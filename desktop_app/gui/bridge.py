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
A bulk change (status, tags, trash, undo) indexes its papers itself as it writes them, 250 at
a time, so the views follow it and are right when its progress bar ends. Papers written by
other programs come in through :meth:`follow_changes` (``features/live.py`` finds them).

Undo: every change made through :meth:`change` (status, rating, tags, trash, keep, dismiss)
goes through :mod:`desktop_app.core.bulk`, whose undo record restores it (three-way, so a
change made meanwhile elsewhere is kept); :meth:`undo` takes back the last one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.core import bulk, saved_searches
from desktop_app.core.arxiv import fetch
from desktop_app.core.arxiv.fetch import Fetcher
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import ImportFileError, PapershelfError
from desktop_app.core.interop.importing import ImportReport
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.pdf.importer import import_pdfs
from desktop_app.core.search.api import SearchIndex, SearchResults, SortOrder, SyncReport
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui import jobs
from desktop_app.gui.fetch_queue import FetchQueue
from desktop_app.gui.index_follower import IndexFollower, rebuild_note
from desktop_app.gui.start_up import StartUp
from desktop_app.gui.tasks import Lane, Task, TaskControl, TaskRunner
from desktop_app.gui.undo import UndoStack, undo_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchRequest:
    """One search the list asked for; results of an older request are dropped."""

    serial: int
    query: str
    sort: SortOrder


class Bridge(QObject):
    """Runs core work for the window and reports it as signals (see the module doc)."""

    # Each signal's payload, typed: (type, ...) after the colon.
    #: Papers written (added or changed), the index holds them: (keys: list[str]).
    papers_changed = Signal(list)
    #: Papers gone from the library (trash, dismissed), dropped from the index: (list[str]).
    papers_removed = Signal(list)
    #: The answer to the latest search: (SearchRequest, SearchResults, annotation: Any).
    results_ready = Signal(object, object, object)
    #: The latest query cannot be read: (SearchRequest, message: str).
    search_failed = Signal(object, str)
    #: One paper's full-text hits: (key: str, query: str, hits: list[Snippet]).
    fulltext_ready = Signal(str, str, list)
    #: A digest was imported: (DigestReport).
    digest_imported = Signal(object)
    #: Papers added by ID, link, PDF or file: (added: list[str], already present: list[str]).
    papers_added = Signal(list, list)
    #: The saved searches, after a load or a change: (list[SavedSearch]).
    saved_searches_changed = Signal(list)
    #: Something went wrong: (one-line message: str, details for the expandable part: str).
    error = Signal(str, str)
    #: Something worth saying went right: (a short sentence: str).
    info = Signal(str)
    #: What Undo would take back: (description: str, "" when nothing).
    undo_changed = Signal(str)
    #: An index can be searched before the start-up sync is done (maybe an older one): ().
    index_searchable = Signal()
    #: The start-up sync is done: ().
    index_ready = Signal()

    # Emitted from any thread by the observer; queued into the UI thread.
    _library_touched = Signal()
    # Emitted by the start-up sync's worker; queued into the UI thread.
    _found_searchable = Signal()
    # Emitted by a bulk change as it goes: papers indexed (changed, removed); queued.
    _indexed = Signal(list, list)

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
        self._follower = IndexFollower(library, index, self._library_touched.emit)
        self._library_touched.connect(self._schedule_index_update)
        self._found_searchable.connect(self._index_found_searchable)
        self._indexed.connect(self._tell_views)
        self._search_serial = 0
        self.start_up = StartUp((self.results_ready, self.search_failed), self)
        self._undo = UndoStack()
        #: The drain of the fetch queue: its status (offline, papers waiting), failures.
        self.fetches = FetchQueue(self.run_task, library, fetcher, settings, self)
        self.fetches.error.connect(self.error)
        self.fetches.info.connect(self.info)

    @property
    def index_is_ready(self) -> bool:
        """The start-up sync is done."""
        return self._follower.ready

    @property
    def index_is_searchable(self) -> bool:
        """An index (maybe an older one) can be searched before the start-up sync is done."""
        return self._follower.searchable

    def close(self) -> None:
        """Stop observing the library (the window closed)."""
        self._follower.close()

    # -- the index ---------------------------------------------------------------------------

    def sync_index(self) -> None:
        """Bring the index in step with the folder (at start-up), with progress."""
        work = self.start_up.begin(jobs.sync_at_start(self.index, self._found_searchable.emit))

        def done(report: SyncReport | None) -> None:
            self._follower.ready = True
            self.start_up.sync_done(report, searchable_before=self._follower.searchable)
            if note := rebuild_note(report):
                self.info.emit(note)
            self.index_ready.emit()

        def failed(error: BaseException, tb: str) -> None:
            self.report("Updating the search index", error, tb)
            done(None)  # searching still works on what the index holds

        self.runner.submit(
            work, title="Updating the search index", on_done=done, on_error=failed, percent=True
        )

    def _index_found_searchable(self) -> None:
        self._follower.searchable = True
        self.index_searchable.emit()

    def _schedule_index_update(self) -> None:
        if self._follower.want_update():
            self.runner.submit(
                lambda control: self._follower.update(),
                on_done=self._index_updated,
                on_error=self._index_update_failed,
            )

    def _index_updated(self, result: tuple[list[str], list[str]]) -> None:
        self._follower.update_ended()
        self._tell_views(*result)
        self._schedule_index_update()  # changes that arrived meanwhile

    def _tell_views(self, changed: list[str], removed: list[str]) -> None:
        if removed:
            self.papers_removed.emit(removed)
        if changed:
            self.papers_changed.emit(changed)

    def _written(self, keys: list[str]) -> None:
        """(In the worker of a bulk change) the papers written so far: indexed now and
        shown, so the view follows the change and is right when its progress bar ends."""
        self._indexed.emit(*self._follower.index_now(keys))

    def _index_update_failed(self, error: BaseException, tb: str) -> None:
        self._follower.update_ended()
        self.report("Updating the search index", error, tb)
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
                self.report(f"Searching for {query!r}", error, tb)

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

        self.runner.submit(
            jobs.apply_change(self.library, keys, change, description, self._written),
            title=description if len(keys) > 20 else None,
            on_done=lambda result: self._bulk_done(result, after),
            on_error=lambda e, tb: self.report(description, e, tb),
        )

    def _bulk_done(
        self, result: bulk.BulkResult, after: Callable[[bulk.BulkResult], None] | None = None
    ) -> None:
        if result.undo:
            self._undo.push(result.undo)
            self.undo_changed.emit(result.undo.description)
        for e in result.errors:
            self.error.emit(str(e), "")
        if after is not None:
            after(result)

    def push_undo(self, record: bulk.UndoRecord) -> None:
        """A step done elsewhere (an annotation edit) that Undo takes back like the others."""
        self._bulk_done(bulk.BulkResult(record))

    def set_status(self, keys: Sequence[str], status: Status) -> None:
        self.change(keys, *bulk.status_operation(status, len(keys)))

    def cycle_status(self, keys: Sequence[str]) -> None:
        """Unread → Reading → Read → Unread (Space)."""
        self.change(keys, lambda p: p.set_status(jobs.CYCLE[p.status]), "Status change")

    def set_rating(self, keys: Sequence[str], rating: int) -> None:
        what = jobs.rating_description(len(keys), rating)
        self.change(keys, lambda p: p.set_rating(rating), what)

    def set_tags(self, key: str, tags: Sequence[str]) -> None:
        self.change([key], jobs.replace_tags(tags), "Tag change")

    def keep(self, keys: Sequence[str]) -> None:
        """Keep inbox papers: they become unread and, with automatic fetching, get their PDF."""
        self.change(
            keys,
            jobs.keep(self.library, self.settings.fetch_pdfs_automatically),
            f"Keep {plural(len(keys), 'paper')}",
            after=lambda r: self.start_fetching(),
        )

    def delete(self, keys: Sequence[str], *, dismissed: bool = False) -> None:
        """Move papers to the trash (``dismissed``: digests will not bring them back)."""
        keys = list(keys)
        papers = plural(len(keys), "paper")
        description = f"Dismiss {papers}" if dismissed else f"Move {papers} to the trash"

        def work(control: TaskControl) -> bulk.BulkResult:
            progress = control.progress if len(keys) > 1 else None
            return bulk.delete(
                self.library, keys, dismissed=dismissed, progress=progress, written=self._written
            )

        self.runner.submit(
            work,
            title=description if len(keys) > 20 else None,
            on_done=self._bulk_done,
            on_error=lambda e, tb: self.report(description, e, tb),
        )

    @property
    def undo_text(self) -> str:
        """The description of what Undo would take back ("" when nothing)."""
        return self._undo.text

    def undo(self) -> None:
        """Take back the last change (Ctrl+Z)."""
        record = self._undo.pop()
        if record is None:
            self.info.emit("Nothing to undo.")
            return
        self.undo_changed.emit(self.undo_text)

        def work(control: TaskControl) -> bulk.BulkResult:
            return record.undo(self.library, progress=control.progress, written=self._written)

        def done(result: bulk.BulkResult) -> None:
            for e in result.errors:
                self.error.emit(f"Could not undo all of “{record.description}”: {e}", "")
            if message := undo_message(record.description, result):
                self.info.emit(message)

        self.runner.submit(work, on_done=done, on_error=lambda e, tb: self.report("Undo", e, tb))

    def forget_restored(self, keys: Sequence[str]) -> None:
        """Papers restored from the trash by hand: Undo no longer offers to restore them."""
        if self._undo.forget_restored(keys):
            self.undo_changed.emit(self.undo_text)

    # -- changes without undo ---------------------------------------------------------------

    def write_notes(self, key: str, text: str) -> None:
        self.runner.submit(
            lambda c: self.library.write_notes(key, text),
            on_error=lambda e, tb: self.report(f"Saving the notes of {key}", e, tb),
        )

    def add_ids(self, ids: Sequence[ArxivId]) -> None:
        """Add papers by arXiv ID (unread; metadata and, with auto-fetch, PDF queued)."""
        ids = list(ids)
        work = jobs.add_ids(self.library, ids, self.settings.fetch_pdfs_automatically)

        def done(result: jobs.Added) -> None:
            self.papers_added.emit(*result)
            self.start_fetching()

        self.runner.submit(
            work,
            title="Adding papers" if len(ids) > 20 else None,
            on_done=done,
            on_error=lambda e, tb: self.report("Adding papers", e, tb),
        )

    def import_pdfs(self, paths: Sequence[Path]) -> None:
        """Add local PDFs: each joins its paper (recognised by its arXiv ID) or becomes one."""
        paths = list(paths)

        def work(control: TaskControl) -> ImportReport:
            return import_pdfs(
                self.library,
                paths,
                progress=control.progress,
                max_bytes=self.settings.max_pdf_bytes,
            )

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
            on_error=lambda e, tb: self.report("Adding PDFs", e, tb),
        )

    def import_digest(self, path: Path | str, *, source: str | None = None) -> None:
        """Import a digest into the inbox, with progress; :attr:`digest_imported` reports."""
        name = source or (Path(path).name if isinstance(path, Path) else "digest")
        self.runner.submit(
            jobs.import_digest(self.library, path, source, name),
            title=f"Importing {name}",
            on_done=self.digest_imported.emit,
            on_error=lambda e, tb: self.report(f"Importing {name}", e, tb),
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
            on_error=lambda e, tb: self.report("Queueing the download", e, tb),
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
            on_error=lambda e, tb: self.report(what, e, tb),
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

    def follow_changes(self, keys: Sequence[str]) -> None:
        """Papers another program wrote or removed: indexed, then the views are told."""
        self._follower.changed_elsewhere(keys)

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

        def done(result: bulk.BulkResult) -> None:
            on_done(result)
            self.papers_changed.emit(result.done)

        self.runner.submit(
            jobs.reextract_text(self.library, self.index, keys),
            title=f"Extracting the text of {plural(len(keys), 'paper')} again",
            on_done=done,
            on_error=on_error,
        )

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import .bib files (or .csv files as Export writes them), then fetch what is new;
        :attr:`papers_added` reports, each file's problems come as :attr:`error`."""
        paths = list(paths)

        def done(results: list[tuple[Path, ImportReport | ImportFileError]]) -> None:
            reports = [(p, r) for p, r in results if isinstance(r, ImportReport)]
            for path, failed in results:
                if isinstance(failed, ImportFileError):
                    self.error.emit(f"{path.name} cannot be imported", str(failed))
            added = [k for _, r in reports for k in r.added]
            present = [k for _, r in reports for k in r.present]
            for path, report in reports:
                if report.problems:
                    details = "\n".join(str(p) for p in report.problems)
                    self.error.emit(f"{path.name}: {report.summary()}", details)
            self.papers_added.emit(added, present)
            if added:
                self.start_fetching()  # the arXiv metadata of the new papers

        what = "Importing " + ", ".join(p.name for p in paths)
        self.run(what, lambda: jobs.import_files(self.library, paths), done)

    # -- saved searches ------------------------------------------------------------------------

    def load_saved_searches(self) -> None:
        lib = self.library
        self._saved("Reading the saved searches", lambda: saved_searches.load(lib), Lane.READ)

    def save_search(self, name: str, query: str) -> None:
        lib = self.library
        self._saved(f"Saving the search {name!r}", lambda: saved_searches.save(lib, name, query))

    def rename_saved_search(self, old: str, new: str) -> None:
        what = f"Renaming the saved search {old!r}"
        self._saved(what, lambda: saved_searches.rename(self.library, old, new))

    def delete_saved_search(self, name: str) -> None:
        what = f"Deleting the saved search {name!r}"
        self._saved(what, lambda: saved_searches.delete(self.library, name))

    def _saved(self, what: str, call: Callable[[], Any], lane: Lane = Lane.WRITE) -> None:
        """Run a saved-search call; :attr:`saved_searches_changed` gets the list it returns."""
        self.run(what, call, self.saved_searches_changed.emit, lane=lane)

    # -- fetching ------------------------------------------------------------------------------

    @property
    def fetching(self) -> bool:
        return self.fetches.running

    def start_fetching(self) -> None:
        """Drain the queue of pending fetches in the network lane (:attr:`fetches` reports)."""
        self.fetches.start()

    # -- errors --------------------------------------------------------------------------------

    def report(self, what: str, error: BaseException, tb: str) -> None:
        """Turn a failure into a notice: a user error as it is, anything else with details."""
        if isinstance(error, PapershelfError):
            self.error.emit(str(error), "")
        else:
            log.error("%s failed: %s\n%s", what, error, tb)
            self.error.emit(f"{what} failed unexpectedly: {error}", tb)
