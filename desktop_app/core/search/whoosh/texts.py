"""The second phase of a build: the papers its first phase left pending (a slim record, no
PDF text: :func:`documents.prepare` with ``defer_text``) completed in batches committed into
the live index, so that full-text hits appear as it goes.

How Zotero and calibre index a library for the first time: the list and the metadata
first, the documents' text after, in the background, searchable as it comes. Here:

- the papers are done newest first (those a user looks at first), a batch at a time: the
  main process reads each paper again (its PDF hashed, its text read or taken from the
  text cache), worker processes (:mod:`.rebuild`'s) write the batch's texts into segments
  of a scratch index, and the batch is committed into the live index: the segments' files
  moved in and added to its table of contents, then the papers' whole documents written;
- the papers' records say which are still pending (``text_state``), so a crash, a quit or
  a Cancel loses at most the batch in flight: the next run does the papers still pending;
- a paper changed meanwhile (an edit, another program's) is read and written again at its
  batch's commit, so nothing a batch holds overwrites a newer change;
- a scratch index lives in the live index folder (``.scratch-<pid>``: Whoosh lists neither
  it nor its files as the index's), and goes with it when the index is replaced.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, Protocol

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from desktop_app.core.errors import SearchIndexError
from desktop_app.core.library import Library
from desktop_app.core.memory import gc_paused
from desktop_app.core.pdf.text import PdfText
from desktop_app.core.progress import Progress
from desktop_app.core.search.query import FULLTEXT
from desktop_app.core.search.whoosh import rebuild, writing
from desktop_app.core.search.whoosh import records as records_file
from desktop_app.core.search.whoosh.codec import writer
from desktop_app.core.search.whoosh.documents import PENDING, Entry, Prepared, prepare
from desktop_app.core.search.whoosh.opened import Opened, entries_of, views_of
from desktop_app.core.search.whoosh.store import (
    TEXTS_LOCK,
    TEXTS_PENDING,
    Storage,
    fulltext_schema,
    record_files,
)

log = logging.getLogger(__name__)

#: Papers per worker and batch: each batch commits a segment of this many texts per worker
#: (the segments a rebuild wrote in one phase had ~550).
BATCH_PER_WORKER = 500
#: ... in the first batch, so that the first full-text hits come within seconds.
FIRST_BATCH_PER_WORKER = 50
SCRATCH_PREFIX = ".scratch-"
#: Papers' records per commit: a segment of this many is not small (writing.MERGE_BELOW), so
#: the next commit does not merge it again (at 250 a commit, every record of a batch was
#: written twice, the second time by Whoosh's merge, a posting at a time). A writer holds
#: their postings in memory until then (~6 MB).
RECORDS = writing.MERGE_BELOW
POLL_S = 0.05  # how often waiting for the workers reports progress (and sees a Cancel)
WORKER_NICENESS = 10  # the workers' scheduling priority (Unix nice: 19 is the lowest)
END_WAIT_S = 0.5  # how long a worker may take to end once its input has ended


def scratch_index(folder: Path) -> Path:
    """A new, empty full-text index in ``folder`` for one run's worker segments (the scratch
    folders of runs that were killed are removed first: one run at a time holds the lock)."""
    for old in folder.glob(SCRATCH_PREFIX + "*"):
        shutil.rmtree(old, ignore_errors=True)
    scratch = folder / f"{SCRATCH_PREFIX}{os.getpid()}"
    scratch.mkdir()
    Storage(str(scratch)).create_index(fulltext_schema(), indexname=FULLTEXT)
    return scratch


def workers() -> int:
    """Worker processes of the second phase (one per core, at most MAX_WORKERS)."""
    return rebuild.workers()


def batches(keys: list[str], workers: int) -> Iterator[list[str]]:
    """``keys`` in batches: a small one first, then BATCH_PER_WORKER per worker."""
    per = max(1, workers)
    start, size = 0, FIRST_BATCH_PER_WORKER * per
    while start < len(keys):
        yield keys[start : start + size]
        start, size = start + size, BATCH_PER_WORKER * per


#: Commits one batch: (the papers read again, the segments of their texts, a call that
#: raises to stop it: a Cancel, the window closing).
Commit = Callable[[list[Prepared], list[Any], Callable[[], None]], None]


def complete(
    keys: list[str],
    scratch: Path,
    prepare: Callable[[str], Prepared],
    commit: Commit,
    progress: Callable[[int, int], None],
    workers: int,
    committed: Callable[[int, int], None] | None = None,
    background: bool = True,
) -> None:
    """Complete the papers ``keys`` (pending) in batches: each read again (``prepare``),
    its text written into segments of the ``scratch`` index, committed by ``commit``.
    While the workers write one batch the next one is read. ``progress`` hears the papers
    done (and may raise to stop: the batch in flight is dropped), ``committed`` the papers
    searchable after each batch. ``background``: the workers yield to the rest of the
    machine (WORKER_NICENESS), as the app's do; a command's own run as it does."""
    total = len(keys)
    pool = _Workers(scratch, workers if total >= rebuild.PARALLEL_MIN else 0, background)
    done = 0  # papers committed
    texts_committed = 0
    in_flight: deque[list[Prepared]] = deque()

    def tick(texts_done: int) -> None:
        progress(min(total, done + texts_done - texts_committed), total)

    def commit_oldest() -> None:
        nonlocal done, texts_committed
        batch = in_flight.popleft()
        texts = sum(1 for p in batch if p.text_from)
        commit(batch, pool.segments(tick), lambda: tick(pool.done()))
        done += len(batch)
        texts_committed += texts
        if committed is not None:
            committed(done, total)
        progress(done, total)

    progress(0, total)
    try:
        for keys_of_batch in batches(keys, pool.count):
            batch = []
            for key in keys_of_batch:
                batch.append(prepare(key))  # a PDF's text read now if not in the cache
                tick(pool.done())  # (sees a Cancel)
                if in_flight and pool.ready():
                    commit_oldest()  # searchable now, not after this batch is read
            pool.send([(p.key, p.text_from) for p in batch if p.text_from])
            in_flight.append(batch)
            if len(in_flight) > 1:
                commit_oldest()
        while in_flight:
            commit_oldest()
    except BaseException:
        pool.close(stop=True)  # (a Cancel, the window closing: the batch in flight dropped)
        raise
    pool.close()


class _Workers:
    """Worker processes writing batches of texts into segments of a scratch index, each
    its share (or, with ``count`` 0, this process)."""

    def __init__(self, scratch: Path, count: int, background: bool = True) -> None:
        self.scratch = scratch
        self.count = count
        self.procs: list[subprocess.Popen[str]] = []
        self.errfiles: list[Path] = []
        self.found: list[queue.Queue[Path | None]] = []
        self.counts: list[int] = []
        self.waiting: deque[list[tuple[str, str]]] = deque()  # this process's batches
        self._here_done = 0
        for n in range(count):
            errfile = scratch / f"worker-{n}.log"
            proc = rebuild.start_worker(
                rebuild.worker_command(scratch, scratch / f"segments-{n}"), errfile
            )
            if background:
                with contextlib.suppress(OSError, AttributeError):  # (not on Windows)
                    # Background work: the app (and the rest of the machine) come first.
                    os.setpriority(os.PRIO_PROCESS, proc.pid, WORKER_NICENESS)
            self.procs.append(proc)
            self.errfiles.append(errfile)
            self.found.append(queue.Queue())
            self.counts.append(0)
            threading.Thread(target=self._read, args=(n,), daemon=True).start()

    def _read(self, n: int) -> None:
        """(A thread per worker) its progress counts and the paths of its segments."""
        rebuild.read_output(self.procs[n], self.counts, n, self.found[n].put)
        self.found[n].put(None)  # ended

    def done(self) -> int:
        """Texts written so far, in all."""
        return sum(self.counts) + self._here_done

    def send(self, texts: list[tuple[str, str]]) -> None:
        """One batch's texts, shared out (each worker ends its part of the batch)."""
        if not self.procs:
            self.waiting.append(texts)
            return
        for n, proc in enumerate(self.procs):
            assert proc.stdin is not None
            share = texts[n :: len(self.procs)]
            try:
                proc.stdin.write("".join(f"{key}\t{sha}\n" for key, sha in share) + "\n")
                proc.stdin.flush()
            except OSError:
                self._failed(n)

    def ready(self) -> bool:
        """Whether the oldest batch sent is written (this process: it writes it when asked)."""
        return not self.procs or all(not found.empty() for found in self.found)

    def segments(self, tick: Callable[[int], None]) -> list[Any]:
        """The segments of the oldest batch sent, once written (``tick`` hears the texts
        done meanwhile)."""
        if not self.procs:
            texts = self.waiting.popleft()
            ix = Storage(str(self.scratch)).open_index(FULLTEXT)
            base = self._here_done
            written = rebuild.text_segments(ix, texts, lambda n: tick(base + n))
            self._here_done += len(texts)
            return written
        found: list[Any] = []
        for n in range(len(self.procs)):
            while True:
                try:
                    path = self.found[n].get(timeout=POLL_S)
                except queue.Empty:
                    tick(self.done())
                    continue
                if path is None:
                    self._failed(n)
                with path.open("rb") as f:
                    found.extend(pickle.load(f))
                path.unlink()
                break
        return found

    def _failed(self, n: int) -> NoReturn:
        raise SearchIndexError(
            f"{self.scratch}: a full-text indexing process failed "
            f"({rebuild.worker_failure(self.procs[n], self.errfiles[n])})"
        )

    def close(self, stop: bool = False) -> None:
        """End the workers: at the end of their input (killed if still at work after
        :data:`END_WAIT_S`), or, with ``stop``, at once (a Cancel, the window closing: the
        segments they write go with the scratch folder). Closing the window during the
        text phase waited END_WAIT_S for each worker in the middle of its batch: the UI
        froze for over a second."""
        for proc in self.procs:
            if proc.poll() is None:
                if stop:
                    with contextlib.suppress(OSError):
                        proc.terminate()
                else:
                    with contextlib.suppress(OSError, ValueError):
                        assert proc.stdin is not None
                        proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=END_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            rebuild.close_pipes(proc)
        self.procs = []


