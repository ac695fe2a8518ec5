"""The own postings layout and segment writer: the same files, postings and search results
as Whoosh's own."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.writing import SegmentWriter

from desktop_app.core.library import Library
from desktop_app.core.pdf.text import PdfText
from desktop_app.core.search.whoosh import codec, documents, rebuild, store
from desktop_app.core.search.whoosh.analysis import KEYWORD_SEPARATOR, STEMMED
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import add_extras, build_fulltext, keys, random_texts


def test_writers_that_spill_postings_to_disk_write_the_same_index(
    lib: Library, ix: WhooshIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_extras(lib, 3)
    queries = ("fulltext:wavelet", '"message passing"', "graph*", "gomez", "tag:rag", "")
    ix.rebuild()  # (an index kept in step counts replaced documents in its statistics)
    before = {q: [(h.key, round(h.score, 6)) for h in ix.search(q).hits] for q in queries}
    # Posting pools with no room: every posting goes to a run on disk, merged at the end.
    monkeypatch.setattr(rebuild, "REBUILD_LIMIT_MB", 0)
    monkeypatch.setattr(rebuild, "SEGMENT_MB", 0)
    monkeypatch.setattr(rebuild, "TEXT_SEGMENT_MB", 0)
    ix.rebuild()
    after = {q: [(h.key, round(h.score, 6)) for h in ix.search(q).hits] for q in queries}
    assert after == before
    assert sorted(k for k, _ in after["fulltext:wavelet"]) == [f"2402.0000{i}" for i in range(3)]


def _segment_files(folder: Path, docs: list[dict[str, Any]], schema: Any, ours: bool) -> dict:
    """The files of one segment of ``docs``, written by our writer or by Whoosh's own
    (``SegmentWriter``, with our postings blocks), by what they hold."""
    folder.mkdir()
    ix = store.Storage(str(folder)).create_index(schema, indexname="x")
    writer = (
        codec.writer(ix, _lk=False)
        if ours
        else SegmentWriter(ix, _lk=False, compound=False, codec=codec.Codec())
    )
    for doc in docs:
        writer.add_document(**doc)
    writer._finalize_segment()
    # x_<segment id>.<what>: the postings, the terms, each column
    return {
        p.name.partition(".")[2]: p.read_bytes() for p in folder.iterdir() if p.name[:2] == "x_"
    }


def test_postings_written_a_block_at_a_time_are_the_files_whoosh_writes(tmp_path: Path) -> None:
    texts = [
        (f"k{i}", " ".join(f"w{(i * j) % 97} common word{j % 13}" for j in range(400)))
        for i in range(300)  # terms of one to three blocks of postings, some in every text
    ]
    texts += random_texts(40, seed=3)
    texts.append(("accents", "Gödel's théorème: the cs.IR e.g. 2504.01234 a of ÆØÅ ß x"))
    docs = [store.text_doc(key, text) for key, text in texts]
    ours = _segment_files(tmp_path / "ours", docs, store.fulltext_schema(), ours=True)
    whooshs = _segment_files(tmp_path / "whoosh", docs, store.fulltext_schema(), ours=False)
    assert {"pst", "trm", "key.col"} <= set(ours)
    assert ours == whooshs


def test_records_are_written_as_whooshs_own_writer_writes_them(
    lib: Library, tmp_path: Path
) -> None:
    """Every field of the papers index (keywords, numbers, columns, stored fields)."""
    add_extras(lib, 3)
    docs = []
    keys = lib.keys()
    for key in keys:
        prep = documents.prepare(lib, key, None, lambda pdf, sha, _r: PdfText(sha, ("x",)))
        assert prep.doc is not None
        docs.append(prep.doc)
    ours = _segment_files(tmp_path / "ours", docs, store.papers_schema(), ours=True)
    whooshs = _segment_files(tmp_path / "whoosh", docs, store.papers_schema(), ours=False)
    assert ours == whooshs and len(ours) > 3


def _postings(ix: Any) -> dict[tuple[str, bytes], list[tuple[int, float, bytes]]]:
    with ix.reader() as reader:
        out = {}
        for fieldname, text in reader.all_terms():
            m = reader.postings(fieldname, text)
            items = []
            while m.is_active():
                # A field without values (the key) gives None from a block, "" from a term's
                # inlined postings (Whoosh's ListMatcher; codec.INLINE_LIMIT): no value both.
                items.append((m.id(), m.weight(), m.value() or None))
                m.next()
            out[(fieldname, text)] = items
        return out


def test_postings_in_our_layout_read_back_as_whoosh_writes_them(tmp_path: Path) -> None:
    from whoosh import query as wq

    texts = random_texts(400, seed=1)  # common words: postings of many blocks
    ours = build_fulltext(tmp_path / "ours", texts, ours=True)
    whooshs = build_fulltext(tmp_path / "whooshs", texts, ours=False)
    assert isinstance(ours._segments()[0].codec(), codec.Codec)
    assert not isinstance(whooshs._segments()[0].codec(), codec.Codec)
    ours_postings = _postings(ours)
    assert ours_postings == _postings(whooshs)
    assert max(len(p) for p in ours_postings.values()) > 3 * 128  # blocks of 128
    # Skipping (Whoosh's own AND and phrase matchers do it) lands on the same postings.
    with ours.reader() as a, whooshs.reader() as b:
        for target in (0, 5, 130, 131, 300):
            ma, mb = a.postings("fulltext", "graph"), b.postings("fulltext", "graph")
            ma.skip_to(target)
            mb.skip_to(target)
            assert (ma.id(), ma.value()) == (mb.id(), mb.value())
    # Whoosh's own search over either finds the same documents with the same scores.
    hard_negative = STEMMED.terms("hard negative")
    dense = STEMMED.terms("dense")[0]
    for q in (wq.Phrase("fulltext", hard_negative), wq.And([wq.Term("fulltext", dense)])):
        with ours.searcher() as sa, whooshs.searcher() as sb:
            found = [
                sorted((s.stored_fields(d)["key"], round(score, 6)) for score, d in r.top_n)
                for s, r in ((sa, sa.search(q, limit=None)), (sb, sb.search(q, limit=None)))
            ]
        assert found[0] == found[1] and found[0]


def test_the_codec_runs_on_the_whoosh_it_was_written_for() -> None:
    """The codec subclasses Whoosh's private internals: another Whoosh version (which
    pyproject.toml's pin keeps out) needs the codec read against it first."""
    import whoosh

    assert tuple(whoosh.__version__[:2]) == codec.WHOOSH_VERSION


