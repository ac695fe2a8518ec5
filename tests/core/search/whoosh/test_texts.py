"""A build in two phases (issue #18): the records first (the list and the searches of
metadata, tags and notes work), then the full text in batches that are searchable as they
are committed, resumed after a crash or a quit with the papers still missing only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import Cancelled
from desktop_app.core.library import Library
from desktop_app.core.pdf.text import TextExtractor
from desktop_app.core.search.api import SortOrder
from desktop_app.core.search.whoosh import codec, rebuild, records, store, texts
from desktop_app.core.search.whoosh.documents import PENDING, Entry
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.collector import collections_within
from tests.helpers.indexing import add_extras, keys

EXTRAS = 8  # papers 2402.0000<i>, a PDF each: "wavelet number<i>", "end"


@pytest.fixture
def big(lib: Library, monkeypatch: pytest.MonkeyPatch) -> Library:
    """The three papers of ``lib`` and EXTRAS more with a PDF; batches of two papers (the
    first of one), written by two worker processes."""
    add_extras(lib, EXTRAS)
    monkeypatch.setattr(texts, "FIRST_BATCH_PER_WORKER", 1)
    monkeypatch.setattr(texts, "BATCH_PER_WORKER", 2)
    monkeypatch.setattr(texts, "workers", lambda: 1)
    return lib


def texts_indexed(ix: WhooshIndex) -> int:
    """The documents of the full-text index (a text indexed twice would count twice)."""
    opened = ix._open
    assert opened is not None
    return int(opened.fulltext.doc_count())


def test_the_list_and_metadata_search_work_before_the_full_text(
    lib: Library, extractor: TextExtractor
) -> None:
    with WhooshIndex(lib, extractor=extractor, texts_in_background=True) as ix:
        searchable_at: list[int] = []
        report = ix.sync(built=lambda: searchable_at.append(ix.search("").total))
        assert searchable_at == [3]  # the whole list, as soon as the records were built
        assert report.rebuilt and report.texts_pending == 3
        assert keys(ix, "author:gomez") == ["2504.00001"]
        assert keys(ix, "tag:rag") == ["2504.00001"]
        assert keys(ix, "note:colbert") == ["2504.00001"]
        assert keys(ix, "year:2023") == ["2301.00002"]
        # Not yet: the PDF's text and the abstracts; a query that reads them says so.
        pending = ix.search("citation")
        assert pending.total == 0 and pending.texts_pending == 3
        assert ix.search("tag:rag").texts_pending == 0  # it reads no text: nothing to say
        assert keys(ix, "incompleteness") == []

        assert ix.index_texts() == 0
        assert keys(ix, "citation") == ["2301.00002"]
        assert keys(ix, "incompleteness") == ["1907.00003"]
        assert keys(ix, "has:text") == ["2301.00002"]
        assert ix.search("citation").texts_pending == 0
        assert ix.stats().pdfs_indexed == 1
        # Done for good: the next start has nothing left to do.
    with WhooshIndex(lib, extractor=extractor, texts_in_background=True) as again:
        assert again.sync().texts_pending == 0


def test_full_text_hits_appear_as_batches_are_committed(
    big: Library, extractor: TextExtractor
) -> None:
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        seen: list[tuple[int, int, int]] = []

        def committed(done: int, total: int) -> None:
            found = ix.search("wavelet")
            seen.append((done, found.total, found.texts_pending))

        assert ix.index_texts(committed=committed) == 0
        done = [d for d, _, _ in seen]
        hits = [h for _, h, _ in seen]
        assert done == sorted(done) and done[-1] == EXTRAS + 3 and len(seen) >= 4
        assert hits == sorted(hits) and 0 < hits[0] < EXTRAS and hits[-1] == EXTRAS
        assert [p for _, _, p in seen] == [EXTRAS + 3 - d for d in done]
        assert texts_indexed(ix) == EXTRAS + 1
    with WhooshIndex(big, extractor=extractor) as again:
        assert sorted(keys(again, "fulltext:number3")) == ["2402.00003"]


def test_a_stopped_second_phase_resumes_with_the_papers_missing_only(
    big: Library, extractor: TextExtractor
) -> None:
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        calls: list[int] = []

        def stop_after_a_commit(done: int, total: int) -> None:
            calls.append(done)
            if done >= 3:
                raise Cancelled  # Cancel in the status bar, or the window closing

        with pytest.raises(Cancelled):
            ix.index_texts(stop_after_a_commit)
        left = ix.texts_pending()
        assert 0 < left < EXTRAS + 3
        found = len(keys(ix, "wavelet"))
        assert found + left >= EXTRAS  # what was committed stays
        opened = ix._open
        assert opened is not None
        assert not list(opened.folder.glob(texts.SCRATCH_PREFIX + "*"))

    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as again:
        assert again.sync().texts_pending == left
        totals: list[int] = []
        assert again.index_texts(lambda d, t: totals.append(t)) == 0
        assert set(totals) == {left}  # only the papers missing were indexed
        assert len(keys(again, "wavelet")) == EXTRAS
        assert texts_indexed(again) == EXTRAS + 1  # each text once


def test_a_killed_second_phase_leaves_a_working_index_and_resumes(
    big: Library, tmp_path: Path
) -> None:
    """A process killed in the middle of the second phase (its workers at work): the index
    it leaves is searched as it is, and the next start completes it."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from desktop_app.core.library import Library
        from desktop_app.core.search.whoosh import texts
        from desktop_app.core.search.whoosh.index import WhooshIndex
        texts.FIRST_BATCH_PER_WORKER, texts.BATCH_PER_WORKER = 1, 2
        texts.workers = lambda: 2
        texts.rebuild.PARALLEL_MIN = 2
        ix = WhooshIndex(Library.open(Path({str(big.root)!r})), texts_in_background=True)
        ix.sync()
        def killed(done, total):
            if done >= 2:
                os._exit(9)
        ix.index_texts(committed=killed)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(rebuild.__file__).parents[4])}
    run = subprocess.run([sys.executable, "-c", script], env=env, timeout=120, check=False)
    assert run.returncode == 9

    with WhooshIndex(big, texts_in_background=True) as ix:
        report = ix.sync()
        assert not report.rebuilt  # not damaged
        left = report.texts_pending
        assert 0 < left < EXTRAS + 3
        assert ix.search("").total == EXTRAS + 3
        assert 0 < len(keys(ix, "wavelet")) < EXTRAS
        assert ix.index_texts() == 0
        assert len(keys(ix, "fulltext:end")) == EXTRAS
        assert texts_indexed(ix) == EXTRAS + 1
        opened = ix._open
        assert opened is not None
        assert not list(opened.folder.glob(texts.SCRATCH_PREFIX + "*"))


