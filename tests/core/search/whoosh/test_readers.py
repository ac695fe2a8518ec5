"""Segment readers reused across commits (readers.py): after edits here and commits of
another program, a search finds exactly what the library holds now, never a replaced or
deleted paper; and an edit opens readers for its new and changed segments only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.reading import SegmentReader

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import keys

ROOT = Path(__file__).resolve().parents[4]


def _papershelf(library: Library, *args: str) -> None:
    """``papershelf`` run as another program (the same cache folder, from the environment)."""
    subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "--library", str(library.root), *args],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
        check=True,
    )


def _tags_found(ix: WhooshIndex, *tags: str) -> dict[str, list[str]]:
    return {tag: sorted(keys(ix, f"tag:{tag}")) for tag in tags}


def test_edits_here_find_exactly_the_current_papers(lib: Library, ix: WhooshIndex) -> None:
    """A paper edited twice, another deleted: the replaced documents and the deleted one are
    never found (each edit marks a document deleted in a segment whose reader was open)."""
    assert keys(ix, "tag:logic") == ["1907.00003"]
    lib.add_tags("2301.00002", ["first"])
    assert _tags_found(ix, "first") == {"first": ["2301.00002"]}
    lib.remove_tags("2301.00002", ["first"])
    lib.add_tags("2301.00002", ["second"])
    assert _tags_found(ix, "first", "second") == {"first": [], "second": ["2301.00002"]}
    lib.delete("1907.00003")
    assert keys(ix, "tag:logic") == []
    assert keys(ix, "godel") == []
    assert keys(ix, "graph") == ["2301.00002"]  # once, not once per document it had
    results = ix.search("")
    assert sorted(h.key for h in results.hits) == ["2301.00002", "2504.00001"]
    assert results.tag_counts == {"rag/eval": 1, "second": 1, "to read": 1}


def test_commits_of_another_program_meanwhile(lib: Library, ix: WhooshIndex) -> None:
    """Another program tags a paper and deletes another between this process's edits of
    the same papers: this process's searches and writes see its commits."""
    lib.add_tags("2301.00002", ["here"])
    assert keys(ix, "tag:here") == ["2301.00002"]
    _papershelf(lib, "tag", "2301.00002", "--add", "there", "--remove", "here")
    _papershelf(lib, "rm", "1907.00003")
    assert _tags_found(ix, "here", "there") == {"here": [], "there": ["2301.00002"]}
    assert keys(ix, "godel") == []
    # An edit here right after theirs: the paper's document they wrote is the one replaced.
    lib.add_tags("2301.00002", ["again"])
    assert _tags_found(ix, "here", "there", "again") == {
        "here": [],
        "there": ["2301.00002"],
        "again": ["2301.00002"],
    }
    assert sorted(h.key for h in ix.search("").hits) == ["2301.00002", "2504.00001"]
    # ... and what this process wrote, another program finds as it is.
    with WhooshIndex(Library(lib.root), observe=False) as other:
        assert _tags_found(other, "here", "there", "again") == {
            "here": [],
            "there": ["2301.00002"],
            "again": ["2301.00002"],
        }
        assert keys(other, "godel") == []


def test_a_delete_right_after_a_commit_of_another_index(lib: Library, ix: WhooshIndex) -> None:
    """This index's searcher is a commit behind when it deletes a paper that the other
    commit replaced: the document deleted is the current one (found at the commit the
    writer starts from), not the one its searcher last saw."""
    assert keys(ix, "tag:logic") == ["1907.00003"]
    with WhooshIndex(Library(lib.root)) as other:  # observes its own library object
        other.library.add_tags("1907.00003", ["elsewhere"])
        assert keys(other, "tag:elsewhere") == ["1907.00003"]
    ix.delete("1907.00003")
    assert keys(ix, "tag:elsewhere") == []
    assert keys(ix, "tag:logic") == []
    assert sorted(h.key for h in ix.search("").hits) == ["2301.00002", "2504.00001"]


def test_a_merge_of_the_small_segments_keeps_every_paper_once(
    lib: Library, ix: WhooshIndex
) -> None:
    for n in range(5):
        lib.add_tags("2504.00001", [f"t{n}"])
        lib.set_status("2301.00002", "read" if n % 2 else "unread")
    ix.sync()  # merges the small segments the edits left
    assert sorted(keys(ix, "tag:t0 tag:t4")) == ["2504.00001"]
    assert keys(ix, "status:unread") == ["2301.00002"]
    assert sorted(h.key for h in ix.search("").hits) == ["1907.00003", "2301.00002", "2504.00001"]
    opened = ix._open
    assert opened is not None
    # The readers kept are those of the segments there now (the merged ones were closed).
    assert set(opened.preaders._open) == {s.segid for s in opened.papers._segments()}


def test_an_edit_opens_readers_for_its_new_and_changed_segments_only(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):  # a few segments, as edits leave them
        lib.add_tags("2504.00001", [f"t{n}"])
    keys(ix, "tag:t0")
    opened = ix._open
    assert opened is not None
    assert len(opened.papers._segments()) >= 3
    made: list[object] = []
    init = SegmentReader.__init__

    def counted(self: SegmentReader, *args: object, **kwargs: object) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(SegmentReader, "__init__", counted)
    lib.add_tags("2301.00002", ["counted"])
    assert keys(ix, "tag:counted") == ["2301.00002"]
    # The new segment's, and the one of the segment that lost the paper's old document.
    assert len(made) == 2
