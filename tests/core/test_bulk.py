"""Bulk operations: every selected paper's file changes, and one undo restores them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core import bulk
from desktop_app.core.errors import InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status

KEYS = ["2301.00001", "2301.00002", "2301.00003"]


@pytest.fixture
def filled(library: Library) -> Library:
    for i, key in enumerate(KEYS):
        library.add(Paper(key=key, arxiv_id=key, title=f"Paper {i}", tags=["ml"]))
    return library


def _on_disk(library: Library, key: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (library.paper_dir(key) / "paper.json").read_text(encoding="utf-8")
    )
    return data


def test_status_lands_in_every_file_and_undo_restores_it(filled: Library) -> None:
    result = bulk.set_status(filled, KEYS, "read")
    assert result.done == KEYS
    assert all(_on_disk(filled, k)["status"] == "read" for k in KEYS)
    assert all(_on_disk(filled, k)["finished"] for k in KEYS)

    undone = result.undo.undo(filled)

    assert undone.errors == []
    for key in KEYS:
        data = _on_disk(filled, key)
        assert data["status"] == "unread"
        assert data["finished"] is None
        assert data["status_changed"] is None


def test_tags_added_and_removed_in_bulk_with_undo(filled: Library) -> None:
    added = bulk.add_tag(filled, KEYS[:2], " rag / eval ")
    assert [_on_disk(filled, k)["tags"] for k in KEYS] == [
        ["ml", "rag/eval"],
        ["ml", "rag/eval"],
        ["ml"],
    ]
    removed = bulk.remove_tag(filled, KEYS, "ML")
    assert [_on_disk(filled, k)["tags"] for k in KEYS] == [["rag/eval"], ["rag/eval"], []]

    removed.undo.undo(filled)
    assert [_on_disk(filled, k)["tags"] for k in KEYS] == [
        ["ml", "rag/eval"],
        ["ml", "rag/eval"],
        ["ml"],
    ]
    added.undo.undo(filled)
    assert [_on_disk(filled, k)["tags"] for k in KEYS] == [["ml"], ["ml"], ["ml"]]


def test_undo_keeps_changes_made_since(filled: Library) -> None:
    result = bulk.set_status(filled, KEYS, Status.READING)
    filled.set_rating(KEYS[0], 4)  # another field, changed meanwhile
    filled.set_status(KEYS[1], Status.READ)  # the same field, set again meanwhile
    result.undo.undo(filled)
    assert _on_disk(filled, KEYS[0])["status"] == "unread"
    assert _on_disk(filled, KEYS[0])["rating"] == 4
    assert _on_disk(filled, KEYS[1])["status"] == "read"
    assert _on_disk(filled, KEYS[2])["status"] == "unread"


def test_a_status_and_its_dates_are_undone_together_or_not_at_all(filled: Library) -> None:
    result = bulk.set_status(filled, KEYS, Status.READ)
    filled.set_status(KEYS[0], Status.READING)  # from the CLI: keeps the start date
    result.undo.undo(filled)
    reading = filled.get(KEYS[0])
    assert reading.status is Status.READING and reading.started and not reading.finished
    unread = filled.get(KEYS[1])
    assert unread.status is Status.UNREAD and not unread.started and not unread.finished


def test_undo_skips_what_is_no_longer_possible(filled: Library) -> None:
    result = bulk.delete(filled, KEYS[:2])
    filled.restore(KEYS[0])  # by hand, meanwhile
    undone = result.undo.undo(filled)
    assert undone.done == [KEYS[1]] and undone.errors == []
    assert undone.skipped == [KEYS[0]]
    assert filled.keys() == KEYS


def test_delete_to_trash_and_undo(filled: Library) -> None:
    result = bulk.delete(filled, KEYS[:2])
    assert filled.keys() == [KEYS[2]]
    assert {p.key for p in filled.trash()} == set(KEYS[:2])
    result.undo.undo(filled)
    assert filled.keys() == KEYS
    assert filled.trash() == []


def test_missing_paper_is_an_error_for_that_paper_only(filled: Library) -> None:
    result = bulk.set_status(filled, [KEYS[0], "2399.99999", KEYS[1]], "read")
    assert result.done == [KEYS[0], KEYS[1]]
    assert len(result.errors) == 1
    assert "2399.99999" in str(result.errors[0])


def test_stop_keeps_what_was_done_undoable(filled: Library) -> None:
    seen: list[tuple[int, int]] = []
    result = bulk.set_status(
        filled,
        KEYS,
        "read",
        progress=lambda d, t: seen.append((d, t)),
        should_stop=lambda: bool(seen),
    )
    assert result.cancelled
    assert result.done == KEYS[:1]
    assert seen == [(1, 3)]
    result.undo.undo(filled)
    assert _on_disk(filled, KEYS[0])["status"] == "unread"


def test_unchanged_papers_leave_nothing_to_undo(filled: Library) -> None:
    result = bulk.add_tag(filled, KEYS, "ml")
    assert not result.undo
    with pytest.raises(InvalidValue, match="empty"):
        bulk.add_tag(filled, KEYS, " / ")


class _Extractor:
    """Stands in for the PDF text worker: answers with the text set for each file name."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.calls: list[str] = []

    def extract(self, path: Path, *, sha256: str | None = None, refresh: bool = False) -> object:
        from desktop_app.core.pdf.text import PdfText, file_sha256, store_cached

        self.calls.append(path.name)
        result = PdfText(sha256=sha256 or file_sha256(path), pages=(self.texts[path.name],))
        store_cached(result)  # as the real extractor does
        return result

    def close(self) -> None:
        pass


def test_reextract_text_indexes_the_new_text(library: Library) -> None:
    from desktop_app.core.search.whoosh.index import WhooshIndex
    from tests.helpers.pdfgen import write_pdf

    scanned, other, no_pdf = KEYS
    for key, title in ((scanned, "Scanned"), (other, "Other")):
        library.add(Paper(key=key, arxiv_id=key, title=title, pdf_file="paper.pdf"))
        write_pdf(library.paper_dir(key) / "paper.pdf", [f"{title} zebra crossing"])
    library.add(Paper(key=no_pdf, arxiv_id=no_pdf, title="No PDF"))
    # The first extraction of the scanned paper found no text (a failed OCR, say).
    extractor = _Extractor({"paper.pdf": ""})
    index = WhooshIndex(library, extractor=extractor)  # type: ignore[arg-type]
    try:
        extractor.texts["paper.pdf"] = "other words"
        index.update(other)
        extractor.texts["paper.pdf"] = ""
        index.update(scanned)
        index.sync()
        assert index.search("zebra").total == 0
        extractor.calls.clear()
        extractor.texts["paper.pdf"] = "zebra crossing"

        result = bulk.reextract_text(library, index, [scanned, no_pdf])

        assert result.done == [scanned]  # the paper without a PDF is left alone
        assert result.errors == []
        assert not result.undo
        assert extractor.calls == ["paper.pdf"]
        assert [h.key for h in index.search("zebra").hits] == [scanned]
    finally:
        index.close()
