"""Rebuilding the index: on demand, in parallel worker processes, in segments that later
changes keep."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import SearchIndexError
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.pdf.text import TextExtractor
from desktop_app.core.search.whoosh import rebuild, records, writing
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.search.whoosh.opened import _decoded
from tests.helpers.indexing import add_extras, add_paper, keys


def test_rebuild_on_demand(ix: WhooshIndex) -> None:
    report = ix.rebuild()
    assert report.rebuilt and report.added == 3
    assert ix.search("").total == 3


def test_parallel_rebuild_finds_the_same(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_extras(lib, 4)
    queries = ("retrieval", "fulltext:wavelet", "fulltext:number2", "graphs", "tag:rag", "")
    before = {q: sorted(keys(ix, q)) for q in queries}
    monkeypatch.setattr(rebuild, "PARALLEL_MIN", 2)
    monkeypatch.setattr(rebuild, "workers", lambda: 2)
    ix.rebuild()
    assert {q: sorted(keys(ix, q)) for q in queries} == before
    assert before["fulltext:wavelet"] == [f"2402.0000{i}" for i in range(4)]
    opened = ix._open
    assert opened is not None
    hidden = [p.name for p in opened.folder.iterdir() if not p.is_file() or p.name[0] == "."]
    assert hidden in ([], [records.RECORDS])  # nothing the workers left: only the index's own
    lib.add_tags("2402.00001", ["after"])  # later commits work on the workers' segments
    ix.update("2301.00002")
    assert keys(ix, "tag:after") == ["2402.00001"]
    assert sorted(keys(ix, "fulltext:wavelet")) == before["fulltext:wavelet"]


def test_rebuild_writes_the_full_text_in_segments_that_later_changes_keep(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_extras(lib, 5)
    queries = ("fulltext:wavelet", "fulltext:number3", "baselines", "retrieval", "")
    before = {q: sorted(keys(ix, q)) for q in queries}
    # A segment as soon as a writer holds two papers (a library of long PDFs, in small).
    monkeypatch.setattr(rebuild, "SEGMENT_MB", 0)
    monkeypatch.setattr(rebuild, "TEXT_SEGMENT_MB", 0)
    monkeypatch.setattr(writing, "TEXT_MERGE_BELOW", 2)
    ix.rebuild()
    opened = ix._open
    assert opened is not None
    rebuilt = {seg.segment_id(): seg.doc_count_all() for seg in opened.fulltext._segments()}
    assert sorted(rebuilt.values()) == [2, 2, 2]  # six papers have a PDF
    assert {q: sorted(keys(ix, q)) for q in queries} == before
    hits = ix.search("wavelet", snippets=True).hits
    assert {h.key for h in hits} == {f"2402.0000{i}" for i in range(5)}
    assert all(s.page == 1 for h in hits for s in h.snippets if s.field == "fulltext")

    # Later PDFs: a segment each, the small ones merged once there are a few; the
    # rebuild's segments are kept as they are (merging them would re-index their papers).
    for i in range(writing.MERGE_AT_SYNC + 1):
        add_paper(lib, f"2403.0000{i}", title=f"Late {i}", pages=[f"wavelet late{i}"])
    segments = {seg.segment_id(): seg.doc_count_all() for seg in opened.fulltext._segments()}
    assert rebuilt.items() <= segments.items()
    assert len(segments) <= len(rebuilt) + writing.MERGE_AT_SYNC
    assert len(keys(ix, "fulltext:wavelet")) == 5 + writing.MERGE_AT_SYNC + 1
    assert keys(ix, "fulltext:late2") == ["2403.00002"]


@pytest.mark.parametrize("in_workers", [False, True])
def test_searches_during_a_command_line_rebuild_find_the_full_text(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch, in_workers: bool
) -> None:
    """`papershelf reindex` writes each paper's record and cached text in one pass: until
    it is done, another program searches the index it replaces, full text included (the
    new one had no text until its second phase: such a search found nothing)."""
    add_extras(lib, 4)
    before = sorted(keys(ix, "fulltext:wavelet"))
    assert len(before) == 4
    if in_workers:
        monkeypatch.setattr(rebuild, "PARALLEL_MIN", 2)
        monkeypatch.setattr(rebuild, "workers", lambda: 2)
    seen: list[list[str]] = []
    with WhooshIndex(lib) as other:  # another program's
        ix.rebuild(lambda done, total: seen.append(sorted(keys(other, "fulltext:wavelet"))))
        assert sorted(keys(other, "fulltext:wavelet")) == before
    assert seen and all(found == before for found in seen)
    assert ix.texts_pending() == 0 and sorted(keys(ix, "wavelet")) == before


def test_another_programs_change_during_a_command_line_rebuild_is_indexed_at_once(
    lib: Library, ix: WhooshIndex, tmp_path: Path
) -> None:
    """The writers' lock is held for a rebuild's switch only: another program's change
    made while it runs is indexed at once (it waited for the whole build, then gave up
    until the next sync), and the new index catches it up from the change journal."""
    add_extras(lib, 2)
    other_lib = Library.open(lib.root)
    seen: list[list[str]] = []
    with WhooshIndex(other_lib, write_timeout=0.5) as other:  # another program's

        def progress(done: int, total: int) -> None:
            if not seen:
                other_lib.add_tags("2402.00001", ["during"])
            seen.append(keys(other, "tag:during"))

        ix.rebuild(progress)
    assert seen[0] == ["2402.00001"]
    assert keys(ix, "tag:during") == ["2402.00001"]


def test_workers_start_as_the_rebuild_module_wherever_the_app_was_started() -> None:
    """A worker runs ``python -m`` this module, with the folder holding the package first
    on its path (the app may run from a checkout, started from another folder)."""
    command = rebuild.worker_command(Path("folder"), Path("out"))
    assert command[1:4] == ["-m", "desktop_app.core.search.whoosh.rebuild", rebuild.WORKER_FLAG]
    root = Path(rebuild._worker_env()["PYTHONPATH"].split(os.pathsep)[0])
    assert (root / "desktop_app" / "core" / "search" / "whoosh" / "rebuild.py").is_file()


# -- the first phase (the records) in worker processes -------------------------------------

#: Queries of the records (and of the full text, for the build that does both phases).
RECORD_QUERIES = (
    "",
    "retrieval",
    "author:gomez",
    "author:writer3",
    "tag:rag",
    "tag:bib",
    "status:unread",
    "has:notes",
    "year:2020..2022",
    '"message passing"',
    "title:record",
    "abstract:lemma",
    "2504.00001",
    "fulltext:wavelet",
)


def _add_records(library: Library, n: int) -> None:
    """``n`` papers without a PDF (a bibliography's), some with notes, and one whose
    paper.json is damaged."""
    for i in range(n):
        add_paper(
            library,
            f"2201.{i:05d}",
            title=f"Record {i} on retrieval",
            authors=[f"Writer{i % 5} Smith", "Ana Gómez"],
            abstract=f"A lemma number{i} and dense retrieval of passages.",
            tags=["bib", "rag/eval"] if i % 2 else ["bib"],
            published=f"{2018 + i % 6}-03-01",
        )
        if i % 3 == 0:
            library.write_notes(f"2201.{i:05d}", f"Note {i}: compare with retrieval baselines.")
    (library.paper_dir("2201.00001") / "paper.json").write_text("{not json", encoding="utf-8")


def _hits(ix: WhooshIndex) -> dict[str, list[str]]:
    return {q: sorted(keys(ix, q)) for q in RECORD_QUERIES}


def _in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rebuild, "RECORDS_PARALLEL_MIN", 2)  # the app's build
    monkeypatch.setattr(rebuild, "PARALLEL_MIN", 2)  # the command line's, with the texts
    monkeypatch.setattr(rebuild, "workers", lambda: 2)


@pytest.mark.parametrize("in_background", [False, True])
def test_first_phase_in_workers_finds_the_same(
    lib: Library,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    extractor: TextExtractor,
    in_background: bool,
) -> None:
    """The records indexed by worker processes (a share of the papers each) are found as
    those indexed by one process: by the command line's build (whole records of papers
    without a PDF) and by the app's (slim records first, the rest in its second phase)."""
    add_extras(lib, 3)
    _add_records(lib, 12)
    with WhooshIndex(lib, extractor=extractor, texts_in_background=in_background) as one:
        one.rebuild()
        one.index_texts()
        before = _hits(one)
    assert before["tag:bib"] == [f"2201.{i:05d}" for i in range(12) if i != 1]
    assert before["fulltext:wavelet"] == [f"2402.0000{i}" for i in range(3)]
    _in_workers(monkeypatch)
    with WhooshIndex(lib, extractor=extractor, texts_in_background=in_background) as ix:
        caplog.clear()
        ix.rebuild()
        opened = ix._open
        assert opened is not None
        # A worker's warning is the app's (and shows that workers indexed the records).
        said = [r.name for r in caplog.records if "2201.00001" in r.getMessage()]
        assert rebuild.__name__ in said
        if in_background:  # the records are searchable before the second phase
            with opened.papers.reader() as reader:  # from the records file the build left
                saved = records.load(
                    opened.folder, reader.generation(), lambda key: pytest.fail(f"{key} reread")
                )
                assert saved == _decoded(reader) and len(saved) == 3 + 3 + 11
            assert sorted(keys(ix, "author:writer3")) == before["author:writer3"]
            assert ix.texts_pending() == 3 + 3 + 11  # the app's papers all slim
            ix.index_texts()
        assert _hits(ix) == before
        hidden = [p.name for p in opened.folder.iterdir() if p.name[0] == "."]
        assert hidden in ([], [records.RECORDS])  # nothing the workers left
        lib.add_tags("2201.00004", ["after"])  # later commits work on the workers' segments
        assert keys(ix, "tag:after") == ["2201.00004"]