def add_segments(opened: Opened, scratch: Path, segments: list[Any], timeout: float) -> None:
    """Make ``segments`` (written in ``scratch``) part of the live full-text index: their
    files moved into its folder, then a new table of contents listing them too (the
    caller holds the writers' lock)."""
    if not segments:
        return
    names = {seg.segment_id() for seg in segments}
    for path in scratch.iterdir():
        if path.name.partition(".")[0] in names:
            os.replace(path, opened.folder / path.name)
    tw = writer(opened.fulltext, timeout=timeout)
    try:
        tw._close_segment()
        tw._commit_toc([*tw.segments, *segments])
    finally:
        tw._finish()
    # Noted now, not with the records' commit after: the files noted before list the
    # table of contents this commit replaced, and a stop in between (a Cancel during the
    # records' write, a crash) left an index the next start found damaged and rebuilt.
    record_files(opened.folder)
    opened.checked = False


def reclaim(opened: Opened, timeout: float) -> bool:
    """At the end of the second phase, drop the papers index's segments it emptied and
    merge those it left mostly deleted (the first phase's, holding the records of papers
    without a PDF): queries no longer read past their deleted records. Whether it
    committed. (Its batch segments, of BATCH_PER_WORKER records per worker, are kept:
    merging 10,000 records would keep edits waiting for the writers' lock.)

    The same papers, the same records: those in memory are kept (and saved for the next
    process), not decoded again from the index by the next search (at 10,000 papers, with
    the collection that follows a decoding of them all, ~90 ms of the UI thread's time,
    the longest stall at the end of a first open's text phase)."""
    if not any(_emptied(seg) for seg in opened.papers._segments()):
        return False
    pw = writer(opened.papers, timeout=timeout)
    try:
        pw.commit(mergetype=_reclaiming)
    except BaseException:
        with contextlib.suppress(Exception):
            pw.cancel()
        raise
    record_files(opened.folder)
    if opened.entries is not None and opened.entries_gen == pw.generation - 1:
        opened.entries_gen = pw.generation
        records_file.save(opened.folder, pw.generation, opened.entries)
    opened.checked = False
    return True


