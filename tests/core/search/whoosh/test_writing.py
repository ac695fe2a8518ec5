"""Writing to the live index: the papers index's merge policy (writing.by_size) keeps the
segments edits leave few, merging segments of about one size, never the bigger ones."""

from __future__ import annotations

import gc
from types import FrameType

import pytest
from whoosh.writing import SegmentWriter

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh import writing
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import add_paper, keys


def _segments(ix: WhooshIndex) -> dict[str, int]:
    """The papers index's segments: their papers (deleted ones too), by segment id."""
    opened = ix._open
    assert opened is not None
    return {seg.segid: seg.doc_count_all() for seg in opened.papers._segments()}


def test_edits_merge_segments_of_one_size_only(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fanout = 4  # (64 in use: as many edits in a test take a minute)
    monkeypatch.setattr(writing, "MERGE_FANOUT", fanout)
    extra = [f"2402.{i:05d}" for i in range(3 * fanout)]
    for key in extra:
        add_paper(lib, key, title=f"Extra paper {key}")
    opened = ix._open
    assert opened is not None
    ix._merge_small(opened)  # as a sync does: at most one segment of each size is left
    start = _segments(ix)
    bigger = {segid: n for segid, n in start.items() if n >= fanout}
    assert bigger  # (3 + 3 * fanout papers: not all in segments of fewer than fanout)
    tiny = len(start) - len(bigger)
    assert tiny <= 1
    for n, key in enumerate(extra[: fanout - tiny]):
        lib.add_tags(key, [f"t{n}"])
        assert len(_segments(ix)) == len(start) + n + 1  # a segment per edit, no merge
    lib.add_tags(extra[-1], ["merged"])
    after = _segments(ix)
    # The fanout small ones merged into the last edit's segment; the bigger ones kept.
    assert len(after) == len(bigger) + 1
    assert {segid: n for segid, n in after.items() if segid in bigger} == bigger
    assert [keys(ix, f"tag:t{n}") for n in range(fanout - tiny)] == [
        [key] for key in extra[: fanout - tiny]
    ]
    assert keys(ix, "tag:merged") == [extra[-1]]
    assert keys(ix, f"title:{extra[0]}") == [extra[0]]
    assert ix.search("").total == 3 + 3 * fanout


def test_a_commit_leaves_nothing_for_the_garbage_collector(lib: Library, ix: WhooshIndex) -> None:
    """A writer's temp folder, asked for twice by each writer (its own and its per-document
    writer's), kept an error whose traceback held the frames of the whole write with their
    locals: the writer, its postings, its terms' hash tables, as cyclic garbage after every
    commit, until the collector walked them (up to ~140 ms a batch of a first open's full
    text, the GIL held meanwhile: the window stalled). Freed as the commit ends now."""
    lib.add_tags("2504.00001", ["warm-up"])  # (what a first write loads, loaded)
    gc.collect()
    gc.disable()
    try:
        lib.add_tags("2504.00001", ["garbage"])
        assert keys(ix, "tag:garbage") == ["2504.00001"]
        left = [o for o in gc.get_objects() if isinstance(o, SegmentWriter | FrameType)]
        writers = [o for o in left if isinstance(o, SegmentWriter)]
        frames = [o.f_code.co_name for o in left if isinstance(o, FrameType)]
        assert not writers and "write_prepared" not in frames
    finally:
        gc.enable()
