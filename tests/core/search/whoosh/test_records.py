"""The records file: a new process reads every paper's record from it, exactly as the
index's column holds them, and only for the commit it was written for (after a change by
another process, a damaged file, a quick sync that indexed a change)."""

from __future__ import annotations

import dataclasses
import gc
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.core.library import Library
from desktop_app.core.memory import gc_paused
from desktop_app.core.paper import Status
from desktop_app.core.pdf.text import TextExtractor
from desktop_app.core.search.api import SortOrder
from desktop_app.core.search.whoosh import records
from desktop_app.core.search.whoosh.documents import Entry, Views
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.search.whoosh.opened import Opened, searchers_of
from tests.helpers.files import ROOT


def _decoded(opened: Opened) -> tuple[int, dict[str, Entry]]:
    """The latest commit's generation and every record, decoded from the index's column."""
    opened.checked = False
    reader = searchers_of(opened)[0].reader()
    live = set(reader.all_doc_ids())
    pairs = zip(reader.column_reader("key"), reader.column_reader("record"), strict=True)
    entries = {k: Entry.from_bytes(raw) for d, (k, raw) in enumerate(pairs) if d in live}
    return reader.generation(), entries


def _load(folder: Path, generation: int) -> records.Records | None:
    """What the records file holds for commit ``generation``, none of it read again from
    the index."""

    def reread(key: str) -> Entry:
        raise AssertionError(f"{key}: read again from the index")

    return records.load(folder, generation, reread)


def _synced_folder(lib: Library, extractor: TextExtractor) -> Path:
    """The folder of ``lib``'s index, synced by a process that has since closed it."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()
        return _opened(index).folder


def _opened(index: WhooshIndex) -> Opened:
    index.search("")
    assert index._open is not None
    return index._open


def test_a_new_process_reads_the_records_of_the_latest_commit(
    lib: Library, extractor: TextExtractor
) -> None:
    with WhooshIndex(lib, extractor=extractor, observe=False) as builder:
        builder.sync()
    with WhooshIndex(lib, extractor=extractor, observe=False) as first:
        opened = _opened(first)
        gen, decoded = _decoded(opened)
        assert _load(opened.folder, gen) == decoded  # written when first read
        # Another process changes a paper: the file is of an older commit, not used.
        with WhooshIndex(lib, extractor=extractor) as other:
            lib.set_status("2301.00002", Status.READ)
            other.update("2301.00002")
        gen2, decoded2 = _decoded(opened)
        assert gen2 > gen and _load(opened.folder, gen2) is None
    with WhooshIndex(lib, extractor=extractor, observe=False) as fresh:
        opened = _opened(fresh)
        assert fresh.entry("2301.00002").summary.status == "read"  # type: ignore[union-attr]
        assert _load(opened.folder, gen2) == decoded2  # written anew


def test_a_damaged_records_file_is_not_used(lib: Library, extractor: TextExtractor) -> None:
    folder = _synced_folder(lib, extractor)
    for damage in (b"", b"\x00garbage", (folder / records.RECORDS).read_bytes()[:-100]):
        (folder / records.RECORDS).write_bytes(damage)
        with WhooshIndex(lib, extractor=extractor, observe=False) as index:
            opened = _opened(index)
            gen, decoded = _decoded(opened)
            assert opened.entries == decoded and _load(folder, gen) == decoded


def test_search_in_a_new_process_after_a_change_by_another(lib: Library) -> None:
    """``papershelf search`` as processes: another process, without the index, tags a
    paper; the next search's quick sync indexes it and keeps the records it updated in
    memory for the process after it, which finds the tag."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def run(*command: str) -> str:
        done = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def search(query: str) -> str:
        return run("-m", "desktop_app", "--library", str(lib.root), "search", query)

    assert "2301.00002" not in search("tag:later")
    tag = "from desktop_app.core.library import Library; import sys\n"
    tag += "Library.open(sys.argv[1], create=False).add_tags('2301.00002', ['later'])"
    run("-c", tag, str(lib.root))
    assert "2301.00002" in search("tag:later")
    with WhooshIndex(lib, observe=False) as index:
        opened = _opened(index)
        gen, decoded = _decoded(opened)
        assert _load(opened.folder, gen) == decoded
        assert decoded["2301.00002"].summary.tags == ("later",)
    assert "2301.00002" in search("tag:later")