def _record_workers() -> list[int]:
    """This process's first-phase workers (found by their command line)."""
    found = []
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if rebuild.WORKER_FLAG.encode() in cmdline and rebuild.RECORDS.encode() in cmdline:
                    found.append(int(pid))
    return found


def _index_folders(ix: WhooshIndex) -> list[str]:
    return sorted(p.name for p in ix.dir.iterdir() if p.is_dir())


def _indexed_then_in_workers(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, list[str]], list[str]]:
    """Records added and indexed; their hits and the index folders, before a build whose
    first phase runs in workers."""
    _add_records(lib, 8)
    ix.sync()
    _in_workers(monkeypatch)
    return _hits(ix), _index_folders(ix)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers in /proc")
def test_a_killed_first_phase_worker_fails_the_rebuild_and_loses_nothing(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, folders = _indexed_then_in_workers(lib, ix, monkeypatch)
    killed: list[int] = []
    start_worker = rebuild.start_worker

    def start_then_kill(command: list[str], errfile: Path, **popen: Any) -> Any:
        # Killed as soon as it is started: killed from the build's progress instead, a
        # worker could be done with its 4 papers first (on a fast or a loaded machine).
        proc = start_worker(command, errfile, **popen)
        if rebuild.RECORDS in command and not killed:
            os.kill(proc.pid, signal.SIGKILL)
            killed.append(proc.pid)
        return proc

    monkeypatch.setattr(rebuild, "start_worker", start_then_kill)
    with pytest.raises(SearchIndexError, match="indexing the papers' records failed"):
        ix.rebuild()
    assert killed
    monkeypatch.setattr(rebuild, "start_worker", start_worker)
    assert _index_folders(ix) == folders  # none left
    assert _hits(ix) == before  # the index there before, still searched
    ix.rebuild()  # and built again
    assert _hits(ix) == before


def test_changes_made_by_another_program_during_a_rebuild_are_in_the_new_index(
    lib: Library, ix: WhooshIndex
) -> None:
    """A rebuild reads every folder once; what another program changes after its paper was
    read is caught up at the end (from the change journal and the papers folder)."""
    other = Library(lib.root)  # another process's library: it does not tell this index

    def progress(done: int, total: int) -> None:
        if done == total and not other.paper_dir("2502.00009").exists():  # all read
            other.add_tags("2301.00002", ["meanwhile"])
            other.add(Paper(key="2502.00009", arxiv_id="2502.00009", title="Added meanwhile"))

    report = ix.rebuild(progress)
    assert report.added == 4
    assert keys(ix, "tag:meanwhile") == ["2301.00002"]
    assert keys(ix, "title:meanwhile") == ["2502.00009"]
    assert ix.sync() == type(report)()  # a full look finds nothing more


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers in /proc")
def test_a_first_phase_in_workers_stops_when_asked(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Cancel (progress raising) while the workers index the records: they are ended,
    nothing is left of the build, the index there before is searched."""
    before, folders = _indexed_then_in_workers(lib, ix, monkeypatch)
    calls: list[int] = []
    start_worker = rebuild.start_worker

    def start_paused(command: list[str], errfile: Path, **popen: Any) -> Any:
        # Paused as it starts: a worker could be done with its 4 papers before the Cancel.
        proc = start_worker(command, errfile, **popen)
        if rebuild.RECORDS in command:
            os.kill(proc.pid, signal.SIGSTOP)
        return proc

    monkeypatch.setattr(rebuild, "start_worker", start_paused)

    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:  # the first call waiting for the workers
            raise Stop

    with pytest.raises(Stop):
        ix.rebuild(progress)
    assert _record_workers() == []
    assert _index_folders(ix) == folders
    assert _hits(ix) == before