def test_an_edit_made_during_the_second_phase_is_kept(
    big: Library, extractor: TextExtractor
) -> None:
    """A paper whose batch was read, then edited (its tags) before the batch's commit:
    the commit keeps the edit, and its text is indexed once."""
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        first = keys(ix, "", sort=SortOrder.ADDED)[0]  # the first paper the phase reads
        assert first.startswith("2402.")
        calls: list[int] = []

        def edit_after_the_first_read(done: int, total: int) -> None:
            calls.append(done)
            if len(calls) == 2:  # (the first call comes before anything was read)
                big.add_tags(first, ["edited"])  # the index observes the library

        assert ix.index_texts(edit_after_the_first_read) == 0
        assert keys(ix, "tag:edited") == [first]
        assert keys(ix, f"fulltext:number{first[-1]}") == [first]
        assert texts_indexed(ix) == EXTRAS + 1
        entry = ix.entry(first)
        assert entry is not None and entry.text_state == "ok"
        assert "edited" in entry.summary.tags


def test_the_command_line_index_waits_for_the_full_text(
    big: Library, extractor: TextExtractor
) -> None:
    """Without ``texts_in_background`` (the CLI), a sync returns with everything indexed."""
    with WhooshIndex(big, extractor=extractor) as ix:
        report = ix.sync()
        assert report.rebuilt and report.texts_pending == 0
        assert len(keys(ix, "wavelet")) == EXTRAS


