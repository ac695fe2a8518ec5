"""The change journal: other processes learn which papers a library write changed."""

from __future__ import annotations

from desktop_app.core import journal
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


def test_every_library_write_is_journaled_for_other_processes(library: Library) -> None:
    path = journal.journal_path(library.root)
    start = journal.size(path)
    other = Library.open(library.root)  # as the CLI would
    other.add(Paper(key="2301.00001", arxiv_id="2301.00001"))
    other.set_status("2301.00001", "read")
    other.add(Paper(key="2301.00002", arxiv_id="2301.00002"))
    other.delete("2301.00002")
    keys, end = journal.read_since(path, start)
    assert keys == ["2301.00001", "2301.00002"]
    assert journal.read_since(path, end) == ([], end)  # nothing new since


def test_a_half_written_line_waits_for_the_next_read(library: Library) -> None:
    path = journal.journal_path(library.root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as f:
        f.write(b"2301.00001\n2301.0")
    keys, end = journal.read_since(path, 0)
    assert keys == ["2301.00001"]
    with open(path, "ab") as f:
        f.write(b"0002\n")
    assert journal.read_since(path, end)[0] == ["2301.00002"]
