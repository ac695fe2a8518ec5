"""Index folders across processes: a rebuild in another process never pulls the folder from
under a search (#19 D5), the folders killed runs left are removed at the next start, and an
index whose files hold garbage is rebuilt without a traceback (#19 D6)."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import keys

ROOT = Path(__file__).resolve().parents[4]
READERS = ".readers"  # .<folder>.readers: the lock file beside an index folder (folders.py)


def _papershelf(library: Library, *args: str) -> subprocess.CompletedProcess[str]:
    """``papershelf`` run as another program (the same cache folder, from the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "--library", str(library.root), "--offline", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen"),
        timeout=120,
        check=False,
    )


def test_a_reindex_in_another_process_never_breaks_a_sync_going_on(
    lib: Library, ix: WhooshIndex
) -> None:
    """``search`` syncs first; another process's ``reindex`` that switches the index in the
    middle of that sync made it fail with EmptyIndexError (its folder removed)."""
    before = keys(ix, "retrieval")
    ix.close()  # the search below is the only reader
    # One change for the sync to apply (made in a text editor: no index is told of it)
    lib.notes_path("2504.00001").write_text("Switched mid-sync.\n", encoding="utf-8")
    reindexed: list[subprocess.CompletedProcess[str]] = []

    def progress(done: int, total: int) -> None:
        if not reindexed:  # the sync has read the index it opened: another program rebuilds
            reindexed.append(_papershelf(lib, "reindex"))

    with WhooshIndex(lib, observe=False) as other:
        other.search("retrieval")  # opened before the reindex, as `search` does
        report = other.sync(progress)
        assert reindexed and reindexed[0].returncode == 0, reindexed[0].stderr
        assert report.updated == 1
        assert keys(other, "retrieval") == before
        assert keys(other, "note:switched") == ["2504.00001"]


def test_a_folder_being_searched_is_kept_until_its_reader_closes(
    lib: Library, ix: WhooshIndex
) -> None:
    searched = ix._open
    assert searched is not None
    assert _papershelf(lib, "reindex").returncode == 0
    assert searched.folder.is_dir()  # held by this process's searches
    assert keys(ix, "retrieval")  # which now go to the new index
    assert ix._open is not None and ix._open.name != searched.name
    assert not searched.folder.exists()  # released, and removed as nobody holds it


@pytest.fixture
def holder(ix: WhooshIndex) -> Iterator[Path]:
    """An index folder held by another process (searching it), until the test ends."""
    folder = ix.dir / "index-0a0a0a0a"
    folder.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path;"
            "from desktop_app.core.search.whoosh.folders import hold;"
            "h = hold(Path(sys.argv[1])); print('held' if h else 'gone', flush=True);"
            "sys.stdin.read()",
            str(folder),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield folder
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(30)


def test_dead_index_folders_are_removed_at_the_next_start(
    lib: Library, ix: WhooshIndex, holder: Path
) -> None:
    cache = ix.dir
    live = ix._open
    assert live is not None
    ix.close()
    dead = []
    for n in range(21):  # what 21 killed reindexes left
        folder = cache / f"index-dead{n:04d}"
        folder.mkdir()
        (folder / "_papers_1.toc").write_bytes(b"x" * 100)
        dead.append(folder)
    (cache / ".index-gone0000.readers").touch()  # a lock file whose folder went
    with WhooshIndex(lib) as again:
        assert keys(again, "retrieval")
    assert sorted(p.name for p in cache.glob("index-*")) == sorted([live.name, holder.name])
    assert sorted(p.name for p in cache.glob(f".index-*{READERS}")) == sorted(
        [f".{live.name}{READERS}", f".{holder.name}{READERS}"]
    )


def test_a_rebuild_keeps_the_folder_another_process_holds(
    lib: Library, ix: WhooshIndex, holder: Path
) -> None:
    ix.rebuild()
    assert holder.is_dir()
    assert ix.search("").total == 3


@pytest.mark.parametrize("kind", [".pst", ".trm", ".col", ".toc", "files"])
def test_index_files_overwritten_with_same_size_garbage_are_rebuilt(
    lib: Library, ix: WhooshIndex, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    queries = ("retrieval", "fulltext:bm25", "tag:rag", "note:colbert", "")
    before = {q: keys(ix, q) for q in queries}
    opened = ix._open
    assert opened is not None
    ix.close()
    rng = random.Random(6)
    hit = [p for p in opened.folder.iterdir() if p.suffix == kind or kind in p.name]
    assert hit
    for path in hit:  # the same size: the size check cannot see it
        path.write_bytes(rng.randbytes(path.stat().st_size))
    for _ in range(2):
        with caplog.at_level(logging.WARNING), WhooshIndex(lib) as again:
            report = again.sync()
            assert {q: keys(again, q) for q in queries} == before
            if report.rebuilt:
                assert report.reason and "damaged" in report.reason
    damaged = [r for r in caplog.records if "damaged" in r.getMessage()]
    assert all(r.exc_info is None for r in caplog.records)  # one line, no traceback
    assert len(damaged) <= 1  # found once, then rebuilt
