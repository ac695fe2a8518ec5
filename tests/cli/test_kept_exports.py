"""``export --keep-updated`` and ``kept-exports``: a .bib file that follows the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.core.library import Library


def run(capsys: pytest.CaptureFixture[str], library: Library, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(library.root), "--offline", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_kept_bib_file_follows_the_papers_it_exports(
    capsys: pytest.CaptureFixture[str], filled: Library, tmp_path: Path
) -> None:
    refs = tmp_path / "refs.bib"
    code, out, _ = run(
        capsys, filled, "export", "bibtex", "tag:rag", "-o", str(refs), "--keep-updated"
    )
    assert code == 0 and f"{refs} is kept up to date from now on" in out
    assert "Leveraging" in refs.read_text(encoding="utf-8")
    assert "Live-Streaming" not in refs.read_text(encoding="utf-8")
    inode = refs.stat().st_ino

    # A command that changes nothing in the file leaves it alone, as does one that reads.
    code, _, err = run(capsys, filled, "status", "2504.05220", "read")
    assert code == 0 and refs.stat().st_ino == inode and "kept export" not in err
    run(capsys, filled, "list")
    assert refs.stat().st_ino == inode

    # A paper that comes to match is written in after the command that changed it.
    code, _, err = run(capsys, filled, "tag", "2504.05217", "--add", "rag")
    assert code == 0 and f"papershelf: kept export {refs} updated (2 papers)" in err
    assert "Live-Streaming" in refs.read_text(encoding="utf-8")
    # ... and a paper trashed goes out of it.
    run(capsys, filled, "rm", "2504.05220")
    assert "Leveraging" not in refs.read_text(encoding="utf-8")


def test_kept_exports_are_listed_and_stopped(
    capsys: pytest.CaptureFixture[str], filled: Library, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, filled, "kept-exports")
    assert code == 0 and out.startswith("No kept exports")
    refs = tmp_path / "refs.bib"
    run(capsys, filled, "export", "biblatex", "-o", str(refs), "--keep-updated", "--notes")
    code, out, _ = run(capsys, filled, "kept-exports", "--json")
    assert json.loads(out) == [
        {"path": str(refs.resolve()), "format": "biblatex", "query": "", "notes": True}
    ]
    code, out, _ = run(capsys, filled, "kept-exports")
    assert str(refs.resolve()) in out and "(every paper)" in out
    refs.unlink()
    code, _, err = run(capsys, filled, "kept-exports", "--run")
    assert code == 0 and "updated (2 papers)" in err and refs.exists()
    code, out, _ = run(capsys, filled, "kept-exports", "--stop", str(refs))
    assert code == 0 and "no longer kept up to date" in out and refs.exists()
    run(capsys, filled, "tag", "2504.05217", "--add", "new-tag")
    assert "new-tag" not in refs.read_text(encoding="utf-8")
    code, _, err = run(capsys, filled, "kept-exports", "--stop", str(refs))
    assert code == 1 and "is not kept up to date" in err


def test_keep_updated_needs_a_file(capsys: pytest.CaptureFixture[str], filled: Library) -> None:
    code, out, err = run(capsys, filled, "export", "bibtex", "--keep-updated")
    assert code == 1 and out == "" and "--keep-updated needs a file" in err


def test_a_kept_file_that_cannot_be_written_is_a_warning(
    capsys: pytest.CaptureFixture[str], filled: Library, tmp_path: Path
) -> None:
    refs = tmp_path / "out" / "refs.bib"
    run(capsys, filled, "export", "bibtex", "-o", str(refs), "--keep-updated")
    refs.unlink()
    refs.parent.rmdir()
    refs.parent.write_text("now a file", encoding="utf-8")
    code, _, err = run(capsys, filled, "tag", "2504.05217", "--add", "x")
    assert code == 0  # the tag was set: the command did its work
    assert f"papershelf: warning: kept export {refs}: not updated" in err