def _emptied(seg: Any) -> bool:
    return bool(2 * seg.deleted_count() > seg.doc_count_all())


def _reclaiming(w: SegmentWriter, segments: list[Any]) -> list[Any]:
    kept = []
    for seg in segments:
        if seg.doc_count() == 0:
            continue  # every record written again elsewhere: dropped as it is
        if _emptied(seg):
            reader = SegmentReader(w.storage, w.schema, seg)
            w.add_reader(reader)
            reader.close()
        else:
            kept.append(seg)
    return kept


# -- the second phase, for the index facade -----------------------------------------------


class Index(Protocol):
    """What the second phase uses of :class:`~.index.WhooshIndex`."""

    library: Library
    dir: Path
    write_timeout: float
    texts_in_background: bool
    _lock: threading.RLock
    _retry_failed: bool

    def _ready(
        self, progress: Progress | None = None, stale_ok: bool = False
    ) -> tuple[Opened, str | None]: ...

    def _writing(self, timeout: float | None = None) -> contextlib.AbstractContextManager[None]: ...

    def _write(self, prepared: list[Prepared], check: Callable[[], None] | None = None) -> None: ...

    def _extract(self, pdf: Path, sha: str, retry_failed: bool = False) -> PdfText: ...


def now(index: Index, progress: Progress | None) -> int:
    """The second phase, now unless the app does it in the background; papers left."""
    if index.texts_in_background:
        return pending(index)
    return index_pending(index, progress)


def pending(index: Index) -> int:
    """Papers whose PDF text (and abstract) a build left to its second phase."""
    with index._lock:
        opened, _ = index._ready()
        if not (opened.folder / TEXTS_PENDING).exists():
            return 0
        return views_of(opened).pending


