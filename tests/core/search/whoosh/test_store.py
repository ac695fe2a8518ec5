"""The stored index: its folder, schema and files; an index that is missing, damaged or of
another schema is rebuilt, one still readable is searched meanwhile."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh import store
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import keys
from tests.helpers.locks import index_lock_held

# -- a disposable cache ---------------------------------------------------------------------


def test_rebuilt_after_its_folder_is_deleted(lib: Library, ix: WhooshIndex) -> None:
    before = keys(ix, "retrieval")
    folder = ix.dir
    ix.close()
    shutil.rmtree(folder)
    progress: list[tuple[int, int]] = []
    with WhooshIndex(lib) as again:
        report = again.sync(lambda done, total: progress.append((done, total)))
        assert report.rebuilt and report.reason == "no index yet"
        # The command line's build: each paper's record and cached text in one pass, to
        # the end (no second phase: the app's build has one, see test_texts.py).
        assert progress[0] == (0, 3) and progress[-1] == (3, 3)
        assert all(total == 3 for _done, total in progress)
        assert keys(again, "retrieval") == before


def test_truncated_segment_file_is_rebuilt_with_nothing_lost(lib: Library, ix: WhooshIndex) -> None:
    before = {q: keys(ix, q) for q in ("retrieval", "fulltext:bm25", "tag:rag", "note:colbert")}
    opened = ix._open
    assert opened is not None
    folder = opened.folder
    ix.close()
    # The largest file of a segment's postings or terms (a small library's terms keep
    # their few postings in the terms file: codec.INLINE_LIMIT).
    segment = max(
        (p for p in folder.iterdir() if p.suffix in (".pst", ".trm")),
        key=lambda p: p.stat().st_size,
    )
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    with WhooshIndex(lib) as again:
        report = again.sync()
        assert report.rebuilt and report.reason and "damaged" in report.reason
        assert {q: keys(again, q) for q in before} == before


def test_the_files_of_edits_and_merges_are_noted_and_checked(lib: Library, ix: WhooshIndex) -> None:
    """files.json is kept up to date by each commit noting the files new since the last
    (store.record_files): after edits and the merge of their segments it notes exactly the
    index files there, with their sizes, and a file an edit wrote that is cut short later
    is found on the next open."""
    opened = ix._open
    assert opened is not None
    folder = opened.folder

    def on_disk() -> dict[str, int]:
        return {
            p.name: p.stat().st_size
            for p in folder.iterdir()
            if p.is_file()
            and not p.name.startswith(".")  # (the records file: not an index file)
            and not p.name.endswith("WRITELOCK")
            and p.name != store.FILES
        }

    for n in range(5):
        lib.add_tags("2301.00002", [f"t{n}"])
    ix.sync()  # merges the edits' segments: their files are gone
    lib.add_tags("2301.00002", ["last"])
    noted = json.loads((folder / store.FILES).read_text(encoding="utf-8"))
    assert noted == on_disk()
    assert store.check_files(folder) is None
    newest = max(
        (p for p in folder.iterdir() if p.suffix == ".trm"), key=lambda p: p.stat().st_mtime_ns
    )
    newest.write_bytes(newest.read_bytes()[:-1])
    assert (
        store.check_files(folder)
        == f"{newest.name} is {noted[newest.name] - 1} bytes, {noted[newest.name]} expected"
    )


def test_old_schema_is_rebuilt(lib: Library, ix: WhooshIndex) -> None:
    pointer = ix.dir / store.POINTER
    ix.close()
    data = json.loads(pointer.read_text())
    data["schema"] = store.SCHEMA_VERSION - 1
    pointer.write_text(json.dumps(data))
    with WhooshIndex(lib) as again:
        report = again.sync()
        assert report.rebuilt and report.reason == (
            "made by an older version of Papershelf: "
            f"schema {store.SCHEMA_VERSION - 1}, now {store.SCHEMA_VERSION}"
        )
        assert again.search("").total == 3


def test_an_older_index_is_searched_while_a_sync_rebuilds_it(lib: Library, ix: WhooshIndex) -> None:
    import threading

    before = keys(ix, "retrieval")
    pointer = ix.dir / store.POINTER
    ix.close()
    data = json.loads(pointer.read_text())
    data["schema"] = 1  # an index of the version before: still readable
    pointer.write_text(json.dumps(data))
    with WhooshIndex(lib) as again:
        assert again.searchable() and not again.exists()
        reports: list[Any] = []
        syncing = threading.Thread(target=lambda: reports.append(again.sync()))
        with index_lock_held(ix.dir):  # the rebuild is slow (or another program's)
            syncing.start()  # waits for the writers' lock, not holding the searches up
            assert keys(again, "retrieval", stale_ok=True) == before
            assert not reports
        syncing.join(30)
        (report,) = reports
        assert report.rebuilt and report.reason.startswith("made by an older version")
        assert again.exists() and keys(again, "retrieval") == before
        assert [p.name for p in again.dir.glob("index-*")] == [again._open.name]  # old gone


def test_index_files_are_read_through_memory_maps_empty_ones_as_they_are(tmp_path: Path) -> None:
    storage = store.Storage(str(tmp_path))
    (tmp_path / "full.bin").write_bytes(b"\x00\x00\x00\x2a rest")
    (tmp_path / "empty.bin").write_bytes(b"")
    full = storage.open_file("full.bin")
    assert isinstance(full, store.MappedFile)
    assert full.get_int(0) == 42 and full.get(5, 4) == b"rest"
    full.seek(4)
    assert full.read() == b" rest"
    full.close()
    empty = storage.open_file("empty.bin")  # a map of nothing cannot be made
    assert empty.read() == b""
    empty.close()


def test_an_index_whose_segments_name_a_moved_codec_is_rebuilt_not_searched(
    lib: Library, ix: WhooshIndex
) -> None:
    """Schema 2's segments name the codec by its old module path: searching one would
    fail, so it is rebuilt first even where a stale index would do."""
    before = keys(ix, "retrieval")
    pointer = ix.dir / store.POINTER
    ix.close()
    data = json.loads(pointer.read_text())
    data["schema"] = 2
    pointer.write_text(json.dumps(data))
    assert 2 not in store.READABLE_SCHEMAS and 1 in store.READABLE_SCHEMAS
    with WhooshIndex(lib) as again:
        assert not again.searchable() and not again.exists()
        assert keys(again, "retrieval", stale_ok=True) == before  # rebuilt first
        assert again.exists()


def test_a_segments_terms_read_as_whooshs_own_reader_reads_them(shared_ix: WhooshIndex) -> None:
    """The terms' table with its directory read in one slice (:class:`store.TermsReader`,
    what the codec opens) holds what Whoosh's own reader of the file finds: the same hash
    tables, the same terms and the same postings' places."""
    from whoosh.codec.whoosh3 import W3TermsReader

    opened = shared_ix._open
    assert opened is not None
    for ix in (opened.papers, opened.fulltext):
        for segment in ix._segments():
            name = segment.make_filename(segment.codec().TERMS_EXT)
            length = ix.storage.file_length(name)
            ours = store.terms_reader(segment.codec(), ix.storage, segment)
            whooshs = W3TermsReader(segment.codec(), ix.storage.open_file(name), length, None)
            assert ours._tindex.tables == whooshs._tindex.tables
            assert ours._tindex.endofdata == whooshs._tindex.endofdata
            assert ours._fieldmap == whooshs._fieldmap
            assert list(ours.terms()) == list(whooshs.terms())
            for term in itertools.islice(whooshs.terms(), 0, None, 7):
                assert ours.term_info(*term).extent() == whooshs.term_info(*term).extent()
        searcher = ix.searcher()
        try:
            assert all(
                isinstance(sub.reader()._terms, store.TermsReader)
                for sub, _offset in searcher.leaf_searchers()
            )
        finally:
            searcher.close()
