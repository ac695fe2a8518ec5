"""Rebuilding the index: on demand, in parallel worker processes, in segments that later
changes keep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh import rebuild, records, writing
from desktop_app.core.search.whoosh.index import WhooshIndex
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
    monkeypatch.setattr(rebuild, "_workers", lambda: 2)
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


def test_workers_start_as_the_rebuild_module_wherever_the_app_was_started() -> None:
    """A worker runs ``python -m`` this module, with the folder holding the package first
    on its path (the app may run from a checkout, started from another folder)."""
    command = rebuild._worker_command(Path("folder"), Path("out"))
    assert command[1:4] == ["-m", "desktop_app.core.search.whoosh.rebuild", rebuild.WORKER_FLAG]
    root = Path(rebuild._worker_env()["PYTHONPATH"].split(os.pathsep)[0])
    assert (root / "desktop_app" / "core" / "search" / "whoosh" / "rebuild.py").is_file()
