"""The Whoosh search index: a disposable cache of the library folder (see DESIGN.md).

:class:`WhooshIndex` is the facade, implementing :class:`desktop_app.core.search.api.SearchIndex`
over the modules of this package: the stored index, its schemas and integrity (:mod:`.store`),
per-paper documents (:mod:`.documents`), the open index and its reused searchers
(:mod:`.opened`), query mapping (:mod:`.queries`), scoring (:mod:`.scoring`), snippets
(:mod:`.snippets`), writing (:mod:`.writing`), the own postings codec (:mod:`.codec`) and
the parallel rebuild (:mod:`.rebuild`). The boolean algebra of a query is engine-free
(:mod:`desktop_app.core.search.evaluate`), and so is what it marks
(:mod:`desktop_app.core.search.highlight`).

Queries (:mod:`desktop_app.core.search.query`) are evaluated per paper: each word or filter
is looked up in the index it concerns (free words in both), and the results are combined
with AND/OR/NOT as sets of paper keys with summed BM25F scores.

Writers use ``compound=False`` segments (a searcher then maps files instead of copying the
index into memory, DESIGN.md) and one searcher per index is reused and refreshed after a
commit. An index that is missing, of another schema, or damaged is rebuilt automatically,
reporting progress; searches go on meanwhile on the index being replaced.

Kept in step: the index observes the library (each change updates one paper) and
:meth:`WhooshIndex.sync` compares every paper folder's fingerprint with the indexed one, so
changes made by another process, a sync tool or a text editor on notes.md are found.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index

from desktop_app.core import paths
from desktop_app.core.errors import PapershelfError, SearchIndexError
from desktop_app.core.library import Library
from desktop_app.core.memory import gc_paused
from desktop_app.core.progress import Progress
from desktop_app.core.search import query as querysyntax
from desktop_app.core.search.api import (
    FIRST_BUILD,
    Hit,
    HitList,
    IndexStats,
    SearchResults,
    Snippet,
    SortOrder,
    SyncReport,
)
from desktop_app.core.search.evaluate import Scores, evaluate
from desktop_app.core.search.highlight import Marks
from desktop_app.core.search.query import FULLTEXT, And, Node, Not, Or, Range, Term
from desktop_app.core.search.whoosh.documents import (
    Entry,
    Prepared,
    fingerprint,
    prepare,
    sorted_keys,
)
from desktop_app.core.search.whoosh.folders import hold, remove_dead
from desktop_app.core.search.whoosh.opened import (
    Opened,
    entries_of,
    searchers_of,
    views_of,
)
from desktop_app.core.search.whoosh.queries import suggest
from desktop_app.core.search.whoosh.scoring import more_like_this, range_scores, term_scores
from desktop_app.core.search.whoosh.snippets import (
    annotation_hits,
    expander,
    snippet_hits,
    text_snippets,
)
from desktop_app.core.search.whoosh.stamp import Signals, quick_sync
from desktop_app.core.search.whoosh.store import (
    PAPERS,
    POINTER,
    READABLE_SCHEMAS,
    SCHEMA_VERSION,
    TEXTS_PENDING,
    Storage,
    check_files,
    read_pointer,
)

if TYPE_CHECKING:
    from filelock import FileLock

    from desktop_app.core.pdf.text import PdfText, TextExtractor

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 10.0  # seconds a writer waits for another one
REBUILD_WAIT = 900.0  # seconds to wait for another process's rebuild before giving up
BATCH = 250  # papers per commit during a sync (work survives an interruption)
PAGE_SNIPPETS = 3  # full-text snippets per hit in search results
SWITCH_RETRIES = 5  # times an index switched while being opened is opened anew
#: Called once a build's first phase is live (:meth:`WhooshIndex.sync`).
Built = Callable[[], None] | None


class WhooshIndex:
    """The search index of one library (implements :class:`search.SearchIndex`).

    Creating it is cheap; the index is opened (and built when needed) on first use.
    It registers itself as the library's observer unless ``observe`` is False. Thread-safe:
    calls are serialized by a lock; writes across processes by a file lock.

    Args:
        library: the library it indexes.
        cache_dir: where its files go (default :func:`paths.library_cache_dir`).
        extractor: reads PDF text (default: its own, started when a PDF needs reading).
        observe: update on every change the library reports.
        texts_in_background: a build's second phase (the PDFs' text) is left to the app's
            :meth:`index_texts`; else a sync or rebuild does it before it returns (the CLI).

    With either, the index lasts: a sync loads what a first write needs (:func:`_load_writes`).
    """

    def __init__(
        self,
        library: Library,
        *,
        cache_dir: Path | None = None,
        extractor: TextExtractor | None = None,
        observe: bool = True,
        write_timeout: float = WRITE_TIMEOUT,
        texts_in_background: bool = False,
    ) -> None:
        self.library = library
        self.dir = cache_dir or paths.library_cache_dir(library.root)
        self.write_timeout = write_timeout
        self.texts_in_background = texts_in_background
        self._extractor = extractor
        self._own_extractor = extractor is None
        self._lock = threading.RLock()
        self._open: Opened | None = None
        self._file_lock: FileLock | None = None
        self._closed = False
        self._retry_failed = False  # the second phase reads failed PDFs again (reindex)
        self._lasting = observe or texts_in_background
        if observe:
            library.observers.append(self)

    # -- opening -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the writers' lock (re-entrant in this process, shared with other processes)."""
        from filelock import FileLock, Timeout  # a search that writes nothing never loads it

        if self._file_lock is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(self.dir / "index.lock"))
        try:
            with self._file_lock.acquire(timeout=timeout or self.write_timeout):
                yield
        except Timeout:
            raise SearchIndexError(
                f"{self.dir}: the search index is being written by another program; "
                "try again in a moment"
            ) from None

    def _problem(
        self, schemas: frozenset[int] = frozenset({SCHEMA_VERSION})
    ) -> tuple[str | None, Opened | None]:
        """(why the index cannot be used, None) or (None, the open index); an index of
        another schema than ``schemas`` cannot be used. An index switched by another
        process's rebuild while it was being opened is opened anew."""
        for _ in range(SWITCH_RETRIES):
            pointer = read_pointer(self.dir)
            problem, opened = _open_pointed(self.dir, pointer, schemas, self._open)
            if problem is None or read_pointer(self.dir) == pointer:
                return problem, opened
        return problem, opened

    def _ready(
        self, progress: Progress | None = None, stale_ok: bool = False
    ) -> tuple[Opened, str | None]:
        """The open index, rebuilt first if needed; and the reason of a rebuild. With
        ``stale_ok``, an index of an older schema that can still be searched is used as it
        is (the caller knows that a rebuild is on its way)."""
        if self._closed:
            raise SearchIndexError("the search index is closed")
        _, opened = self._usable()
        if opened is None and stale_ok:
            _, opened = self._usable(READABLE_SCHEMAS)
        if opened is not None:
            opened.checked = False  # another process may have committed since the last call
            return opened, None
        reason = self._rebuild_if_needed(progress)
        problem, opened = self._usable()
        if opened is None:
            raise SearchIndexError(f"{self.dir}: the rebuilt search index is unusable: {problem}")
        return opened, reason

    def _usable(
        self, schemas: frozenset[int] = frozenset({SCHEMA_VERSION})
    ) -> tuple[str | None, Opened | None]:
        """:meth:`_problem`, and an index that can be used made the one searched."""
        with self._lock:
            problem, opened = self._problem(schemas)
            if opened is not None and opened is not self._open:
                self._swap(opened)
            return problem, opened

    def _swap(self, opened: Opened) -> None:
        old = self._open
        self._open = opened
        if old is not None and old is not opened:
            old.close()
        if old is None or old.name != opened.name:
            # At the first open, and once off a replaced folder: those no process holds
            # (replaced, or left by a killed rebuild) are removed.
            remove_dead(self.dir, opened.name)

    def searchable(self) -> bool:
        """An index is there that can be searched now: usable, or of an older schema that
        is still readable (``search(stale_ok=True)`` searches it until a sync replaces it)."""
        with self._lock:
            return not self._closed and self._usable(READABLE_SCHEMAS)[1] is not None

    def exists(self) -> bool:
        """An index is there and usable without a rebuild."""
        return self._usable()[0] is None

    # -- building ------------------------------------------------------------------------

    def _build(self, progress: Progress | None, retry: bool = False, locked: bool = True) -> int:
        """Write a new index folder and switch to it (``locked``: the caller holds the lock)."""
        from desktop_app.core.search.whoosh.rebuild import build  # (a search never builds)

        self._retry_failed = retry
        switch = None if locked else (lambda: self._writing(REBUILD_WAIT))
        return build(self.dir, self.library, self.texts_in_background, progress, retry, switch)

    def rebuild(
        self, progress: Progress | None = None, *, retry_failed: bool = False
    ) -> SyncReport:
        """Build the index anew from the library folder (``papershelf reindex``); with
        ``retry_failed``, PDFs whose text could not be read are read again.

        Searches and other programs' changes go on meanwhile, in the index being replaced
        (the writers' lock is held for the switch only); changes are caught up at the end.
        """
        total = self._build(progress, retry_failed, locked=False)
        with self._lock:
            opened, _ = self._ready()
            # Changes made while it was built (by other processes) are caught up here: those
            # the journal and the papers folder show (the build read every folder after).
            report = quick_sync(self.dir, opened, self.library, self._apply, None)
            report = report or self._sync(opened, None)
        pending = _second_phase(self, "now", progress)
        return SyncReport(
            added=total + report.added, rebuilt=True, reason="asked for", texts_pending=pending
        )

    # The second phase of a build, the texts (:func:`_second_phase`).

    def texts_pending(self) -> int:
        """Papers whose PDF text (and abstract) a build left to its second phase."""
        return _second_phase(self, "pending")

    def index_texts(
        self,
        progress: Progress | None = None,
        committed: Callable[[int, int], None] | None = None,
    ) -> int:
        """The second phase of a build (:func:`.texts.index_pending`); the papers left."""
        return _second_phase(self, "index_pending", progress, committed)

    # -- keeping in step -----------------------------------------------------------------

    def sync(
        self, progress: Progress | None = None, *, quick: bool = False, built: Built = None
    ) -> SyncReport:
        """Rebuild when needed, then apply what changed in the library folder since.

        With ``quick``, what changed is found from cheap signals only (:mod:`.stamp`): the
        change journal the library appends to, and the papers folder's mtime (papers added
        or removed by hand or by a sync tool); an edit made outside Papershelf to a paper
        already indexed waits for the next full sync. A quick sync with no stamp of a
        full one for this index does a full one.

        A rebuild does not keep this object's searches waiting: they go on, with
        ``stale_ok`` on an index of an older schema, until the new index is there; and
        ``built`` is called as soon as its first phase is live (the list can be shown).
        A sync that rebuilt catches up from the cheap signals too: the build read every
        folder after taking them.
        """
        reason = self._rebuild_if_needed(progress, built)
        with self._lock:
            opened, again = self._ready(progress)
            report = None
            if quick or reason:  # (just built: every folder read, as by a full sync)
                report = quick_sync(self.dir, opened, self.library, self._apply, progress)
            if report is None:
                report = self._sync(opened, progress)
            reason = reason or again
            if reason:
                report.rebuilt, report.reason = True, reason
        report.texts_pending = _second_phase(self, "now", progress)
        if self._lasting:
            _load_writes()
        return report

    def _rebuild_if_needed(self, progress: Progress | None, built: Built = None) -> str | None:
        """Build the index anew if it cannot be used, holding the writers' lock only; the
        reason of the rebuild, or None."""

        def problem() -> str | None:
            if self._closed:
                raise SearchIndexError("the search index is closed")
            return self._usable()[0]

        if problem() is None:
            return None
        with self._writing(REBUILD_WAIT):
            why = problem()  # another process may have rebuilt it meanwhile
            if why is None:
                return None
            log.info("%s: rebuilding the search index (%s)", self.dir, why)
            self._build(progress)
        if built:
            built()
        _second_phase(self, "now", progress)
        return why

    def _sync(self, opened: Opened, progress: Progress | None) -> SyncReport:
        from desktop_app.core.search.whoosh.writing import MERGE_AT_SYNC, small_segments

        entries = entries_of(opened)
        signals = Signals.now(self.library)  # before the scan: what changes meanwhile shows next
        on_disk = {key: fingerprint(self.library.paper_dir(key)) for key in self.library.keys()}  # noqa: SIM118
        removed = [k for k in entries if k not in on_disk]
        added = [k for k in on_disk if k not in entries]
        updated = [k for k, stamp in on_disk.items() if k in entries and entries[k].stamp != stamp]
        self._apply(added + updated + removed, progress)
        opened = self._open or opened  # switched by _apply if another program rebuilt it
        if len(small_segments(opened.papers._segments())) >= MERGE_AT_SYNC:
            self._merge_small(opened)
        signals.save(self.dir, opened.name, full=True)
        return SyncReport(added=len(added), updated=len(updated), removed=len(removed))

    def _merge_small(self, opened: Opened) -> None:
        """Merge the papers index's small segments (one per edit) into one."""
        from desktop_app.core.search.whoosh.writing import merge_small

        with self._writing():
            merge_small(opened, self.write_timeout)

    def update(self, key: str) -> None:
        """Re-read one paper from the library and index it (its PDF text only if changed)."""
        with self._lock:
            self._ready()
            self._apply([key], None)

    def update_many(self, keys: Sequence[str], progress: Progress | None = None) -> None:
        """Bring these papers in step with their folders (gone ones leave the index), in a
        few batched commits rather than one commit each."""
        with self._lock:
            self._ready()
            self._apply(list(dict.fromkeys(keys)), progress)

    def delete(self, key: str) -> None:
        """Remove one paper from the index (whatever its folder holds)."""
        with self._lock:
            self._ready()
            self._write([Prepared(key)])

    def paper_changed(self, library: Library, key: str) -> None:
        """LibraryObserver: index the change now (if the index is built; else at next sync)."""
        self._observed(key)

    def paper_removed(self, library: Library, key: str) -> None:
        self._observed(key)

    def papers_changed(self, library: Library, changed: list[str], removed: list[str]) -> None:
        """LibraryObserver: many changes at once (an import), in a commit per BATCH."""
        self._observed(*changed, *removed)

    def _observed(self, *keys: str) -> None:
        with self._lock:
            if self._closed or not keys or not self.exists():
                return
            try:
                self._apply(list(keys), None)
            except (PapershelfError, OSError) as e:
                what = keys[0] if len(keys) == 1 else f"{len(keys)} papers"
                log.warning("%s: not indexed now (%s); the next sync catches up", what, e)

    def _apply(self, keys: list[str], progress: Progress | None) -> None:
        """Bring these papers' documents in step with their folders, in batches."""
        total = len(keys)
        if progress and total:
            progress(0, total)
        for start in range(0, total, BATCH):
            batch = keys[start : start + BATCH]
            opened = self._open
            assert opened is not None
            entries = entries_of(opened)
            prepared = [
                prepare(self.library, key, entries.get(key), self._extract) for key in batch
            ]
            self._write(prepared)
            if progress:
                progress(min(start + BATCH, total), total)

    def _write(self, prepared: list[Prepared], check: Callable[[], None] | None = None) -> None:
        from desktop_app.core.search.whoosh.writing import write_prepared

        with self._writing():
            opened, _ = self._ready()
            try:
                write_prepared(opened, prepared, self.write_timeout, check)
            except (PapershelfError, OSError, whoosh_index.LockError):
                raise  # a full disk, a busy index: not damage
            except Exception as e:  # Whoosh reading a damaged file
                self._rebuild_damaged(e)  # the rebuild reads these papers as they are now

    def _extract(self, pdf: Path, sha: str, retry_failed: bool = False) -> PdfText:
        """The PDF's text, from the text cache if there (a failure kept there is tried
        again with ``retry_failed``)."""
        from desktop_app.core.pdf.text import TextExtractor, load_cached

        cached = load_cached(sha)
        if cached is not None and (cached.ok or not retry_failed):
            return cached
        with self._lock:
            if self._extractor is None:
                self._extractor = TextExtractor()
            extractor = self._extractor
        return extractor.extract(pdf, sha256=sha, refresh=retry_failed)

    # -- searching -----------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        sort: SortOrder = SortOrder.RELEVANCE,
        limit: int | None = None,
        snippets: bool = False,
        stale_ok: bool = False,
    ) -> SearchResults:
        """Run a query (empty: everything). Raises QueryError for a malformed query.

        With ``stale_ok``, an index of an older but readable schema is searched as it is
        rather than rebuilt first (while a sync, elsewhere, rebuilds it)."""
        tree = querysyntax.parse(query)
        with self._lock, gc_paused():
            results: SearchResults = self._guarded(
                lambda o: self._search(o, query, tree, sort, limit, snippets), stale_ok
            )
            return results

    def _guarded(self, run: Callable[[Opened], Any], stale_ok: bool = False) -> Any:
        """Run a read; a damaged index found on the way is rebuilt and the read run again."""
        opened, _ = self._ready(stale_ok=stale_ok)
        try:
            return run(opened)
        except PapershelfError:
            raise
        except Exception as e:  # any error reading the index means it is damaged
            opened = self._rebuild_damaged(e)
            self._sync(opened, None)
            return run(opened)

    def _rebuild_damaged(self, error: Exception) -> Opened:
        """Rebuild an index found damaged while it was read or written (one line in the
        log, the traceback at debug level); the new index."""
        log.warning(
            "%s: the search index is damaged (%s: %s); rebuilding it",
            self.dir,
            type(error).__name__,
            str(error)[:200],
        )
        log.debug("the damage", exc_info=error)
        with self._writing(REBUILD_WAIT):
            self._build(None)
        _second_phase(self, "now", None)
        opened, _ = self._ready()
        return opened

    def _search(
        self,
        o: Opened,
        query: str,
        tree: Node | None,
        sort: SortOrder,
        limit: int | None,
        snippets: bool,
    ) -> SearchResults:
        entries = entries_of(o)
        if tree is None:
            scores: dict[str, float] = dict.fromkeys(entries, 0.0)
        else:
            scores = self._eval(o, tree, entries) or {}
        views = views_of(o)
        keys = sorted_keys(scores, views, sort)
        tag_counts, status_counts = views.counts(keys)
        shown = keys if limit is None else keys[: max(limit, 0)]
        marks = Marks.of(tree, expander(o)) if snippets and tree is not None else None
        hits: Sequence[Hit]
        if marks and tree is not None:
            hits = snippet_hits(o, [entries[k] for k in shown], scores, tree, marks, PAGE_SNIPPETS)
        else:  # made when looked at (the GUI takes the summaries only)
            hits = HitList(views.summary.of(shown), list(map(scores.__getitem__, shown)))
        suggestion = None
        if not keys and tree is not None:

            def finds(changed: Node) -> bool:
                return bool(self._eval(o, changed, entries_of(o)))

            suggestion = suggest(searchers_of(o), query, tree, finds)
        return SearchResults(
            texts_pending=views.pending if _reads_texts(tree) else 0,
            query=query,
            hits=hits,
            total=len(keys),
            tag_counts=dict(tag_counts.most_common()),
            status_counts=dict(status_counts),
            suggestion=suggestion,
            terms=tuple(querysyntax.words(tree)),
        )

    def _eval(self, o: Opened, node: Node, entries: Mapping[str, Entry]) -> Scores | None:
        """Scores of the papers ``node`` matches; None when it has nothing to match on
        (only stop words). The boolean algebra is :func:`evaluate`'s; the words and ranges
        are scored here."""

        def leaf(n: Term | Range) -> Scores | None:
            return term_scores(o, n) if isinstance(n, Term) else range_scores(o, n)

        return evaluate(node, leaf, entries)

    def fulltext_hits(self, key: str, query: str, limit: int = 20) -> list[Snippet]:
        """The matches of ``query`` in one paper's annotations and PDF, each with its page
        (the annotations first)."""
        tree = querysyntax.parse(query)
        if tree is None:
            return []
        with self._lock:

            def run(o: Opened) -> list[Snippet]:
                entry = entries_of(o).get(key)
                if entry is None:
                    return []
                marks = Marks.of(tree, expander(o))
                found = annotation_hits(o, entry, marks)
                if entry.text_state == "ok":
                    found += text_snippets(entry, marks, limit)
                return found[:limit]

            result: list[Snippet] = self._guarded(run)
            return result

    # -- more like this, did you mean ----------------------------------------------------

    def more_like_this(self, key: str, limit: int = 10) -> list[Hit]:
        """Papers whose title, abstract and tags share the most telling words with ``key``'s."""
        with self._lock:
            result: list[Hit] = self._guarded(lambda o: more_like_this(o, key, limit))
            return result

    def stats(self) -> IndexStats:
        """Papers, PDFs, PDFs indexed and the reasons of the failures."""
        with self._lock:
            result: IndexStats = self._guarded(_stats)
            return result

    def entry(self, key: str) -> Entry | None:
        """What the index holds for one paper (None when it is not indexed)."""
        with self._lock:
            opened, _ = self._ready()
            return entries_of(opened).get(key)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            with contextlib.suppress(ValueError):
                self.library.observers.remove(self)
            if self._open is not None:
                self._open.close()
                self._open = None
            if self._extractor is not None and self._own_extractor:
                self._extractor.close()
                self._extractor = None

    def __enter__(self) -> WhooshIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _second_phase(index: WhooshIndex, name: str, *args: Any) -> int:
    """:mod:`.texts`'s ``name`` (``pending``, ``index_pending``, ``now``) for ``index``:
    0 when the index searched now has no papers a build left to its second phase (its
    marker file, which those look at first, is not there), without loading that module
    and the build's (a search at the command line never finds any)."""
    with index._lock:
        opened, _ = index._ready()
        if not (opened.folder / TEXTS_PENDING).exists():
            return 0
    from desktop_app.core.search.whoosh import texts

    found: int = getattr(texts, name)(index, *args)
    return found


