"""Writing to the live index: an edit's merge policy (writing.by_size) keeps the segments
edits leave few, merging a few papers at a time, never the bigger segments."""

from __future__ import annotations

import pytest

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh import writing
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import add_paper, keys


def _sizes(ix: WhooshIndex) -> list[int]:
    opened = ix._open
    assert opened is not None
    return sorted(seg.doc_count_all() for seg in opened.papers._segments())


def test_edits_merge_their_segments_by_size(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fanout = 6  # (64 in use: as many edits in a test take a minute)
    monkeypatch.setattr(writing, "MERGE_FANOUT", fanout)
    extra = [f"2402.{i:05d}" for i in range(fanout + 4)]
    for key in extra:
        add_paper(lib, key, title=f"Extra paper {key}")
    opened = ix._open
    assert opened is not None
    ix._merge_small(opened)  # as a sync does: one segment of every paper
    assert _sizes(ix) == [fanout + 7]
    for n, key in enumerate(extra[: fanout + 1]):
        lib.add_tags(key, [f"t{n}"])
        if n < fanout:  # a segment per edit
            assert _sizes(ix) == [1] * (n + 1) + [fanout + 7]
    # The next edit merged the fanout one-paper segments into its own; the bigger one kept.
    assert _sizes(ix) == [fanout + 1, fanout + 7]
    assert [keys(ix, f"tag:t{n}") for n in range(fanout + 1)] == [
        [key] for key in extra[: fanout + 1]
    ]
    assert keys(ix, f"title:{extra[-1]}") == [extra[-1]]
    assert ix.search("").total == fanout + 7
