"""The change journal: what other processes wrote, read from where a reader stopped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.core import journal as journal_module
from desktop_app.core.journal import Change, Journal, JournalPosition
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


def test_every_library_write_is_journaled_for_other_processes(library: Library) -> None:
    start = library.journal.end()
    other = Library.open(library.root)
    other.add(Paper(key="2301.00001", arxiv_id="2301.00001"))
    other.set_status("2301.00001", "read")
    other.add(Paper(key="2301.00002", arxiv_id="2301.00002"))
    other.delete("2301.00002")
    news = library.journal.read(start)
    assert news.changed == {"2301.00001"}
    assert news.removed == {"2301.00002"}
    assert not news.restarted
    assert library.journal.read(news.position).keys == set()  # nothing new since


def test_a_reader_skips_its_own_lines(library: Library) -> None:
    start = library.journal.end()
    library.add(Paper(key="2301.00001", arxiv_id="2301.00001"))
    assert library.journal.read(start, skip_pid=os.getpid()).keys == set()


def test_a_half_written_line_waits_for_the_next_read(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "changes.journal")
    journal.touch()
    start = journal.end()
    with open(journal.path, "ab") as f:
        f.write(b"1 2 c 2301.00001\n1 2 c 2301.0")
    first = journal.read(start)
    assert first.changed == {"2301.00001"}
    with open(journal.path, "ab") as f:
        f.write(b"0002\n")
    assert journal.read(first.position).changed == {"2301.00002"}


def test_a_journal_started_afresh_tells_readers_to_look_at_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "changes.journal")
    journal.append(Change.CHANGED, ["a"])
    position = journal.end()
    monkeypatch.setattr(journal_module, "MAX_BYTES", 0)
    journal.append(Change.CHANGED, ["b"])
    news = journal.read(position)
    assert news.restarted
    assert news.changed == {"b"}
    # A reader that started before there was a journal reads all of it.
    assert journal.read(JournalPosition()).changed == {"b"}
    journal.path.unlink()
    assert journal.read(news.position).restarted  # the cache was emptied