def _stats(o: Opened) -> IndexStats:
    entries = entries_of(o)
    pdfs = [e for e in entries.values() if e.pdf_stamp]
    failures = sorted(
        (e.summary.key, e.text_error or "unknown") for e in pdfs if e.text_state == "failed"
    )
    size = sum(p.stat().st_size for p in o.folder.iterdir() if p.is_file())
    return IndexStats(
        papers=len(entries),
        pdfs=len(pdfs),
        pdfs_indexed=sum(1 for e in pdfs if e.text_state == "ok"),
        failures=failures,
        pending=sum(1 for e in entries.values() if e.summary.pdf_state == "pending"),
        index_bytes=size,
        index_dir=o.folder,
    )


def _load_writes() -> None:
    """Load what the first write of a process loads: filelock, 17 ms of the first edit's ~30
    at 10,000 papers. An index that lasts (the app's, which syncs in the background, or one
    that follows the library's changes) does it when it syncs, so that its user's first edit
    is as fast as the next ones; the command line's, which mostly reads, does not."""
    import filelock  # noqa: F401


def _reads_texts(node: Node | None) -> bool:
    """Whether a query reads a field that a build's second phase completes (free words, the
    full text, the abstract)."""
    if isinstance(node, Term):
        return node.field in (None, FULLTEXT, "abstract")
    if isinstance(node, And | Or):
        return any(_reads_texts(item) for item in node.items)
    if isinstance(node, Not):
        return _reads_texts(node.item)
    return False


