"""A notes.md that is not UTF-8 (issue #19, D3): read, shown and exported, never rewritten."""

from __future__ import annotations

import pytest

from tests.helpers.shelf import Shelf

KEY = "2504.05220"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Café au lait, naïve reading.\n".encode("cp1252"), "Café au lait, naïve reading."),
        (b"\xef\xbb\xbfBOM first: caf\xc3\xa9\n", "BOM first: café"),
        ("Ünïcödé in UTF-16\n".encode("utf-16"), "Ünïcödé in UTF-16"),
    ],
    ids=["cp1252", "utf-8 with BOM", "utf-16"],
)
def test_notes_in_another_encoding_are_read_and_left_alone(
    imported: Shelf, raw: bytes, shown: str
) -> None:
    notes = imported.library / "papers" / KEY / "notes.md"
    notes.write_bytes(raw)
    assert shown in imported("note", KEY).stdout
    assert shown in imported("show", KEY).stdout
    for fmt in ("csv", "reading-list"):
        assert shown in imported("export", fmt, KEY).stdout
    for fmt in ("bibtex", "biblatex"):
        imported("export", fmt, KEY, "--notes")
    assert shown in imported.json("show", KEY)["notes"]  # type: ignore[index]
    assert notes.read_bytes() == raw  # reading never rewrites the user's bytes
    imported("note", KEY, "--append", "Added later.")
    text = notes.read_text(encoding="utf-8")  # a change writes UTF-8, the old text kept
    assert shown in text
    assert text.rstrip().endswith("Added later.")
