"""``export --keep-updated`` and ``kept-exports``: a .bib file that follows the library."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.library import Library
from tests.helpers.shelf import Shelf


def test_a_kept_bib_file_follows_the_papers_it_exports(
    shelf: Shelf, filled: Library, tmp_path: Path
) -> None:
    refs = tmp_path / "refs.bib"
    out = shelf("export", "bibtex", "tag:rag", "-o", str(refs), "--keep-updated").stdout
    assert f"{refs} is kept up to date from now on" in out
    assert "Leveraging" in refs.read_text(encoding="utf-8")
    assert "Live-Streaming" not in refs.read_text(encoding="utf-8")
    inode = refs.stat().st_ino

    # A command that changes nothing in the file leaves it alone, as does one that reads.
    assert "kept export" not in shelf("status", "2504.05220", "read").stderr
    shelf("list")
    assert refs.stat().st_ino == inode

    # A paper that comes to match is written in after the command that changed it.
    err = shelf("tag", "2504.05217", "--add", "rag").stderr
    assert f"papershelf: kept export {refs} updated (2 papers)" in err
    assert "Live-Streaming" in refs.read_text(encoding="utf-8")
    # ... and a paper trashed goes out of it.
    shelf("rm", "2504.05220")
    assert "Leveraging" not in refs.read_text(encoding="utf-8")


def test_kept_exports_are_listed_and_stopped(shelf: Shelf, filled: Library, tmp_path: Path) -> None:
    assert shelf("kept-exports").stdout.startswith("No kept exports")
    refs = tmp_path / "refs.bib"
    shelf("export", "biblatex", "-o", str(refs), "--keep-updated", "--notes")
    assert shelf.json("kept-exports") == [
        {"path": str(refs.resolve()), "format": "biblatex", "query": "", "notes": True}
    ]
    out = shelf("kept-exports").stdout
    assert str(refs.resolve()) in out and "(every paper)" in out
    refs.unlink()
    assert "updated (2 papers)" in shelf("kept-exports", "--run").stderr and refs.exists()
    out = shelf("kept-exports", "--stop", str(refs)).stdout
    assert "no longer kept up to date" in out and refs.exists()
    shelf("tag", "2504.05217", "--add", "new-tag")
    assert "new-tag" not in refs.read_text(encoding="utf-8")
    err = shelf("kept-exports", "--stop", str(refs), code=1).stderr
    assert "is not kept up to date" in err


def test_keep_updated_needs_a_file(shelf: Shelf, filled: Library) -> None:
    result = shelf("export", "bibtex", "--keep-updated", code=1)
    assert result.stdout == "" and "--keep-updated needs a file" in result.stderr


def test_a_kept_file_that_cannot_be_written_is_a_warning(
    shelf: Shelf, filled: Library, tmp_path: Path
) -> None:
    refs = tmp_path / "out" / "refs.bib"
    shelf("export", "bibtex", "-o", str(refs), "--keep-updated")
    refs.unlink()
    refs.parent.rmdir()
    refs.parent.write_text("now a file", encoding="utf-8")
    err = shelf("tag", "2504.05217", "--add", "x").stderr  # the tag is set: exit status 0
    assert f"papershelf: warning: kept export {refs}: not updated" in err