def test_segments_keep_their_own_files_when_random_is_seeded_again(
    lib: Library, ix: WhooshIndex, caplog: pytest.LogCaptureFixture
) -> None:
    """Whoosh names a segment with ``random``: seeded the same way before two commits (as
    Hypothesis does per example), the second overwrote the first one's files, and every
    later search failed with "Unknown file header"."""
    import random

    for n, tag in enumerate(("first", "second", "third")):
        random.seed(19)
        lib.add_tags("2504.00001" if n % 2 == 0 else "2301.00002", [tag])
    with WhooshIndex(lib) as again:
        assert keys(again, "tag:first") == keys(again, "tag:third") == ["2504.00001"]
        assert keys(again, "tag:second") == ["2301.00002"]
        assert again.search("").total == 3
    assert not [r for r in caplog.records if "damaged" in r.getMessage()]  # nor rebuilt


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=1, max_size=128),
    st.lists(st.sampled_from([1.0, 2.0, 0.5, 3.0, 1e9]), min_size=1, max_size=128),
)
def test_a_blocks_ids_and_weights_are_minified_as_whoosh_does(
    ids: list[int], weights: list[float]
) -> None:
    """Our postings writer minifies a block's document numbers and weights in C: the same
    values (the same bytes once pickled) as Whoosh's own."""
    ours = codec.PostingsWriter(None, blocklimit=128)
    whooshs = W3PostingsWriter(None, blocklimit=128)
    for writer in (ours, whooshs):
        writer._new_block()
        writer._ids.extend(sorted(ids))
        writer._weights.extend(weights)
    assert ours._mini_ids() == whooshs._mini_ids()
    assert ours._mini_weights() == whooshs._mini_weights()
    assert pickle.dumps(ours._mini_weights(), 2) == pickle.dumps(whooshs._mini_weights(), 2)


