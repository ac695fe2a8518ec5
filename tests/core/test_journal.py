"""The change journal: every change of the library noted, read from where the reader
stopped, a line being written left for next time, a restarted journal read whole."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core import journal
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


def test_every_change_of_the_library_is_noted(library: Library) -> None:
    path = journal.journal_path(library.root)
    start = journal.size(path)
    library.add(Paper(key="2504.00001", arxiv_id="2504.00001", title="One"))
    library.add_tags("2504.00001", ["x"])
    library.write_notes("2504.00001", "a note")
    library.add(Paper(key="2504.00002", arxiv_id="2504.00002", title="Two"))
    keys, end = journal.read_since(path, start)
    assert keys == ["2504.00001", "2504.00002"]  # each once, in order
    assert end == journal.size(path)
    assert journal.read_since(path, end) == ([], end)


def test_a_half_written_line_waits_and_a_restarted_journal_is_read_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / journal.JOURNAL
    journal.append(path, "a")
    with path.open("ab") as f:
        f.write(b"b")  # a writer in the middle of its line
    keys, end = journal.read_since(path, 0)
    assert (keys, end) == (["a"], 2)
    with path.open("ab") as f:
        f.write(b"\n")
    assert journal.read_since(path, end) == (["b"], 4)
    path.write_bytes(b"c\n")  # started anew: shorter than where the reader stopped
    assert journal.read_since(path, 4) == (["c"], 2)
    assert journal.read_since(tmp_path / "missing", 7) == ([], 0)


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