def test_texts_committed_without_their_records_are_not_indexed_twice(
    big: Library, extractor: TextExtractor
) -> None:
    """A crash between a batch's two commits (its texts, then its records) leaves texts of
    papers still pending: the next run indexes those papers again, each text once."""
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        opened = ix._open
        assert opened is not None
        tw = codec.writer(opened.fulltext)
        tw.add_document(**store.text_doc("2402.00000", "wavelet number0\fend"))
        tw.commit()
        assert ix.texts_pending() == EXTRAS + 3
        assert ix.index_texts() == 0
        assert texts_indexed(ix) == EXTRAS + 1
        assert keys(ix, "fulltext:number0") == ["2402.00000"]


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="Unix scheduling priorities")
def test_the_apps_workers_yield_and_a_commands_run_as_it_does(tmp_path: Path) -> None:
    """The app's second phase is background work: its worker processes run at a lower
    priority. A command's (`papershelf reindex`), which its user waits for, run at the
    command's own: at a lower one, a busy machine's other processes starved them."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own >= texts.WORKER_NICENESS:
        pytest.skip("the tests run at a priority as low as the workers'")
    for background, expected in ((True, texts.WORKER_NICENESS), (False, own)):
        scratch = texts.scratch_index(tmp_path)
        pool = texts._Workers(scratch, 1, background)
        try:
            assert os.getpriority(os.PRIO_PROCESS, pool.procs[0].pid) == expected
        finally:
            pool.close()


def test_a_batch_is_committed_with_the_collector_paused(
    big: Library, extractor: TextExtractor
) -> None:
    """A writer's postings of a batch's records (~100,000 objects at 1,000 papers) set off
    full passes of the collector over themselves every few hundred records, each holding
    the GIL for up to ~100 ms (the window's longest stalls of a first open). No collection
    runs while a batch is committed now (collections made likely here: a low threshold,
    the test process's own objects left out)."""
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        with collections_within("write_prepared") as ran_in:
            assert ix.index_texts() == 0
        assert len(keys(ix, "wavelet")) == EXTRAS
    assert not ran_in  # (no function set off a collection while records were written)


def test_a_cancel_while_a_batch_is_written_stops_it_and_loses_nothing(
    big: Library, extractor: TextExtractor
) -> None:
    """Closing the window while a batch's records were written (1,000 papers: seconds)
    waited for the whole batch, the window frozen meanwhile. The write stops now; its
    papers stay pending, and the next run indexes them, each text once."""
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        total = ix.texts_pending()

        def cancel_while_writing(done: int, of: int) -> None:
            frame: Any = sys._getframe(1)
            while frame is not None and frame.f_code.co_name != "write_prepared":
                frame = frame.f_back
            if frame is not None:
                raise Cancelled  # the window closing

        with pytest.raises(Cancelled):
            ix.index_texts(cancel_while_writing)
        assert ix.texts_pending() == total  # the first batch's records: not written
        assert keys(ix, "author:gomez") == ["2504.00001"]
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as again:
        report = again.sync()
        assert report.texts_pending == total
        assert not report.rebuilt  # (its texts' commit was noted: not found damaged)
        assert again.index_texts() == 0
        assert len(keys(again, "wavelet")) == EXTRAS
        assert texts_indexed(again) == EXTRAS + 1  # each text once


@pytest.mark.skipif(sys.platform == "win32", reason="Unix signals")
def test_a_stopped_second_phase_ends_its_workers_at_once(
    big: Library, extractor: TextExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Cancel (or the window closing) ended the workers' input and waited up to half a
    second for each to end its batch before killing it: closing the window during the
    text phase froze it for over a second. They are stopped (SIGTERM) at once now."""
    monkeypatch.setattr(texts, "workers", lambda: 2)
    monkeypatch.setattr(rebuild, "PARALLEL_MIN", 2)
    started: list[subprocess.Popen[str]] = []
    start_worker = rebuild.start_worker

    def worker(*args: Any, **kwargs: Any) -> subprocess.Popen[str]:
        started.append(start_worker(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(rebuild, "start_worker", worker)

    def cancel_once_sent(done: int, total: int) -> None:
        frame: Any = sys._getframe(1)
        while frame is not None and frame.f_code.co_name != "commit_oldest":
            frame = frame.f_back
        if frame is not None:
            raise Cancelled  # the window closes as a batch sent is waited for or committed

    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        with pytest.raises(Cancelled):
            ix.index_texts(cancel_once_sent)
        assert ix.texts_pending() == EXTRAS + 3
    assert len(started) == 2
    assert [proc.returncode for proc in started] == [-signal.SIGTERM] * 2


def test_the_records_in_memory_are_kept_when_the_phase_ends(
    big: Library, extractor: TextExtractor
) -> None:
    """The end of the second phase drops the first phase's emptied segments: the same
    papers, the same records. They were decoded again from the index by the next search
    (with the collection after, ~90 ms of the UI thread at 10,000 papers); they are kept
    now, and saved for the next process."""
    with WhooshIndex(big, extractor=extractor, texts_in_background=True) as ix:
        ix.sync()
        ix.search("")
        opened = ix._open
        assert opened is not None and opened.entries is not None
        in_memory = opened.entries
        generation = opened.entries_gen
        assert ix.index_texts() == 0
        assert len(keys(ix, "wavelet")) == EXTRAS
        assert ix._open is opened and opened.entries is in_memory  # not decoded again
        assert opened.entries_gen > generation

        def reread(key: str) -> Entry:
            raise AssertionError(f"{key}: read again from the index")

        saved = records.load(opened.folder, opened.entries_gen, reread)
        assert saved is not None and dict(saved) == dict(in_memory)
        assert all(e.text_state != PENDING for e in saved.values())
