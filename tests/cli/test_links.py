"""Paper folders that are symbolic links (issue #19, D16 and D17): nothing is written through a
link that leads out of the library, and emptying the trash removes the link, not its target."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers.pdfgen import write_pdf
from tests.helpers.shelf import Shelf

KEY = "2504.05220"


def _link_out(shelf: Shelf, tmp_path: Path) -> tuple[Path, Path]:
    """Move a paper's folder out of the library and leave a link to it in its place."""
    folder = shelf.library / "papers" / KEY
    outside = tmp_path / "elsewhere" / KEY
    outside.parent.mkdir()
    shutil.move(folder, outside)
    folder.symlink_to(outside, target_is_directory=True)
    return folder, outside


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_nothing_is_written_through_a_link_out_of_the_library(
    imported: Shelf, tmp_path: Path
) -> None:
    folder, outside = _link_out(imported, tmp_path)
    before = _snapshot(outside)
    assert imported.json("show", KEY)["key"] == KEY  # type: ignore[index]  # still readable
    pdf = write_pdf(tmp_path / "paper.pdf", ["some words"])
    for command in (
        ("tag", KEY, "--add", "evil"),
        ("note", KEY, "--append", "a line"),
        ("status", KEY, "read"),
        ("rate", KEY, "3"),
        ("attach", KEY, str(pdf)),
    ):
        result = imported(*command, code=1)
        assert f"{folder}: is a link to {outside}, outside the library" in result.stderr
    assert _snapshot(outside) == before


def test_emptying_the_trash_removes_a_link_not_what_it_leads_to(
    imported: Shelf, tmp_path: Path
) -> None:
    _folder, outside = _link_out(imported, tmp_path)
    before = _snapshot(outside)
    imported("rm", KEY)
    assert (imported.library / "trash" / KEY).is_symlink()
    imported("trash", "--empty")
    assert not (imported.library / "trash" / KEY).exists()
    assert not (imported.library / "trash" / KEY).is_symlink()
    assert _snapshot(outside) == before
    assert imported("trash").stdout.strip() == "The trash is empty."