def test_blocks_of_schema_5_indexes_are_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their values compressed with the ids and pickled with protocol 2: an index of the
    schema before is searched as it is while its replacement is built."""
    texts = random_texts(300, seed=4)
    ours = build_fulltext(tmp_path / "ours", texts, ours=True)
    monkeypatch.setattr(codec.PostingsWriter, "raw_values", False)
    older = build_fulltext(tmp_path / "older", texts, ours=True)
    monkeypatch.undo()
    assert _postings(older) == _postings(ours)
    assert max(len(p) for p in _postings(older).values()) > 128  # blocks of 128


def test_keyword_fields_are_written_as_whooshs_own_writer_writes_them(tmp_path: Path) -> None:
    """Keyword values repeated, empty, spaced or accented, and an empty ID: the postings
    made without Whoosh's tokens are its own."""
    sep = KEYWORD_SEPARATOR
    docs = [
        {"key": "a", "tag": sep.join(["rag", "rag", "Été", " to  read ", ""]), "status": "read"},
        {"key": "", "cat": sep.join(["cs.IR", "cs", "cs"]), "id": "x", "has": ""},
        {"key": "b", "tag": "", "pdf": "none", "id": sep.join(["2504.00001", "2504.00001v2"])},
    ]
    ours = _segment_files(tmp_path / "ours", docs, store.papers_schema(), ours=True)
    whooshs = _segment_files(tmp_path / "whoosh", docs, store.papers_schema(), ours=False)
    assert ours == whooshs and "trm" in ours


def test_a_writer_whose_postings_spill_to_disk_keeps_those_still_in_memory(
    tmp_path: Path,
) -> None:
    """A pool over its limit writes runs to disk and merges them at the end, with what it
    still holds in memory: those postings were lost (the last papers' words unfound)."""
    texts = random_texts(60, seed=5)
    texts.append(("last", "zyzzyva quokka"))
    found = {}
    for limitmb in (128, 0.02):  # (none spilled; runs of ~20 KB, and some left over)
        folder = tmp_path / str(limitmb)
        folder.mkdir()
        ix = store.Storage(str(folder)).create_index(store.fulltext_schema(), indexname="x")
        writer = codec.writer(ix, limitmb=limitmb)
        for key, text in texts:
            writer.add_document(**store.text_doc(key, text))
        assert bool(writer.pool.runs) == (limitmb < 1)
        writer.commit(merge=False)
        found[limitmb] = _postings(ix)
    assert found[0.02] == found[128]
    assert [p[0] for p in found[128][("fulltext", b"quokka")]] == [len(texts) - 1]


def test_weights_that_are_not_32_bit_floats_are_written_as_whoosh_writes_them(
    tmp_path: Path,
) -> None:
    """The pool keeps weights as 32-bit floats while each is one (a frequency): a boosted
    document's weights (x 1.1) are kept as they come from then on, the largest written
    whole in each block's info as Whoosh writes it."""
    texts = random_texts(30, seed=6)
    docs: list[dict[str, Any]] = [store.text_doc(key, text) for key, text in texts]
    for doc in docs[10:]:
        doc["_boost"] = 1.1
    ours = _segment_files(tmp_path / "ours", docs, store.fulltext_schema(), ours=True)
    whooshs = _segment_files(tmp_path / "whoosh", docs, store.fulltext_schema(), ours=False)
    assert ours == whooshs


def test_segments_merged_by_our_writer_are_those_whoosh_merges(tmp_path: Path) -> None:
    """A merge hands the pool one posting at a time (``GroupedPool.add``), the deleted
    documents left out and the others numbered again."""
    texts = random_texts(200, seed=7)
    ours = build_fulltext(tmp_path / "ours", texts, ours=True)
    whooshs = build_fulltext(tmp_path / "whooshs", texts, ours=False)
    assert len(ours._segments()) > 1
    codec.writer(ours).commit(optimize=True)
    SegmentWriter(whooshs).commit(optimize=True)
    assert len(ours._segments()) == len(whooshs._segments()) == 1
    assert _postings(ours) == _postings(whooshs)
