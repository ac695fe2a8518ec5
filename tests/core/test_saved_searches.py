"""Saved searches live in the library folder, survive a damaged file, and keep their order."""

from __future__ import annotations

import json

import pytest

from desktop_app.core import saved_searches
from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.saved_searches import SAVED_FILE, SavedSearch


def test_save_rename_delete_round_trip(library: Library) -> None:
    assert saved_searches.load(library) == []
    saved_searches.save(library, "RAG", "tag:rag added:30d")
    saved_searches.save(library, "To read", "status:unread")
    saved_searches.save(library, "rag", "tag:rag")  # same name, other case: replaced
    assert saved_searches.load(library) == [
        SavedSearch("rag", "tag:rag"),
        SavedSearch("To read", "status:unread"),
    ]
    saved_searches.rename(library, "RAG", "Retrieval")
    assert [s.name for s in saved_searches.load(library)] == ["Retrieval", "To read"]
    saved_searches.delete(library, "to read")
    assert saved_searches.load(library) == [SavedSearch("Retrieval", "tag:rag")]
    data = json.loads((library.root / SAVED_FILE).read_text(encoding="utf-8"))
    assert data["format"] == "papershelf-saved-searches"


def test_bad_names_and_queries_are_refused(library: Library) -> None:
    with pytest.raises(InvalidValue, match="needs a name"):
        saved_searches.save(library, "  ", "x")
    with pytest.raises(InvalidValue, match="query is empty"):
        saved_searches.save(library, "Empty", " ")
    saved_searches.save(library, "A", "a")
    saved_searches.save(library, "B", "b")
    with pytest.raises(InvalidValue, match="exists already"):
        saved_searches.rename(library, "A", "b")
    with pytest.raises(InvalidValue, match="no saved search named 'C'"):
        saved_searches.rename(library, "C", "D")


def test_a_damaged_file_is_reported_and_kept_aside_on_the_next_save(library: Library) -> None:
    path = library.root / SAVED_FILE
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DamagedFile, match=SAVED_FILE):
        saved_searches.load(library)
    saved_searches.save(library, "New", "new")
    assert saved_searches.load(library) == [SavedSearch("New", "new")]
    assert (library.root / (SAVED_FILE + ".damaged")).read_text() == "{not json"
