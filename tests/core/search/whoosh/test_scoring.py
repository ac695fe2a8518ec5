"""Scoring straight from the postings: phrases found and ranked by their occurrences."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from desktop_app.core.search.terms import WORD, phrase_offsets, stem_term
from desktop_app.core.search.whoosh import scoring, store
from desktop_app.core.search.whoosh.analysis import (
    STEMMED,
    LinkedPositions,
    TermPositions,
    encode_positions,
    follow_mark,
    follow_marks,
)
from tests.helpers.indexing import build_fulltext, random_texts


def _occurrences_in(text: str, placed: tuple[tuple[int, str], ...], slop: int) -> int:
    """How often the phrase's terms occur in ``text``, each at its offset after the one
    before or up to ``slop - 1`` words further (counted from every word, stop words too,
    as a reader would)."""
    tokens = [stem_term(w) for w in WORD.findall(text)]
    count = 0
    for start in (i for i, token in enumerate(tokens) if token == placed[0][1]):
        pos = start
        for (before, _), (offset, word) in itertools.pairwise(placed):
            least = offset - before
            window = tokens[pos + least : pos + least + slop]
            if word not in window:
                break
            pos += least + window.index(word)
        else:
            count += 1
    return count


@pytest.mark.parametrize(
    ("phrase", "slop"),
    [
        ("neural network", 1),
        ("hard negative", 1),
        ("hard of negative", 1),
        ("dense retrieval model", 1),
        ("graph graph", 1),
        ("neural model", 3),
        ("neural of model", 2),
    ],
)
@pytest.mark.parametrize("fmt", [LinkedPositions, TermPositions])
def test_phrases_find_every_occurrence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phrase: str, slop: int, fmt: type
) -> None:
    """In the positions' format of new indexes, and in schema 5's (searched as it is while
    its replacement is built)."""
    schema = store.fulltext_schema()
    schema["fulltext"].format = fmt(field_boost=schema["fulltext"].format.field_boost)
    monkeypatch.setattr(store, "fulltext_schema", lambda: schema)
    written = random_texts(400, seed=2)
    ix = build_fulltext(tmp_path / "ix", written, ours=True)
    texts = dict(written)
    for key, _text in written[:20]:
        texts[key] += " neural network"  # as _build updates them
    placed = phrase_offsets(phrase)
    words = [t for _pos, t in placed]
    offsets = tuple(pos for pos, _t in placed)
    expected = {k: _occurrences_in(t, placed, slop) for k, t in texts.items()}
    expected = {k: n for k, n in expected.items() if n}
    with ix.searcher() as searcher:
        scores: dict[str, float] = {}
        scoring._score_phrase(searcher, "fulltext", words, offsets, slop, 1.0, scores)
    assert set(scores) == set(expected) and expected
    # More occurrences in a text of the same length rank higher.
    lengths = {k: len(STEMMED.terms(t)) for k, t in texts.items()}
    pairs = [
        (a, b)
        for a in expected
        for b in expected
        if lengths[a] == lengths[b] and expected[a] > expected[b]
    ]
    assert pairs
    for a, b in pairs:
        assert scores[a] > scores[b], (a, b)


def test_a_phrase_in_few_papers_scores_them_as_from_the_segments_whole_lists(
    tmp_path: Path,
) -> None:
    """A phrase found in few papers of a segment reads their keys and field lengths one by
    one (a new process need not read every segment's whole lists): the same scores as a
    process that holds those lists already."""
    written = random_texts(300, seed=5)
    texts = [
        (k, t + " sparse fusion" * (i % 3 + 1) if i % 40 == 7 else t)
        for i, (k, t) in enumerate(written)
    ]
    ix = build_fulltext(tmp_path / "ix", texts, ours=True)
    placed = phrase_offsets("sparse fusion")  # (words the others do not hold)
    words, offsets = [t for _pos, t in placed], tuple(pos for pos, _t in placed)
    scoring._segment_cache.clear()
    with ix.searcher() as searcher:
        one_by_one: dict[str, float] = {}
        scoring._score_phrase(searcher, "fulltext", words, offsets, 1, 1.0, one_by_one)
        assert not scoring._segment_cache  # (read one by one)
        for sub, _offset in searcher.leaf_searchers():
            for what in ("key", "fulltext"):
                scoring._segment_list(sub.reader(), what)
        whole: dict[str, float] = {}
        scoring._score_phrase(searcher, "fulltext", words, offsets, 1, 1.0, whole)
    assert one_by_one == whole
    assert {f"k{i}" for i in range(7, 300, 40)} <= set(whole)


def _phrase_keys(tmp_path: Path, texts: list[tuple[str, str]], phrase: str) -> dict[str, float]:
    ix = build_fulltext(tmp_path / "ix", texts, ours=True, batches=1)
    placed = phrase_offsets(phrase)
    scores: dict[str, float] = {}
    with ix.searcher() as searcher:
        words = [t for _pos, t in placed]
        offsets = tuple(pos for pos, _t in placed)
        scoring._score_phrase(searcher, "fulltext", words, offsets, 1, 1.0, scores)
    return scores


def test_a_phrase_is_not_found_where_another_word_bears_its_second_words_mark(
    tmp_path: Path,
) -> None:
    """A phrase first keeps the papers where its first word is followed by a word marked
    as its second one (a byte from a hash): another word with the same mark must not make
    a paper match."""
    second = stem_term("negatives")
    twin = next(
        w
        for w in (f"zq{i}x" for i in range(10_000))
        if stem_term(w) != second and follow_mark(stem_term(w)) == follow_mark(second)
    )
    texts = [
        ("twin", f"hard {twin} and hard of negatives, negatives hard"),
        ("both", f"hard {twin} then hard negatives"),
        ("none", "negatives hard"),
    ]
    assert set(_phrase_keys(tmp_path, texts, "hard negatives")) == {"both"}


def test_phrases_are_found_across_long_gaps(tmp_path: Path) -> None:
    """Positions more than 65,535 words apart (a long book's text) are stored wider."""
    filler = " ".join(["retrieval"] * 70_000)
    texts = [
        ("long", f"hard negatives {filler} hard negatives"),
        ("gap", f"hard {filler} negatives"),
        ("short", "hard negatives"),
    ]
    scores = _phrase_keys(tmp_path, texts, "hard negatives")
    assert set(scores) == {"long", "short"}
    assert scores["long"] > 0 and scores["short"] > 0


@pytest.mark.parametrize(
    "positions", [[0], [5], [65_535], [70_000], [3, 9, 12], [1, 2, 70_000, 70_001], [0, 1, 2]]
)
def test_positions_read_back_as_written(positions: list[int]) -> None:
    """What Whoosh's own phrase matcher reads (the format's decode_positions), with or
    without the marks of the next terms."""
    fmt = LinkedPositions()
    marks = bytes(range(1, len(positions) + 1))
    for value in (encode_positions(positions, marks), encode_positions(positions)):
        assert fmt.decode_positions(value) == positions
        assert fmt.decode_frequency(value) == len(positions)
    assert follow_marks(encode_positions(positions, marks)) == marks
    assert follow_marks(encode_positions(positions)) == b""


@pytest.mark.parametrize("offsets_written", [False, True])
def test_the_key_column_reads_as_whooshs_own_reader(offsets_written: bool) -> None:
    """The key column read with its offsets summed in C (:func:`scoring.key_column`) gives
    Whoosh's values, document by document and whole: a column of Whoosh's usual size, and
    one of over 32,768 documents (here: 2), whose offsets are written too."""
    from whoosh.columns import VarBytesColumn
    from whoosh.filedb.filestore import RamStorage

    values = [f"2401.{i:05d}".encode() for i in range(40)] + [b"", b"x", b"longer key"]
    column = VarBytesColumn(write_offsets_cutoff=2 if offsets_written else 2**15)
    storage = RamStorage()
    out = storage.create_file("key.col")
    writer = column.writer(out)
    for docnum, value in enumerate(values):
        if value:  # (a document without a value is filled in as empty)
            writer.add(docnum, value)
    writer.finish(len(values))
    length = out.tell()
    out.close()
    ours = scoring._KeyColumn().reader(storage.open_file("key.col"), 0, length, len(values))
    whooshs = VarBytesColumn().reader(storage.open_file("key.col"), 0, length, len(values))
    assert ours.had_stored_offsets == whooshs.had_stored_offsets == offsets_written
    assert [ours[d] for d in range(len(values))] == values
    assert list(ours) == list(whooshs) == values
