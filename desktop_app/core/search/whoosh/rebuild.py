"""Rebuilding the index: a whole new index folder, written while searches go on on the old
one; and the worker processes that index full texts.

A rebuild writes a new ``index-<hex>`` folder with the papers' records and switches CURRENT
to it in one atomic rename, so a reader never sees half an index (the first phase of a
build). The app's build leaves the PDFs' texts to the second phase (:mod:`.texts`), in
batches committed into the live index: with enough papers and cores, worker processes
(``python -m desktop_app.core.search.whoosh.rebuild``, or a frozen app's own executable,
see packaging/entry.py) each write segments of their share of a batch. The command line's
build writes each paper's whole record and cached text at once, in the first phase's
workers (:func:`first_phase`): every core busy to the end, each record written once.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import os
import pickle
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, TextIO

from whoosh import index as whoosh_index

from desktop_app.core.errors import SearchIndexError
from desktop_app.core.library import Library
from desktop_app.core.pdf.text import PdfText, load_cached
from desktop_app.core.progress import Progress
from desktop_app.core.search.query import FULLTEXT
from desktop_app.core.search.whoosh import records as records_file
from desktop_app.core.search.whoosh import writing
from desktop_app.core.search.whoosh.codec import Writer, writer
from desktop_app.core.search.whoosh.documents import (
    PENDING,
    Entry,
    Prepared,
    cached_text,
    prepare,
)
from desktop_app.core.search.whoosh.folders import hold, remove_dead
from desktop_app.core.search.whoosh.stamp import Signals
from desktop_app.core.search.whoosh.store import (
    PAPERS,
    POINTER,
    SCHEMA_VERSION,
    TEXTS_PENDING,
    Storage,
    fulltext_schema,
    papers_schema,
    record_files,
    text_doc,
)
from desktop_app.core.storage import atomic_write_json

log = logging.getLogger(__name__)

REBUILD_LIMIT_MB = 256  # Whoosh's posting pool per writer during a rebuild
#: A rebuild's writer of the papers index ends a segment once its posting pool (by the
#: pool's own estimate, ``pool.GroupedPool``) holds this much (and enough papers not to
#: count as small): a pool over its limit would spill to runs on disk, merged at the end
#: (twice as slow). The papers index has a segment per ~5,500 papers (a pool of ~18 KB a
#: paper by the estimate, ~12 KB measured), which keeps the rebuild of 10,000 papers under
#: 400 MB for all its processes (measured with 200: one segment, the main process 201 MB).
SEGMENT_MB = 100
#: The same for each full-text writer (a worker process each): a segment per ~600 papers
#: of 6,000 words (8 segments at 5,000), whose pool then takes ~65 MB. A segment costs
#: mostly per term (the vocabulary of ~1,000 papers is about that of 10,000), so larger ones
#: cost less per paper (measured: 9.8 ms of CPU a paper to write segments of 300, 6.2 of
#: 1,000); this size keeps a rebuild's processes under 400 MB together.
TEXT_SEGMENT_MB = 64
#: SEGMENT_MB and TEXT_SEGMENT_MB for a build that writes each paper's record and text in
#: one pass (each of its workers holds a writer of each, :func:`_record_segments`): a
#: segment per ~1,600 whole records, and per ~700 texts (measured at 10,000 papers: two
#: workers of ~150 MB each, and the main process's 70 MB; 331 MB together at the most).
WITH_TEXTS_SEGMENT_MB = 24
WITH_RECORDS_TEXT_SEGMENT_MB = 48

WORKER_FLAG = "--papershelf-index-worker"
WORKER_MMAP_THRESHOLD = 1 << 20  # bytes (:func:`_worker_env`)
PARALLEL_MIN = 200  # texts below which one process indexes them all
#: Processes that index full text during a rebuild (Whoosh spends its time in Python, so
#: only processes, one per core, make it faster).
MAX_WORKERS = 4
POLL_S = 0.2  # how often waiting for the first phase's workers reports progress


def first_phase(
    library: Library, all_slim: bool, retry_failed: bool = False
) -> Callable[[str], Prepared]:
    """A paper's documents for a build's first phase (:func:`documents.prepare`): the app
    lists the records first (``all_slim``: the quickest, every text pending, written by the
    second phase). A build that does the texts before it returns (``papershelf reindex``)
    writes each record whole at once, its text state and text taken from the text cache
    (:class:`_Whole`: the text written in the same pass, :func:`_record_segments`). A paper
    whose text is not cached (or failed, and ``retry_failed``) is left pending, its PDF
    read by the second phase. (No PDF is read here.)"""
    if all_slim:
        return partial(prepare, library, old=None, extract=_no_extract, defer_text=True)
    return _Whole(library, retry_failed)


class _Whole:
    """A paper's whole documents, its text state from the text cache, and the text itself
    (:attr:`text`, the PDF's pages as the full-text index takes them; None if the paper
    has none to index): the papers whose text is not cached are left pending."""

    def __init__(self, library: Library, retry_failed: bool) -> None:
        self.library = library
        self.retry_failed = retry_failed
        self.text: str | None = None

    def __call__(self, key: str) -> Prepared:
        self.text = None
        try:
            prep = prepare(self.library, key, None, self._cached)
        except _NotCached:
            return prepare(
                self.library, key, None, _no_extract, defer_text=True, defer_without_pdf=False
            )
        if not prep.text_from:
            self.text = None
        return prep

    def _cached(self, pdf: Path, sha: str, retry_failed: bool = False) -> PdfText:
        cached = load_cached(sha)
        if cached is None or (self.retry_failed and not cached.ok):
            raise _NotCached(pdf)
        self.text = cached.text if cached.ok else None
        return cached


class _NotCached(Exception):
    """A PDF's text is not in the text cache (or is to be read again)."""


