"""The list rows' snapshot: always what reading every paper.json gives, after changes by
this or another process, folders a sync tool brings or takes, damaged and repaired files, a
lost or damaged snapshot, a restarted journal; an edit by hand inside a listed folder is
seen after a full sync (the quick sync's rules), as ``search`` sees it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from desktop_app.core import journal, listing
from desktop_app.core.library import PAPER_FILE, Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.files import ROOT


def _add(library: Library, n: int, start: int = 1) -> None:
    for i in range(start, start + n):
        key = f"2504.{i:05d}"
        library.add(Paper(key=key, arxiv_id=key, title=f"Paper {i}", published="2025-04-07"))


def _expected(library: Library) -> dict[str, listing.Row]:
    """The rows as reading every paper.json gives them."""
    return {p.key: listing.Row.of(p) for p in library.scan().papers}


def _rows(library: Library) -> dict[str, listing.Row]:
    found = listing.rows(library)
    assert found.errors == []
    return found.rows


def test_the_snapshot_follows_the_library_s_own_changes(library: Library) -> None:
    _add(library, 5)
    assert _rows(library) == _expected(library)  # none yet: every paper read, then saved
    assert listing.snapshot_path(library.root).is_file()
    library.set_status("2504.00002", Status.READ)
    library.add_tags("2504.00003", ["rag/eval"])
    library.update("2504.00004", lambda p: setattr(p, "title", "Renamed"))
    library.delete("2504.00005")
    _add(library, 2, start=10)
    rows = _rows(library)
    assert rows == _expected(library)
    assert rows["2504.00002"].status == "read" and rows["2504.00004"].title == "Renamed"
    assert "2504.00005" not in rows and "2504.00011" in rows
    assert _rows(library) == _expected(library)  # read from the snapshot alone


def test_changes_made_by_another_process_are_listed(library: Library) -> None:
    _add(library, 3)
    assert _rows(library) == _expected(library)
    code = (
        "import sys\n"
        "from desktop_app.core.library import Library\n"
        "lib = Library.open(sys.argv[1], create=False)\n"
        "lib.set_status('2504.00001', 'reading')\n"
        "lib.add_tags('2504.00002', ['later'])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(library.root)],
        check=True,
        cwd=ROOT,
        env=_env(),
        timeout=60,
    )
    rows = _rows(library)
    assert rows["2504.00001"].status == "reading" and rows["2504.00002"].tags == ("later",)
    assert rows == _expected(library)


def test_folders_a_sync_tool_brings_or_takes_are_listed(library: Library, tmp_path: Path) -> None:
    _add(library, 3)
    other = Library.open(tmp_path / "other")  # another machine's library
    _add(other, 1, start=50)
    assert _rows(library) == _expected(library)
    shutil.copytree(other.paper_dir("2504.00050"), library.paper_dir("2504.00050"))
    shutil.rmtree(library.paper_dir("2504.00001"))
    rows = _rows(library)
    assert "2504.00050" in rows and "2504.00001" not in rows
    assert rows == _expected(library)


def test_a_damaged_paper_is_reported_every_time_until_repaired(library: Library) -> None:
    _add(library, 2)
    path = library.paper_dir("2504.00002") / PAPER_FILE
    good = path.read_text(encoding="utf-8")
    path.write_text("{not json", encoding="utf-8")
    shutil.copytree(library.paper_dir("2504.00002"), library.paper_dir("2504.00003"))
    for _ in range(2):  # the second time from the snapshot
        found = listing.rows(library)
        assert sorted(found.rows) == ["2504.00001"]
        assert [Path(str(e.path)).parent.name for e in found.errors] == [
            "2504.00002",
            "2504.00003",
        ]
    path.write_text(good, encoding="utf-8")  # repaired by hand
    found = listing.rows(library)
    assert sorted(found.rows) == ["2504.00001", "2504.00002"] and len(found.errors) == 1


def test_a_lost_or_damaged_snapshot_or_restarted_journal_reads_every_paper(
    library: Library,
) -> None:
    _add(library, 3)
    snapshot = listing.snapshot_path(library.root)
    assert _rows(library) == _expected(library)
    snapshot.write_bytes(b"\x00garbage")
    library.set_status("2504.00001", Status.READ)
    assert _rows(library) == _expected(library)
    snapshot.unlink()
    assert _rows(library) == _expected(library)
    # The journal started anew (shorter than where the snapshot stopped): what it named is
    # lost, so every paper is read again.
    library.set_status("2504.00002", Status.READ)
    path = journal.journal_path(library.root)
    path.write_bytes(b"")
    paper = library.paper_dir("2504.00003") / PAPER_FILE
    data = json.loads(paper.read_text(encoding="utf-8"))
    data["status"] = "reading"  # an edit no signal names
    paper.write_text(json.dumps(data), encoding="utf-8")
    assert _rows(library) == _expected(library)


def test_an_edit_by_hand_is_listed_after_a_full_sync(library: Library) -> None:
    """As ``search``: a full sync (the app's start, ``reindex --check``) finds it."""
    _add(library, 2)
    with WhooshIndex(library, observe=False) as index:
        index.sync()
        assert _rows(library) == _expected(library)
        paper = library.paper_dir("2504.00001") / PAPER_FILE
        data = json.loads(paper.read_text(encoding="utf-8"))
        data["title"] = "Edited in a text editor"
        paper.write_text(json.dumps(data), encoding="utf-8")
        index.sync(quick=True)  # a quick sync cannot see it, and keeps the snapshot
        assert _rows(library)["2504.00001"].title == "Paper 1"
        index.sync()
    assert _rows(library)["2504.00001"].title == "Edited in a text editor"
    assert _rows(library) == _expected(library)


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))