def test_a_damaged_record_inside_the_file_is_read_from_the_index(
    lib: Library, extractor: TextExtractor
) -> None:
    """A record is decoded when first asked for, long after the file was read: a byte
    changed inside one (its title here) is found by the record's checksum, and that record
    is read from the index instead (not a wrong title shown, nor an error in the middle of
    a search)."""
    folder = _synced_folder(lib, extractor)
    data = (folder / records.RECORDS).read_bytes()
    at = data.index(b"Graph Neural Networks")
    (folder / records.RECORDS).write_bytes(data[:at] + b"X" + data[at + 1 :])
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        hit = index.search("graph").hits[0].summary
        assert hit.title == "Graph Neural Networks at Scale"
        opened = _opened(index)
        assert opened.entries == _decoded(opened)[1]
    head = data.index(b"papershelf-records")  # a byte of the head: the file is not used
    (folder / records.RECORDS).write_bytes(data[:head] + b"X" + data[head + 1 :])
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        opened = _opened(index)
        gen, decoded = _decoded(opened)
        assert opened.entries == decoded and _load(folder, gen) == decoded  # written anew


def test_a_records_file_of_another_format_is_not_used(
    lib: Library, extractor: TextExtractor
) -> None:
    """The format before this one (every record's fields in one list, no columns), as an
    older Papershelf left it for the same commit: not used, and written anew."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()
        opened = _opened(index)
        gen, decoded = _decoded(opened)
    folder = opened.folder
    identity = records._identity(folder, gen)
    rows = [(k, records._summary_of(e.summary), *records._rest_of(e)) for k, e in decoded.items()]
    rows[0] = (rows[0][0], (*rows[0][1][:2], "An older title", *rows[0][1][3:]), *rows[0][2:])
    (folder / records.RECORDS).write_bytes(marshal.dumps((identity, records.FIELDS, rows)))
    assert _load(folder, gen) is None
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        assert "An older title" not in {h.summary.title for h in index.search("").hits}
    assert _load(folder, gen) == decoded


def test_the_views_from_the_files_columns_are_those_of_the_records(
    lib: Library, extractor: TextExtractor
) -> None:
    """A new process derives its views (orders, years, tags, status, counts) from the
    columns kept beside the records: the same as derived from every record."""
    lib.set_status("1907.00003", Status.NEW)
    folder = _synced_folder(lib, extractor)
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        opened = _opened(index)
        gen, decoded = _decoded(opened)
        loaded = _load(folder, gen)
        assert loaded is not None and loaded.columns is not None
        from_columns = Views.of(loaded, loaded.columns)
        from_records = Views.of(decoded)
        for name in ("newest", "by_newest", "year", "tags", "status", "all_tags", "all_status"):
            assert getattr(from_columns, name) == getattr(from_records, name), name
        assert from_columns.pending == from_records.pending
        assert loaded._stored is not None  # (the file's bytes, while records are left)
        assert dict(from_columns.summary) == dict(from_records.summary)
        assert loaded._stored is None  # every record decoded: the bytes let go
        assert from_columns.title == from_records.title
        for sort in SortOrder:
            assert from_columns.in_order(sort) == from_records.in_order(sort)


def test_a_sort_by_title_after_an_edit_of_this_process(
    lib: Library, extractor: TextExtractor
) -> None:
    """Titles' sort keys are read from the records file (or made) when a sort by title
    first asks; a title changed before that, or after, sorts where it now belongs."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()  # (the records file written)
    with WhooshIndex(lib, extractor=extractor) as index:
        index.search("")  # the views from the file's columns, without the titles' keys
        paper = lib.get("2301.00002")
        paper.title = "A Zebra's Graph"  # (the article does not count)
        lib.save(paper)

        def by_title() -> list[str]:
            return [h.summary.key for h in index.search("", sort=SortOrder.TITLE).hits]

        assert by_title() == ["2504.00001", "1907.00003", "2301.00002"]
        paper.title = "Abstract Graphs"
        lib.save(paper)
        assert by_title() == ["2301.00002", "2504.00001", "1907.00003"]