def _no_extract(pdf: Path, sha: str, retry_failed: bool = False) -> PdfText:
    raise SearchIndexError(f"{pdf}: a build's first phase reads no PDF")  # (never happens)


def build(
    cache_dir: Path,
    library: Library,
    all_slim: bool,
    progress: Progress | None,
    retry_failed: bool = False,
    switch: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
) -> int:
    """Write a whole new index folder of ``library``'s papers (their documents by
    :func:`first_phase`, slim with ``all_slim``) and switch CURRENT to it; the caller holds
    the writers' lock, or gives ``switch``, which holds it for the switch only (other
    programs' changes meanwhile go to the index being replaced, and the caller catches
    them up from the change journal). Old index folders are removed, but those searched
    meanwhile (:mod:`.folders`). The number of papers.

    This is a build's first phase. The app's (``all_slim``) writes the records only: the
    list and the searches of metadata, tags and notes work once it is done, the full-text
    index is left empty, and a marker (:data:`TEXTS_PENDING`) says that the second phase
    (:mod:`.texts`) has papers to complete. A build that does the texts before it returns
    writes the papers' records whole and their cached texts at once (:func:`first_phase`),
    and leaves the second phase only the texts not cached (``retry_failed``: and those
    that failed). With enough papers and cores, worker processes each index a share of
    the papers into segments of their own (:func:`_record_segments`).
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = f"index-{secrets.token_hex(4)}"
    folder = cache_dir / name
    folder.mkdir()
    building = hold(folder)  # not removed as dead by a process starting meanwhile
    storage = Storage(str(folder))
    papers = storage.create_index(papers_schema(), indexname=PAPERS)
    fulltext = storage.create_index(fulltext_schema(), indexname=FULLTEXT)
    # Every folder is read after these: the new index is in step with the library as of
    # them, as after a full sync (what changes meanwhile, a quick sync finds: the caller's).
    signals = Signals.now(library)
    keys = library.keys()
    if progress:
        progress(0, len(keys))
    started = time.perf_counter()
    try:
        # (A build with the texts: from as many papers as the texts' workers.)
        least = RECORDS_PARALLEL_MIN if all_slim else PARALLEL_MIN
        count = workers() if len(keys) >= least else 1
        if count > 1:
            segments, entries, texts = _RecordWorkers(
                folder, library, _mode(all_slim, retry_failed), keys, count
            ).wait(progress)
        else:
            segments, entries, texts = _record_segments(
                papers,
                first_phase(library, all_slim, retry_failed),
                keys,
                progress,
                None if all_slim else fulltext,
            )
        _commit_segments(papers, segments)
        if texts:
            _commit_segments(fulltext, texts)
        # The records as the index holds them, for the first process that reads them (the
        # app showing the list, the command line's catch-up): not decoded from the index.
        records_file.save(folder, papers.latest_generation(), entries)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        if building is not None:
            building.release()
        raise
    pending = sum(e.text_state == PENDING for e in entries.values())
    log.info(
        "%s: %d papers indexed in %.1f s (%d to complete)",
        folder,
        len(keys),
        time.perf_counter() - started,
        pending,
    )
    if pending:
        (folder / TEXTS_PENDING).touch()
    record_files(folder)
    with switch() if switch is not None else contextlib.nullcontext():
        pointer = {"schema": SCHEMA_VERSION, "dir": name, "library": str(library.root)}
        atomic_write_json(cache_dir / POINTER, pointer, durable=False)
        signals.save(cache_dir, name, full=True)
        if building is not None:
            building.release()  # live now: never removed as dead
        remove_dead(cache_dir, name)
    return len(keys)


def _record_segments(
    papers: whoosh_index.FileIndex,
    prepare: Callable[[str], Prepared],
    keys: list[str],
    progress: Progress | None,
    fulltext: whoosh_index.FileIndex | None = None,
) -> tuple[list[Any], dict[str, Entry], list[Any]]:
    """Index the records of the papers ``keys`` into new segments of ``papers`` (and, with
    ``fulltext`` and a :class:`_Whole` ``prepare``, their texts into new segments of
    ``fulltext``): the segments, the records written (those of the papers that could be
    read), and the texts' segments. ``progress`` hears the papers done now and then (and
    may raise to stop)."""
    whole = prepare if isinstance(prepare, _Whole) and fulltext is not None else None
    pw = _NewSegments(papers, writing.MERGE_BELOW)
    tw = None
    if whole is not None:
        text_mb = min(TEXT_SEGMENT_MB, WITH_RECORDS_TEXT_SEGMENT_MB)
        tw = _NewSegments(fulltext, writing.TEXT_MERGE_BELOW, text_mb)
    entries: dict[str, Entry] = {}
    try:
        for done, key in enumerate(keys, 1):
            prep = prepare(key)
            if prep.entry is not None and prep.doc is not None:
                pw.add(**prep.doc)
                entries[key] = prep.entry
                if tw is not None and whole is not None and whole.text:
                    # Two writers at once: each holds less before it ends a segment (the
                    # processes of a rebuild stay under 400 MB together).
                    pw.segment_mb = min(SEGMENT_MB, WITH_TEXTS_SEGMENT_MB)
                    tw.add(**text_doc(key, whole.text))
                    whole.text = None
            if progress and (done % 25 == 0 or done == len(keys)):
                progress(done, len(keys))
        return pw.finish(), entries, tw.finish() if tw is not None else []
    except BaseException:
        pw.cancel()
        if tw is not None:
            tw.cancel()
        raise


def workers() -> int:
    """Processes that index full text (one per core, at most MAX_WORKERS)."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def worker_command(folder: Path, outfile: Path, *more: str) -> list[str]:
    """The command line of a worker writing segments into ``folder``'s full-text index (or,
    ``more`` being ``RECORDS, library, SLIM | WHOLE``, into its papers index)."""
    args = [WORKER_FLAG, str(folder), str(outfile), *more]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop_app.core.search.whoosh.rebuild", *args]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[4])  # the folder holding desktop_app/
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    # glibc's malloc serves a block of 1 MB or more by mmap, always: a segment's postings
    # are a few columns of several MB (pool.FieldPostings), and once such a block is freed,
    # glibc by default raises that threshold to its size and serves the next segment's
    # columns from its heap, which fragments and holds ~25 MB more per worker. (Other C
    # libraries ignore the variable.)
    env.setdefault("MALLOC_MMAP_THRESHOLD_", str(WORKER_MMAP_THRESHOLD))
    return env