def _open_pointed(
    cache_dir: Path,
    pointer: dict[str, Any] | None,
    schemas: frozenset[int],
    current: Opened | None,
) -> tuple[str | None, Opened | None]:
    """Open the index folder ``pointer`` (CURRENT's contents) names, held against removal
    (``current`` if it is that one already); or say why it cannot be used."""
    if pointer is None:
        return FIRST_BUILD if not (cache_dir / POINTER).exists() else "damaged", None
    schema = pointer.get("schema")
    if schema not in schemas:
        age = "an older" if isinstance(schema, int) and schema < SCHEMA_VERSION else "another"
        why = f"made by {age} version of Papershelf: schema {schema}, now {SCHEMA_VERSION}"
        return why, None
    name = str(pointer.get("dir", ""))
    if current is not None and current.name == name:
        return None, current
    folder = cache_dir / name
    held = hold(folder) if name else None
    if held is None:
        return "index folder missing", None
    damage = check_files(folder)
    if damage:
        held.release()
        return f"damaged: {damage}", None
    try:
        storage = Storage(str(folder))
        papers = storage.open_index(PAPERS)
        fulltext = storage.open_index(FULLTEXT)
        opened = Opened(name, folder, papers, fulltext, hold=held)
        entries_of(opened)  # opens the searchers and reads every record
    except Exception as e:  # any error reading the index: damaged (Whoosh's are many)
        held.release()
        return f"damaged: {type(e).__name__}: {e}", None
    return None, opened