def test_titles_sort_keys_are_kept_for_the_collation_they_were_made_under(
    lib: Library, extractor: TextExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sort by title in a new process reads the titles' sort keys from the records file,
    only when they were made under the collation in use (another locale sorts otherwise:
    Danish puts Ø after Z)."""
    from desktop_app.core.search.whoosh import documents

    def by_title() -> list[str]:
        with WhooshIndex(lib, extractor=extractor, observe=False) as index:
            return [h.summary.key for h in index.search("", sort=SortOrder.TITLE).hits]

    alphabetical = ["2504.00001", "2301.00002", "1907.00003"]  # Dense, Graph, Kurt
    folder = _synced_folder(lib, extractor)
    assert by_title() == alphabetical
    # A collation of its own, under which the file keeps keys sorting Z to A ("backwards"
    # stands in for a locale whose order differs): written by the next process that
    # decodes the records from the index.
    (folder / records.RECORDS).unlink()
    with monkeypatch.context() as m:
        m.setattr(records, "collation", lambda: "backwards")
        m.setattr(documents, "collation", lambda: "backwards")
        m.setattr(records, "title_sort_key", lambda t: "".join(chr(0xFFFF - ord(c)) for c in t))
        by_title()  # (the file written)
        assert by_title() == alphabetical[::-1]  # its keys read
    assert by_title() == alphabetical  # under another collation: made from the titles


def test_a_title_changed_before_the_stored_keys_are_read_sorts_by_its_new_title(
    lib: Library, extractor: TextExtractor
) -> None:
    """The views of a window take in one changed record at a time (``Views.replace``):
    the titles' keys kept in the file are then of the records before, not to be read."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        opened = _opened(index)  # (the records file written)
        gen, _ = _decoded(opened)
    loaded = _load(opened.folder, gen)
    assert loaded is not None
    views = Views.of(loaded, loaded.columns)
    old = loaded["2301.00002"]
    new = dataclasses.replace(old, summary=dataclasses.replace(old.summary, title="Zebras"))
    loaded["2301.00002"] = new
    assert views.replace("2301.00002", old, new)
    assert views.in_order(SortOrder.TITLE) == ["2504.00001", "1907.00003", "2301.00002"]


def _written_and_loaded(
    lib: Library, extractor: TextExtractor
) -> tuple[records.Records | None, dict[str, Entry]]:
    """The records file an index writes (loaded anew), and the records it decoded."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        opened = _opened(index)
        gen, decoded = _decoded(opened)
    return _load(opened.folder, gen), decoded


def test_many_records_asked_for_are_decoded_at_once(
    lib: Library, extractor: TextExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search decodes its hits one by one; past a few hundred (a list of every paper),
    the rest are decoded in one go, and the file's bytes let go."""
    monkeypatch.setattr(records, "_SINGLES", 1)
    loaded, decoded = _written_and_loaded(lib, extractor)
    assert loaded is not None
    first, second, _third = decoded
    assert loaded[first] == decoded[first] and loaded._stored is not None  # one by one
    assert loaded[second] == decoded[second] and loaded._stored is None  # the rest at once
    assert dict(loaded) == decoded


def test_records_decoded_at_once_leave_the_young_generations(
    lib: Library, extractor: TextExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decoded during a search (the collector paused), every record was left to the next
    collections, which walked them all wherever they came (the first edit after: a full
    collection of 44-67 ms at 10,000 papers); the call that decodes them collects once, and
    leaves them in the oldest generation (from SETTLE_FROM records: 1,000)."""
    monkeypatch.setattr(records, "SETTLE_FROM", 3)
    loaded, decoded = _written_and_loaded(lib, extractor)
    assert loaded is not None and loaded._stored is not None
    with gc_paused():
        summaries = [entry.summary for entry in loaded.plain().values()]
    young = {id(o) for o in gc.get_objects(0) + gc.get_objects(1)}
    assert [s.key for s in summaries] == list(decoded)
    assert not [s.key for s in summaries if id(s) in young]
    assert not [k for k, e in loaded.plain().items() if id(e) in young]


def test_the_collector_stays_paused_until_the_last_call_that_paused_it_ends() -> None:
    """A search (the read lane) and a full-text batch's commit (the background lane) pause
    the collector at once: the first to end left the other's work to the collector, and
    one that began with the collector paused never let it run again."""
    assert gc.isenabled()
    search, commit = gc_paused(), gc_paused()
    search.__enter__()
    commit.__enter__()
    search.__exit__(None, None, None)
    paused_meanwhile = not gc.isenabled()
    commit.__exit__(None, None, None)
    assert paused_meanwhile and gc.isenabled()


def test_records_not_yet_decoded_are_those_of_their_commit_after_the_file_is_replaced(
    lib: Library, extractor: TextExtractor
) -> None:
    """A process decodes a record long after it loaded the file (mapped, on POSIX): another
    process's commit meanwhile writes a new records file in its place, and the record
    decoded after is still the one of the commit this process reads, whole."""
    folder = _synced_folder(lib, extractor)
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        opened = _opened(index)
        gen, decoded = _decoded(opened)
    loaded = _load(folder, gen)
    assert loaded is not None and loaded._stored is not None  # (none decoded yet)
    before = (folder / records.RECORDS).stat().st_ino
    lib.update("2301.00002", lambda p: setattr(p, "title", "A Title of the Next Commit"))
    with WhooshIndex(lib, extractor=extractor, observe=False) as other:
        other.update("2301.00002")
    with WhooshIndex(lib, extractor=extractor, observe=False) as other:
        other.search("")  # (the records file of the new commit written)
    assert (folder / records.RECORDS).stat().st_ino != before  # replaced
    assert dict(loaded) == decoded
    assert loaded["2301.00002"].summary.title != "A Title of the Next Commit"


def test_years_and_counts_made_after_a_record_was_replaced_are_of_the_new_record(
    lib: Library, extractor: TextExtractor
) -> None:
    """The years and the counts over every paper are made from the columns when first
    asked for (a search sorted by relevance never asks); one record replaced before that
    counts as it is now, as when they were made with the views."""
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        index.sync()
    with WhooshIndex(lib, extractor=extractor, observe=False) as index:
        gen, decoded = _decoded(_opened(index))
        folder = _opened(index).folder
    for ask_first in (False, True):
        loaded = _load(folder, gen)
        assert loaded is not None
        views = Views.of(loaded, loaded.columns)
        if ask_first:
            assert views.year["2301.00002"] == 2023 and views.all_status["read"] == 1
        old = loaded["2301.00002"]
        summary = dataclasses.replace(old.summary, year=1999, tags=("new",), status="read")
        new = dataclasses.replace(old, summary=summary)
        loaded["2301.00002"] = new
        assert views.replace("2301.00002", old, new)
        assert views.year["2301.00002"] == 1999
        assert views.all_tags["new"] == 1 and views.all_status["read"] == 2
        assert views.counts(list(decoded)) == (views.all_tags, views.all_status)
        assert views.in_order(SortOrder.YEAR)[-1] == "2301.00002"