def start_worker(command: list[str], errfile: Path, **popen: Any) -> subprocess.Popen[str]:
    """A worker process running ``command`` (:func:`worker_command`), its stdin and stdout
    piped as text, its stderr written to ``errfile`` (``popen``: more of Popen's options)."""
    with errfile.open("w", encoding="utf-8") as err:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=_worker_env(),
            **popen,
        )


class _NewSegments:
    """Documents written into new segments of an index being built (not yet committed):
    a segment per ``segment_mb`` (SEGMENT_MB) of postings, by the pool's estimate, of at
    least ``least`` documents."""

    def __init__(
        self, ix: whoosh_index.FileIndex, least: int, segment_mb: int | None = None
    ) -> None:
        self.ix = ix
        self.least = least
        self.segment_mb = SEGMENT_MB if segment_mb is None else segment_mb
        self.segments: list[Any] = []
        self.writer = self._writer()

    def _writer(self) -> Writer:
        if not gc.isenabled():  # (a worker process: the garbage of the segment before)
            gc.collect()
        return writer(self.ix, _lk=False, limitmb=self.segment_mb + REBUILD_LIMIT_MB)

    def add(self, **doc: Any) -> None:
        writer = self.writer
        writer.add_document(**doc)
        if writer.pool.currentsize > self.segment_mb << 20 and writer.docnum >= self.least:
            self._close()
            self.writer = self._writer()

    def _close(self) -> None:
        self.segments.append(self.writer._finalize_segment())
        self.writer._tempstorage.destroy()

    def finish(self) -> list[Any]:
        """The segments written (the writer is done)."""
        if self.writer.docnum:
            self._close()
        else:
            self.writer.cancel()
        return self.segments

    def cancel(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.cancel()


def text_segments(
    ix: whoosh_index.FileIndex, texts: Iterable[tuple[str, str]], progress: Callable[[int], None]
) -> list[Any]:
    """Index the texts of (key, PDF SHA-256) pairs into new segments of ``ix``;
    ``progress`` hears the texts done now and then."""
    segments = _NewSegments(ix, writing.TEXT_MERGE_BELOW, TEXT_SEGMENT_MB)
    try:
        for done, (key, sha) in enumerate(texts, 1):
            text = cached_text(sha)
            if text:
                segments.add(**text_doc(key, text))
            if done % 10 == 0:
                progress(done)
        return segments.finish()
    except BaseException:
        segments.cancel()
        raise


def _commit_segments(ix: whoosh_index.FileIndex, segments: list[Any]) -> None:
    """Make ``segments`` (written by :class:`_NewSegments`, in this process or the workers)
    the content of the new, empty index ``ix``, as Whoosh's own multi-process writer does
    (``multisegment=True``). The index is a rebuild's own: the caller holds the lock of
    every writer of the library's index."""
    tw = writer(ix, _lk=False)
    tw._close_segment()
    tw._commit_toc(segments)
    tw._finish()


def _segment_worker(folder: str, outfile: str) -> None:
    """In a worker process: index the texts named on stdin ("key<TAB>sha" lines) into
    segments of its own, a batch at a time (an empty line, or the end of the input, ends
    a batch); print how many texts are done now and then, and, after each batch,
    ``segments PATH``: the batch's segments, a pickled list, left in PATH."""
    ix = Storage(folder).open_index(FULLTEXT)
    done = 0

    def report(n: int) -> None:
        print(done + n, flush=True)

    for number in itertools.count():
        batch = _batch(sys.stdin)
        if batch is None:
            return
        segments = text_segments(ix, batch, report)
        done += len(batch)
        path = Path(f"{outfile}.{number}")
        tmp = Path(f"{path}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(segments, f)
        os.replace(tmp, path)
        print(f"{SEGMENTS} {path}", flush=True)


#: What a worker prints before the path of a batch's segments.
SEGMENTS = "segments"


def read_output(
    proc: subprocess.Popen[str], counts: list[int], n: int, segments: Callable[[Path], None]
) -> None:
    """Read worker ``n``'s output until it ends: its progress into ``counts[n]``, the path
    of each batch's segments (``SEGMENTS PATH``) to ``segments``."""
    stdout = proc.stdout
    assert stdout is not None
    with contextlib.suppress(OSError, ValueError):
        for line in stdout:
            if line.startswith(SEGMENTS + " "):
                segments(Path(line[len(SEGMENTS) + 1 :].rstrip("\n")))
            else:
                with contextlib.suppress(ValueError):
                    counts[n] = int(line)


# -- the first phase in worker processes ---------------------------------------------------

#: Papers from which a build's first phase is shared out over worker processes: a worker
#: takes ~0.3 s to start (more on a busy machine), a paper's record ~0.5-2 ms to index.
#: (At 2,000 papers on a loaded 2-core machine the app's list came later with workers
#: than without: test_bench_firstopen.py at 2,000, 6.9 s against 3.3 s.)
RECORDS_PARALLEL_MIN = 5000
#: The worker's mode argument (and whether its records are slim, :func:`first_phase`; or
#: whole, with failed texts read again).
RECORDS = "records"
SLIM = "slim"
WHOLE = "whole"
RETRY = "retry"


def _mode(all_slim: bool, retry_failed: bool) -> str:
    return SLIM if all_slim else RETRY if retry_failed else WHOLE


#: The files of a first phase's workers in the new index folder (their log, their
#: segments' list): dot names, not the index's (:func:`store.record_files`).
RECORDS_FILES = ".records-"


def worker_failure(proc: subprocess.Popen[str], errfile: Path) -> str:
    """How a worker process ended: its exit status and the last line it wrote to
    ``errfile`` (its stderr)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    last = errfile.read_text(encoding="utf-8", errors="replace").strip()
    detail = last.splitlines()[-1] if last else ""
    return f"exit status {proc.returncode}{': ' + detail if detail else ''}"


def close_pipes(proc: subprocess.Popen[str]) -> None:
    """Close a worker's stdin and stdout (it may be gone)."""
    for stream in (proc.stdin, proc.stdout):
        if stream:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class _RecordWorkers:
    """Worker processes indexing the records of a build's first phase, a share of the
    papers each, in order (the index holds them in the order one process writes them):
    each writes segments of its own into the new index's folder, which the build then
    commits together (as the full text's workers, :func:`_segment_worker`). A worker that
    fails (killed, out of memory) fails the build with its last words; nothing else is
    lost, the index being built is removed and the old one stays."""

    def __init__(
        self, folder: Path, library: Library, mode: str, keys: list[str], count: int
    ) -> None:
        self.folder = folder
        self.total = len(keys)
        self.procs: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []
        self.counts: list[int] = []
        self.found: list[Path | None] = []
        self.readers: list[threading.Thread] = []
        self.changed = threading.Event()
        size = -(-len(keys) // count)
        try:
            for n in range(count):
                errfile = folder / f"{RECORDS_FILES}{n}.log"
                outfile = folder / f"{RECORDS_FILES}{n}.segments"
                proc = start_worker(
                    worker_command(folder, outfile, RECORDS, str(library.root), mode),
                    errfile,
                    encoding="utf-8",
                )
                self.procs.append(proc)
                self.logs.append(errfile)
                self.counts.append(0)
                self.found.append(None)
                reader = threading.Thread(target=self._read, args=(n,), daemon=True)
                reader.start()
                self.readers.append(reader)
            for n, proc in enumerate(self.procs):
                assert proc.stdin is not None
                with contextlib.suppress(OSError):  # (a worker gone: found by wait)
                    proc.stdin.write("".join(f"{k}\n" for k in keys[n * size : (n + 1) * size]))
                    proc.stdin.close()
        except BaseException:
            self.close()
            raise

    def _read(self, n: int) -> None:
        """(A thread per worker) its progress counts and the path of its segments."""
        read_output(self.procs[n], self.counts, n, partial(self.found.__setitem__, n))
        self.changed.set()

    def wait(self, progress: Progress | None) -> tuple[list[Any], dict[str, Entry], list[Any]]:
        """The segments written by all the workers, in order, the records they wrote and
        the segments of the texts they wrote (the workers ended). ``progress`` hears the papers
        done now and then, and may raise to stop (the workers are killed)."""
        try:
            while True:
                running = False
                for n, reader in enumerate(self.readers):
                    if reader.is_alive():
                        running = True
                    elif self.found[n] is None:
                        self._failed(n)
                if not running:
                    break
                self.changed.wait(POLL_S)
                self.changed.clear()
                if progress:  # (called on: it may stop the build)
                    # All done once the segments are written (their papers all indexed).
                    progress(min(sum(self.counts), self.total - 1), self.total)
            segments: list[Any] = []
            entries: dict[str, Entry] = {}
            texts: list[Any] = []
            for n, path in enumerate(self.found):
                assert path is not None
                if self.procs[n].wait() != 0:
                    self._failed(n)
                with path.open("rb") as f:
                    written, records, texts_written = pickle.load(f)
                segments.extend(written)
                entries.update(records)
                texts.extend(texts_written)
            for errfile in self.logs:  # what the workers said (papers not indexed)
                for line in errfile.read_text(encoding="utf-8", errors="replace").splitlines():
                    log.warning("%s", line)
            if progress:
                progress(self.total, self.total)
            return segments, entries, texts
        finally:
            self.close()

    def _failed(self, n: int) -> NoReturn:
        raise SearchIndexError(
            f"{self.folder}: a process indexing the papers' records failed "
            f"({worker_failure(self.procs[n], self.logs[n])}); "
            "the search index was not replaced"
        )

    def close(self) -> None:
        """End the workers (killed if still at work) and remove their files."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            close_pipes(proc)
        for path in self.folder.glob(RECORDS_FILES + "*"):
            path.unlink(missing_ok=True)
        self.procs = []


def _records_worker(folder: str, outfile: str, root: str, mode: str) -> None:
    """In a worker process: index the records of the papers named on stdin (a key a line)
    into segments of its own in ``folder``'s papers index (:func:`_record_segments`); print
    how many are done now and then, and at the end ``segments PATH``: the segments and
    the records written, pickled, left in PATH."""
    library = Library.open(Path(root), create=False)
    storage = Storage(folder)
    papers = storage.open_index(PAPERS)
    fulltext = None if mode == SLIM else storage.open_index(FULLTEXT)
    keys = [line.rstrip("\n") for line in sys.stdin if line.strip()]

    def report(done: int, total: int) -> None:
        print(done, flush=True)

    prepare = first_phase(library, mode == SLIM, mode == RETRY)
    found = _record_segments(papers, prepare, keys, report, fulltext)
    path = Path(outfile)
    tmp = Path(f"{path}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(found, f)
    os.replace(tmp, path)
    print(f"{SEGMENTS} {path}", flush=True)


def _batch(lines: TextIO) -> list[tuple[str, str]] | None:
    """The (key, sha) pairs up to an empty line or the end (None: nothing left)."""
    batch: list[tuple[str, str]] = []
    for line in lines:
        if line == "\n":
            return batch
        key, _, sha = line.rstrip("\n").partition("\t")
        batch.append((key, sha))
    return batch or None


def run_worker_if_requested(argv: list[str] | None = None) -> None:
    """Serve as an indexing worker (full text, or with ``RECORDS`` the papers' records),
    then exit, when started as one.

    A frozen app's entry point calls this first thing: its own executable is the worker.
    """
    argv = sys.argv if argv is None else argv
    if len(argv) >= 4 and argv[1] == WORKER_FLAG:
        # The collector's passes over a worker's growing heap (its writers' postings) cost
        # ~5% of its time: a worker collects once a segment instead (:class:`_NewSegments`).
        gc.disable()
    if len(argv) >= 7 and argv[1] == WORKER_FLAG and argv[4] == RECORDS:
        _records_worker(argv[2], argv[3], argv[5], argv[6])
        sys.exit(0)
    if len(argv) >= 4 and argv[1] == WORKER_FLAG:
        _segment_worker(argv[2], argv[3])
        sys.exit(0)


if __name__ == "__main__":
    # Through the module's own name, not __main__: what a worker pickles (its segments)
    # names real modules only.
    from desktop_app.core.search.whoosh import rebuild as _named

    _named.run_worker_if_requested()
