"""``papershelf conflicts``: lists the sync tools' conflict copies and merges them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper

KEY = "2301.00001"


def _library_with_conflict(root: Path) -> Library:
    library = Library.open(root)
    library.add(Paper(key=KEY, arxiv_id=KEY, title="A paper", tags=["home"]))
    other = Paper(key=KEY, arxiv_id=KEY, title="A paper", tags=["work"])
    copy = library.paper_dir(KEY) / "paper.sync-conflict-20250407-093000-WORKPC1.json"
    copy.write_text(json.dumps(other.to_dict()), encoding="utf-8")
    return library


def test_lists_then_merges(library_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = _library_with_conflict(library_path)

    assert main(["--library", str(library_path), "conflicts"]) == 0
    out, err = capsys.readouterr()
    assert "paper.sync-conflict-20250407-093000-WORKPC1.json" in out
    assert "Syncthing, 2025-04-07 09:30, device WORKPC1" in out
    assert "--merge" in err

    assert main(["--library", str(library_path), "conflicts", "--merge"]) == 0
    out, err = capsys.readouterr()
    assert f"merged\t{KEY}" in out
    assert library.get(KEY).tags == ["home", "work"]

    assert main(["--library", str(library_path), "conflicts"]) == 0
    assert "No conflict copies" in capsys.readouterr().out


def test_unreadable_copy_fails_the_merge(
    library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = _library_with_conflict(library_path)
    bad = library.paper_dir(KEY) / "paper (conflicted copy 2025-04-08 100000).json"
    bad.write_text("{", encoding="utf-8")
    assert main(["--library", str(library_path), "conflicts", "--merge"]) == 1
    assert bad.name in capsys.readouterr().err
    assert library.get(KEY).tags == ["home", "work"]


def test_the_library_chosen_in_preferences_is_used(
    library_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop_app.core.settings import Settings

    _library_with_conflict(library_path)
    Settings(library_path=str(library_path)).save()
    monkeypatch.delenv("PAPERSHELF_LIBRARY")
    assert main(["conflicts"]) == 0
    assert "paper.sync-conflict-20250407-093000-WORKPC1.json" in capsys.readouterr().out


@pytest.mark.parametrize(
    "hostile", ['"rating": Infinity', '"last_page": 1e400', '"x": ' + "[" * 5000 + "]" * 5000]
)
def test_a_hostile_conflict_copy_is_skipped_with_its_name(
    library_path: Path, capsys: pytest.CaptureFixture[str], hostile: str
) -> None:
    # Issue #19, D19: merging crashed (OverflowError, RecursionError) on such a copy.
    library = _library_with_conflict(library_path)
    bad = library.paper_dir(KEY) / "paper (Bob's conflicted copy 2025-04-08).json"
    text = json.dumps(Paper(key=KEY, arxiv_id=KEY, title="A paper", tags=["bad"]).to_dict())
    bad.write_text(text[:-1] + ", " + hostile + "}", encoding="utf-8")

    # 1: something was left undone; the good copy is merged all the same.
    assert main(["--library", str(library_path), "conflicts", "--merge"]) == 1
    _out, err = capsys.readouterr()
    assert f"not merged: {bad}: conflict copy is not a valid paper record" in err
    assert "Traceback" not in err
    assert library.get(KEY).tags == ["home", "work"]  # the good copy merged, the bad one not
    assert bad.exists()  # left for the user to look at
