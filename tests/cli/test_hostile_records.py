"""One hand-edited or hostile paper.json must not take down the library (issue #19, D2).

Each case writes one bad value into one paper of the sample digest's 33; every command that
reads the whole library then still works, and a record that cannot be used is reported by
its path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.shelf import Shelf

KEY = "2504.03947"


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# Written as raw JSON text: Python's json writes neither Infinity nor 1e400 as given.
UNUSABLE = {
    "rating Infinity": '"rating": Infinity',
    "last_page 1e400": '"last_page": 1e400',
    "page_count NaN": '"page_count": NaN',
    "version of 5,000 digits": '"arxiv_version": ' + "9" * 5000,
    "a value nested 1,000 deep": '"x_nested": ' + _nested(1000),
    "a value nested 100,000 deep": '"x_nested": ' + _nested(100_000),
    "arxiv_id not an ID": '"arxiv_id": "not an id at all"',
}


def _edit(shelf: Shelf, member: str) -> Path:
    path = shelf.library / "papers" / KEY / "paper.json"
    text = path.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    path.write_text(text[:-1].rstrip() + ",\n  " + member + "\n}\n", encoding="utf-8")
    return path


def _every_command_works(shelf: Shelf, papers: int) -> list[str]:
    """Run the commands that read the whole library; their warnings."""
    warnings = []
    listed = shelf("list")
    warnings.append(listed.stderr)
    assert listed.stdout.splitlines()[-1] == f"{papers} papers"
    assert len(shelf.json("list")) == papers  # type: ignore[arg-type]
    shelf("search", "retrieval")
    for fmt in ("bibtex", "csv", "reading-list", "markdown"):
        shelf("export", fmt)
    shelf("stats")
    shelf("duplicates")
    shelf("rm", "2504.05220")
    shelf("restore", "2504.05220")
    shelf("trash")
    return warnings


@pytest.mark.parametrize("case", list(UNUSABLE), ids=list(UNUSABLE))
def test_an_unusable_record_is_skipped_and_named(imported: Shelf, case: str) -> None:
    path = _edit(imported, UNUSABLE[case])
    warnings = _every_command_works(imported, 32)
    assert f"papershelf: warning: {path}: " in warnings[0]
    shown = imported("show", KEY, code=1)
    assert str(path) in shown.stderr


def test_an_id_written_with_its_prefix_is_read_as_the_id(imported: Shelf) -> None:
    # arXiv's own listings write "arXiv:2504.03947"; with no published date the year came
    # from the ID, which did not parse: ValueError in list, export, stats for everyone.
    path = imported.library / "papers" / KEY / "paper.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["arxiv_id"] = "https://arxiv.org/abs/2504.03947v2"
    data["published"] = None
    data.pop("arxiv_version", None)
    path.write_text(json.dumps(data), encoding="utf-8")
    warnings = _every_command_works(imported, 33)
    assert warnings[0] == ""
    shown = imported.json("show", KEY)
    assert isinstance(shown, dict)
    assert shown["arxiv_id"] == "2504.03947"
    assert shown["arxiv_version"] == 2
    assert "2025" in imported("export", "bibtex", KEY).stdout  # the year, from the ID


def test_a_rating_written_as_a_decimal_is_read(imported: Shelf) -> None:
    path = imported.library / "papers" / KEY / "paper.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rating"] = 4.0
    path.write_text(json.dumps(data), encoding="utf-8")
    assert imported("list").stderr == ""
    shown = imported.json("show", KEY)
    assert isinstance(shown, dict)
    assert shown["rating"] == 4


@pytest.mark.parametrize("version", ['"2"', "NaN", "[1]", "1e400", "true"])
def test_a_library_file_with_a_bad_version_is_one_line(imported: Shelf, version: str) -> None:
    # Issue #19, D20: every command crashed (ValueError, TypeError) on such a library.json.
    marker = imported.library / "library.json"
    marker.write_text('{"format": "papershelf-library", "version": ' + version + "}")
    for command in (("list",), ("search", "x"), ("stats",)):
        result = imported(*command, code=1)
        assert result.stderr.startswith(f"papershelf: error: {marker}: ")


def test_papers_being_a_file_is_one_line(imported: Shelf) -> None:
    papers = imported.library / "papers"
    papers.rename(imported.library / "papers-moved")
    papers.write_text("not a folder")
    result = imported("list", code=1)
    assert result.stderr.strip() == (
        f"papershelf: error: {papers}: is a file; a library keeps its papers in a folder"
    )
