"""Stamps of the paper folders: an edit nobody announced is found."""

from __future__ import annotations

from desktop_app.core import stamps
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


def test_stamps_find_added_edited_and_removed_papers(library: Library) -> None:
    for key in ("2301.00001", "2301.00002", "2301.00003"):
        library.add(Paper(key=key, arxiv_id=key, title="T"))
    before = stamps.take(library.papers_dir)
    assert stamps.compare(before, stamps.take(library.papers_dir)) == (set(), set())
    path = library.paper_dir("2301.00001") / "paper.json"
    path.write_text(path.read_text().replace('"T"', '"Edited by hand"'))
    (library.paper_dir("2301.00002") / "notes.md").write_text("a note")
    library.delete("2301.00003")
    library.add(Paper(key="2301.00004", arxiv_id="2301.00004"))
    changed, removed = stamps.compare(before, stamps.take(library.papers_dir))
    assert changed == {"2301.00001", "2301.00002", "2301.00004"}
    assert removed == {"2301.00003"}