def index_pending(
    index: Index,
    progress: Progress | None = None,
    committed: Callable[[int, int], None] | None = None,
) -> int:
    """The second phase of a build: the papers its first phase left pending get their PDF
    text and their whole record, newest first, in batches that are searchable as they are
    committed (``committed`` hears each: papers done, of how many). ``progress`` hears the
    papers done, and may raise to stop (what was committed stays; the next call does the
    rest). Returns at once when another program is doing it. The papers still pending."""
    if not pending(index):
        return 0  # (the marker's absence: a command line's every call looks no further)
    from filelock import FileLock, Timeout  # a search with nothing pending never loads it

    lock = FileLock(str(index.dir / TEXTS_LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("%s: another program is indexing the full text", index.dir)
        return pending(index)
    try:
        _complete_pending(index, progress, committed)
    finally:
        lock.release()
    return pending(index)


class _Replaced(Exception):
    """The index was replaced (rebuilt by another program) during a second phase."""


def _complete_pending(
    index: Index, progress: Progress | None, committed: Callable[[int, int], None] | None
) -> None:
    with index._lock:
        opened, _ = index._ready()
        if not (opened.folder / TEXTS_PENDING).exists():
            return
        entries = entries_of(opened)
        keys = [k for k in views_of(opened).by_newest if entries[k].text_state == PENDING]
        before = {k: entries[k] for k in keys}
        name = opened.name
        with index._writing():
            _drop_texts(opened, keys, index.write_timeout)
        scratch = scratch_index(opened.folder)
    retry = index._retry_failed

    def read(key: str) -> Prepared:
        return prepare(index.library, key, None, index._extract, retry)

    def commit(batch: list[Prepared], segments: list[Any], check: Callable[[], None]) -> None:
        _commit_batch(index, name, scratch, before, batch, segments, check)

    try:
        if keys:
            complete(
                keys,
                scratch,
                read,
                commit,
                progress or _no_progress,
                workers(),
                committed,
                # The app's second phase is background work; a command's (`papershelf
                # reindex`) is what its user waits for: its workers run as it does (at a
                # lower priority, a busy machine's other processes starved them).
                background=index.texts_in_background,
            )
    except _Replaced:
        log.info("%s: the index was replaced while its texts were indexed", index.dir)
        return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # The index's lock before the writers' (the order of every write), held throughout.
    with index._lock, index._writing():
        opened, _ = index._ready()
        if opened.name != name or views_of(opened).pending:
            return
        reclaim(opened, index.write_timeout)
        (opened.folder / TEXTS_PENDING).unlink(missing_ok=True)
    index._retry_failed = False


def _commit_batch(
    index: Index,
    name: str,
    scratch: Path,
    before: dict[str, Entry],
    batch: list[Prepared],
    segments: list[Any],
    check: Callable[[], None] | None = None,
) -> None:
    """Commit one batch of the second phase: its texts' segments, then its papers'
    records. A paper whose record changed since the phase began is read again and
    written as it is now (its text replacing the batch's). ``check`` may raise to stop
    (a Cancel): the batch's papers stay pending (its texts, if committed, are dropped
    again by the next run, :func:`_drop_texts`).

    With the collector paused (:func:`~desktop_app.core.memory.gc_paused`): a writer's
    postings of 1,000 whole records (~30,000 terms, ~100,000 tracked objects) outnumbered
    the objects left out of the full passes once the window had settled, so the write's
    allocations set off a full pass every few hundred records, each walking them all
    (20-100 ms of the GIL, the UI thread's longest stalls of the text phase). Freed as the
    writer ends, they are never walked now."""
    with index._lock, index._writing(), gc_paused():
        opened, _ = index._ready()
        if opened.name != name:
            raise _Replaced
        entries = entries_of(opened)
        again = {p.key for p in batch if entries.get(p.key) != before.get(p.key)}
        fresh = [p for p in batch if p.key not in again]
        for p in fresh:
            p.text_from = None  # in the segments
        add_segments(opened, scratch, segments, index.write_timeout)
        redo = [prepare(index.library, k, None, index._extract) for k in sorted(again)]
        records = fresh + redo
        # A commit per RECORDS papers: a writer holds their postings in memory until then.
        for start in range(0, len(records), RECORDS):
            index._write(records[start : start + RECORDS], check)


def _drop_texts(opened: Opened, keys: list[str], timeout: float) -> None:
    """Remove the texts of pending papers that the full-text index holds: those of a
    batch whose texts were committed, but not its records (a crash in between), which
    are indexed again."""
    if not keys or not opened.fulltext.doc_count():
        return
    with opened.fulltext.reader() as reader:
        there = [k for k in keys if ("key", k) in reader]
    if not there:
        return
    tw = writer(opened.fulltext, timeout=timeout)
    try:
        for key in there:
            tw.delete_by_term("key", key)
    except BaseException:
        tw.cancel()
        raise
    tw.commit(merge=False)
    record_files(opened.folder)
    opened.checked = False


def _no_progress(done: int, total: int) -> None:
    pass
