"""Sync-tool conflict copies: recognised by name, merged with nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.conflicts import (
    MERGED_DIR,
    CopyOf,
    SyncTool,
    find_conflicts,
    merge_all,
    merge_conflicts,
    merge_notes,
    merge_papers,
    parse_conflict_name,
)
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status


@pytest.mark.parametrize(
    ("name", "copy_of", "tool", "when", "device"),
    [
        (
            "paper.sync-conflict-20250407-093000-ABCDEF1.json",
            CopyOf.PAPER,
            SyncTool.SYNCTHING,
            "2025-04-07 09:30",
            "ABCDEF1",
        ),
        (
            "notes.sync-conflict-20250407-093000-ABCDEF1.md",
            CopyOf.NOTES,
            SyncTool.SYNCTHING,
            "2025-04-07 09:30",
            "ABCDEF1",
        ),
        (
            "paper (Alice Smith's conflicted copy 2025-04-07).json",
            CopyOf.PAPER,
            SyncTool.DROPBOX,
            "2025-04-07",
            "Alice Smith",
        ),
        (
            "notes (Alice's conflicted copy 2025-04-07 (1)).md",
            CopyOf.NOTES,
            SyncTool.DROPBOX,
            "2025-04-07",
            "Alice",
        ),
        (
            "paper (conflicted copy 2025-04-07 093000).json",
            CopyOf.PAPER,
            SyncTool.NEXTCLOUD,
            "2025-04-07 09:30",
            None,
        ),
        (
            "paper_conflict-20250407-093000.json",
            CopyOf.PAPER,
            SyncTool.OWNCLOUD,
            "2025-04-07 09:30",
            None,
        ),
    ],
)
def test_conflict_names_are_recognised(
    name: str, copy_of: CopyOf, tool: SyncTool, when: str, device: str | None
) -> None:
    assert parse_conflict_name(name) == (copy_of, tool, when, device)


@pytest.mark.parametrize(
    "name",
    [
        "paper.json",
        "notes.md",
        "2301.00001v1.pdf",
        "paper.sync-conflict-20250407-093000-ABCDEF1.md",  # the wrong extension for paper
        "other (conflicted copy 2025-04-07).json",
        ".paper.json.abc123.tmp",
    ],
)
def test_other_files_are_not_conflicts(name: str) -> None:
    assert parse_conflict_name(name) is None


def _paper(key: str = "2301.00001", **values: object) -> Paper:
    base: dict[str, object] = {"title": "Dense retrieval", "added": "2025-04-01T08:00:00Z"}
    base.update(values)
    return Paper(key=key, arxiv_id=key, arxiv_version=1, **base)  # type: ignore[arg-type]


def _write_copy(library: Library, key: str, name: str, paper: Paper) -> Path:
    path = library.paper_dir(key) / name
    path.write_text(json.dumps(paper.to_dict()), encoding="utf-8")
    return path


def test_later_status_wins_and_tags_are_united() -> None:
    mine = _paper(tags=["rag"], rating=2, last_page=4)
    mine.set_status(Status.READING, "2025-04-05T10:00:00Z")
    theirs = _paper(tags=["eval", "RAG"], rating=4, last_page=2)
    theirs.set_status(Status.READ, "2025-04-06T10:00:00Z")

    merged = merge_papers(mine, theirs)

    assert merged.status is Status.READ
    assert merged.finished == "2025-04-06T10:00:00Z"
    assert merged.tags == ["rag", "eval"]
    assert merged.rating == 4
    assert merged.last_page == 4


def test_earlier_status_loses_even_when_further_along() -> None:
    mine = _paper()
    mine.set_status(Status.READ, "2025-04-05T10:00:00Z")
    theirs = _paper()
    theirs.set_status(Status.READING, "2025-04-07T10:00:00Z")  # started again later
    assert merge_papers(mine, theirs).status is Status.READING
    assert merge_papers(theirs, mine).status is Status.READING


def test_hand_edited_fields_and_unknown_keys_survive() -> None:
    mine = _paper(extra={"future_field": 1})
    theirs = _paper(title="Dense retrieval, revisited", edited=["title"], extra={"other": 2})
    theirs.page_count = 12
    merged = merge_papers(mine, theirs)
    assert merged.title == "Dense retrieval, revisited"
    assert merged.edited == ["title"]
    assert merged.page_count == 12
    assert merged.extra == {"future_field": 1, "other": 2}


def test_pdf_present_on_disk_is_kept() -> None:
    mine = _paper()
    theirs = _paper(pdf_file="2301.00001v1.pdf", pdf_state=FetchState.DONE)
    merged = merge_papers(mine, theirs, pdf_on_disk={"2301.00001v1.pdf"})
    assert merged.pdf_file == "2301.00001v1.pdf"
    assert merged.pdf_state is FetchState.DONE


def test_notes_from_both_sides_are_kept() -> None:
    assert merge_notes("same\n", "same\n") == "same\n"
    assert merge_notes("start\n", "start\nand more\n") == "start\nand more\n"
    both = merge_notes("written at home\n", "written at work\n")
    assert "written at home" in both
    assert "written at work" in both
    assert "---" in both
    assert merge_notes("", "only there\n") == "only there\n"


def test_merging_a_folder_loses_nothing(library: Library) -> None:
    key = "2301.00001"
    mine = _paper(tags=["rag"])
    mine.set_status(Status.READING, "2025-04-05T10:00:00Z")
    library.add(mine)
    library.write_notes(key, "Home machine: the recall numbers look off.\n")
    theirs = _paper(tags=["to-cite"], rating=5)
    theirs.set_status(Status.READ, "2025-04-06T09:00:00Z")
    sync_copy = _write_copy(
        library, key, "paper.sync-conflict-20250406-090000-LAPTOP1.json", theirs
    )
    notes_copy = library.paper_dir(key) / "notes (Bob's conflicted copy 2025-04-06).md"
    notes_copy.write_text("Laptop: compare with BM25.\n", encoding="utf-8")

    assert {c.name for c in find_conflicts(library)} == {sync_copy.name, notes_copy.name}
    result = merge_conflicts(library, key)

    paper = library.get(key)
    assert paper.status is Status.READ
    assert paper.tags == ["rag", "to-cite"]
    assert paper.rating == 5
    notes = library.read_notes(key)
    assert "recall numbers look off" in notes
    assert "compare with BM25" in notes
    assert find_conflicts(library) == []
    # The copies and the record as it was are kept aside, not deleted.
    aside = library.root / MERGED_DIR / key
    assert result.kept_in == aside
    kept = {p.name for p in aside.iterdir()}
    assert {sync_copy.name, notes_copy.name} <= kept
    before = [n for n in kept if n.startswith("paper.before-merge-")]
    assert len(before) == 1
    assert json.loads((aside / before[0]).read_text())["status"] == "reading"
    # The library still lists only real papers.
    assert library.keys() == [key]


def test_damaged_copy_is_reported_and_left_in_place(library: Library) -> None:
    key = "2301.00001"
    library.add(_paper())
    bad = library.paper_dir(key) / "paper (conflicted copy 2025-04-07 093000).json"
    bad.write_text("{not json", encoding="utf-8")
    result = merge_conflicts(library, key)
    assert result.merged == []
    assert len(result.skipped) == 1
    assert bad.name in str(result.skipped[0])
    assert bad.exists()


def test_copy_stands_in_for_a_missing_record(library: Library) -> None:
    key = "2301.00001"
    library.add(_paper())
    (library.paper_dir(key) / "paper.json").unlink()
    _write_copy(
        library, key, "paper.sync-conflict-20250406-090000-LAPTOP1.json", _paper(tags=["x"])
    )
    merge_all(library)
    assert library.get(key).tags == ["x"]


def test_observers_hear_about_the_merge(library: Library) -> None:
    key = "2301.00001"
    library.add(_paper())
    heard: list[str] = []

    class Observer:
        def paper_changed(self, lib: Library, k: str) -> None:
            heard.append(k)

        def paper_removed(self, lib: Library, k: str) -> None:
            heard.append("-" + k)

    library.observers.append(Observer())
    _write_copy(
        library, key, "paper.sync-conflict-20250406-090000-LAPTOP1.json", _paper(tags=["x"])
    )
    merge_conflicts(library, key)
    assert heard == [key]
