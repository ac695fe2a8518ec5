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
from typing import Any, NoReturn

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from desktop_app.core.errors import SearchIndexError
from desktop_app.core.search.query import FULLTEXT
from desktop_app.core.search.whoosh import rebuild
from desktop_app.core.search.whoosh.codec import writer
from desktop_app.core.search.whoosh.documents import Prepared
from desktop_app.core.search.whoosh.opened import Opened
from desktop_app.core.search.whoosh.store import Storage, fulltext_schema, record_files

log = logging.getLogger(__name__)

#: Papers per worker and batch: each batch commits a segment of this many texts per worker
#: (the segments a rebuild wrote in one phase had ~550).
BATCH_PER_WORKER = 500
#: ... in the first batch, so that the first full-text hits come within seconds.
FIRST_BATCH_PER_WORKER = 50
SCRATCH_PREFIX = ".scratch-"
#: The second phase writes the papers' records in a segment per batch; at its end those
#: with fewer records than this are merged (a one-phase rebuild wrote one per ~3,000).
MERGED_PAPERS = 3000
POLL_S = 0.2  # how often waiting for the workers reports progress (and sees a Cancel)


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
    return rebuild._workers()


def batches(keys: list[str], workers: int) -> Iterator[list[str]]:
    """``keys`` in batches: a small one first, then BATCH_PER_WORKER per worker."""
    per = max(1, workers)
    start, size = 0, FIRST_BATCH_PER_WORKER * per
    while start < len(keys):
        yield keys[start : start + size]
        start, size = start + size, BATCH_PER_WORKER * per


#: Commits one batch: (the papers read again, the segments of their texts).
Commit = Callable[[list[Prepared], list[Any]], None]


def complete(
    keys: list[str],
    scratch: Path,
    prepare: Callable[[str], Prepared],
    commit: Commit,
    progress: Callable[[int, int], None],
    workers: int,
    committed: Callable[[int, int], None] | None = None,
) -> None:
    """Complete the papers ``keys`` (pending) in batches: each read again (``prepare``),
    its text written into segments of the ``scratch`` index, committed by ``commit``.
    While the workers write one batch the next one is read. ``progress`` hears the papers
    done (and may raise to stop: the batch in flight is dropped), ``committed`` the papers
    searchable after each batch."""
    total = len(keys)
    pool = _Workers(scratch, workers if total >= rebuild.PARALLEL_MIN else 0)
    done = 0  # papers committed
    texts_committed = 0
    in_flight: deque[list[Prepared]] = deque()

    def tick(texts_done: int) -> None:
        progress(min(total, done + texts_done - texts_committed), total)

    def commit_oldest() -> None:
        nonlocal done, texts_committed
        batch = in_flight.popleft()
        texts = sum(1 for p in batch if p.text_from)
        commit(batch, pool.segments(tick))
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
    finally:
        pool.close()


class _Workers:
    """Worker processes writing batches of texts into segments of a scratch index, each
    its share (or, with ``count`` 0, this process)."""

    def __init__(self, scratch: Path, count: int) -> None:
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
            with errfile.open("w", encoding="utf-8") as err:
                proc = subprocess.Popen(
                    rebuild._worker_command(scratch, scratch / f"segments-{n}"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                    env=rebuild._worker_env(),
                )
            self.procs.append(proc)
            self.errfiles.append(errfile)
            self.found.append(queue.Queue())
            self.counts.append(0)
            threading.Thread(target=self._read, args=(n,), daemon=True).start()

    def _read(self, n: int) -> None:
        """(A thread per worker) its progress counts and the paths of its segments."""
        stdout = self.procs[n].stdout
        assert stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                if line.startswith(rebuild.SEGMENTS + " "):
                    self.found[n].put(Path(line[len(rebuild.SEGMENTS) + 1 :].rstrip("\n")))
                else:
                    with contextlib.suppress(ValueError):
                        self.counts[n] = int(line)
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
            written = rebuild._text_segments(ix, texts, lambda n: tick(base + n))
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
        proc = self.procs[n]
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        last = self.errfiles[n].read_text(encoding="utf-8", errors="replace").strip()
        detail = last.splitlines()[-1] if last else ""
        raise SearchIndexError(
            f"{self.scratch}: a full-text indexing process failed "
            f"(exit status {proc.returncode}{': ' + detail if detail else ''})"
        )

    def close(self) -> None:
        """End the workers (killed if still at work)."""
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(OSError, ValueError):
                    assert proc.stdin is not None
                    proc.stdin.close()
                try:
                    proc.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    with contextlib.suppress(OSError, ValueError):
                        stream.close()
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
    opened.checked = False


def reclaim(opened: Opened, timeout: float) -> int:
    """At the end of the second phase, merge the papers index's segments it emptied (most
    of their records written again: queries no longer read past them) and those of its
    batches (into segments of the size a one-phase rebuild wrote: fewer to search). Searches
    go on meanwhile (the caller holds the writers' lock only); the new generation."""
    pw = writer(opened.papers, timeout=timeout)
    try:
        pw.commit(mergetype=_reclaiming)
    except BaseException:
        with contextlib.suppress(Exception):
            pw.cancel()
        raise
    record_files(opened.folder)
    return int(pw.generation)


def _reclaiming(w: SegmentWriter, segments: list[Any]) -> list[Any]:
    kept = []
    small = [s for s in segments if s.doc_count() < MERGED_PAPERS]
    for seg in segments:
        if seg.doc_count() == 0:
            continue  # every record written again elsewhere: dropped as it is
        if 2 * seg.deleted_count() > seg.doc_count_all() or (len(small) > 1 and seg in small):
            reader = SegmentReader(w.storage, w.schema, seg)
            w.add_reader(reader)
            reader.close()
        else:
            kept.append(seg)
    return kept
