"""The analyzers' one-pass postings: exactly the postings Whoosh's own formats make from
the same analyzer's tokens, over varied text."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Frequency, Positions

from desktop_app.core.search.whoosh import analysis
from desktop_app.core.search.whoosh.analysis import (
    EXACT,
    PLAIN,
    STEMMED,
    LinkedPositions,
    TermFrequency,
    TermPositions,
    encode_positions,
    linked_postings,
    whoosh_positions,
)

#: Words as papers hold them: stop words, single letters, accents, digits, dotted words,
#: case, punctuation and page breaks between them.
_WORDS = st.sampled_from(
    [
        "the",
        "a",
        "of",
        "Hard",
        "negatives",
        "negative",
        "retrieval",
        "Retrieving",
        "x",
        "Gödel",
        "ÆØÅ",
        "straße",
        "cs.IR",
        "e.g.",
        "2504.01234",
        "v2",
        "tokens",
        "token",
        "tokenization",
        "BM25",
        "naïve",
        "co-training",
        "3",
        "it's",
        "Ⅻ",
        "ﬁne",
        "İstanbul",
    ]
)
_SEPARATORS = st.sampled_from([" ", "  ", ", ", ".\n", "\f", " - ", "(", ") ", "'", "…"])
_TEXTS = st.one_of(
    st.lists(st.tuples(_WORDS, _SEPARATORS), max_size=200).map(
        lambda parts: "".join(w + s for w, s in parts)
    ),
    st.text(max_size=300),
)


def _values(fmt: Any, text: str, analyzer: Any) -> list[tuple[Any, ...]]:
    return sorted(fmt.word_values(text, analyzer, mode="index"))


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_one_pass_positions_are_whooshs(text: str) -> None:
    for analyzer in (STEMMED, PLAIN):
        ours = _values(TermPositions(), text, analyzer)
        assert ours == _values(Positions(), text, analyzer)
        # each term's positions are its places among all words (dropped ones counted)
        placed = analyzer.placed(text)
        for term, freq, _weight, _value in ours:
            assert freq == sum(1 for _pos, t in placed if t == term)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_one_pass_frequencies_are_whooshs(text: str) -> None:
    for analyzer in (STEMMED, PLAIN, EXACT):
        ours = _values(TermFrequency(), text, analyzer)
        whooshs = _values(Frequency(), text, analyzer)
        assert [(t, f, w) for t, f, w, _v in ours] == [(t, f, w) for t, f, w, _v in whooshs]
        assert all(v == b"" for *_rest, v in ours)


@settings(max_examples=100, deadline=None)
@given(_TEXTS, _TEXTS)
def test_a_field_and_its_twin_given_the_same_text_cut_it_once_and_right(a: str, b: str) -> None:
    """The words of the text cut last are kept for its twin field: a different text (even
    an equal one) is cut anew."""
    for text in (a, b, a, "".join(a)):
        assert _values(TermPositions(), text, STEMMED) == _values(Positions(), text, STEMMED)
        assert _values(TermFrequency(), text, EXACT)[::1] == [
            (t, f, w, b"") for t, f, w, _v in _values(Frequency(), text, EXACT)
        ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**31 - 1), min_size=1, max_size=40))
def test_schema_5_positions_are_encoded_as_whooshs_positions_format(gaps: list[int]) -> None:
    positions = list(itertools.accumulate(gaps))
    assert whoosh_positions(positions) == Positions().encode(positions)
    assert whoosh_positions(positions[:1]) == Positions().encode(positions[:1])  # (kept)
    assert Positions().decode_positions(whoosh_positions(positions)) == positions


def test_the_words_of_a_text_are_forgotten_once_its_twin_has_them() -> None:
    """A long-lived process (the window) keeps no long text's words after indexing it."""
    text = "hard negatives " * 1000
    assert analysis.words_of(text) is analysis.words_of(text)  # cut once for the twin
    assert analysis._last_cut[0] == ""


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_linked_positions_of_a_text_cut_once_are_those_of_its_placed_terms(text: str) -> None:
    """The writer's columns (the words cut once for the field and its twin) hold what the
    analyzer's placed terms make, and read back as those positions."""
    for analyzer in (STEMMED, PLAIN):
        found = LinkedPositions().columns(text, analyzer)
        assert found is not None
        terms, freqs, weights, values = found
        expected = list(linked_postings(analyzer.placed(text)))
        assert terms == [t for t, _p, _f in expected]
        assert values == [encode_positions(p, f) for _t, p, f in expected]
        assert freqs == [len(p) for _t, p, _f in expected] and weights == freqs
        for value, (_t, poslist, _f) in zip(values or [], expected, strict=True):
            assert LinkedPositions().decode_positions(value) == poslist


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", "hard", "negat", "x1", "retriev"]), max_size=300))
def test_linked_columns_are_those_of_the_loop_per_word(terms: list[str]) -> None:
    """A text's terms one per word ("" for a word dropped) make the same columns either
    way: the steps over all words at once, and the loop per word (long texts)."""
    expected = list(analysis._linked_cut(terms))
    assert analysis._linked_columns(terms) == (
        [t for t, _p, _f in expected],
        [len(p) for _t, p, _f in expected],
        [encode_positions(p, f) for _t, p, f in expected],
    )


def test_a_text_of_more_than_65536_words_keeps_its_far_positions() -> None:
    text = "hard " + "the " * 70_000 + "hard negatives"
    terms, freqs, _weights, values = LinkedPositions().columns(text, STEMMED)
    assert terms == STEMMED.terms("hard negatives")[:2] and freqs == [2, 1]
    assert [LinkedPositions().decode_positions(v) for v in values] == [[0, 70_001], [70_002]]


#: Texts as long as a paper's page or more, over a vocabulary of thousands of words: most
#: of their terms occur once, some hundreds of times, and places reach past 255 and 4096.
_LONG_TEXTS = st.tuples(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=1, max_value=9000),
    st.integers(min_value=2, max_value=5000),
).map(
    lambda args: " ".join(
        (
            f"{'Word' if n % 7 == 0 else 'tokens'}{n}"
            if n > 30
            else ["the", "of", "x", "Retrieval", "negatives", "cs.IR", "Gödel"][n % 7]
        )
        for n in (
            (args[0] * (i + 1) * 2654435761 >> 7) % args[2] ** (1 + (i % 3 == 0))
            for i in range(args[1])
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(_LONG_TEXTS)
def test_linked_positions_of_a_long_text_are_those_of_its_placed_terms(text: str) -> None:
    """A long text's columns (the terms of one place made apart from the others) hold what
    its placed terms make, read back as its positions, and its twin's counts are its exact
    forms' (the field and its twin given the text one after the other, as a writer does)."""
    placed = STEMMED.placed(text)
    found = LinkedPositions().columns(text, STEMMED)
    twin = TermFrequency().columns(text, EXACT)
    assert found is not None and twin is not None
    terms, freqs, _weights, values = found
    expected = list(linked_postings(placed))
    assert terms == [t for t, _p, _f in expected]
    assert freqs == [len(p) for _t, p, _f in expected]
    assert values == [encode_positions(p, f) for _t, p, f in expected]
    assert [LinkedPositions().decode_positions(v) for v in values] == [p for _t, p, _f in expected]
    exact = _values(Frequency(), text, EXACT)
    assert sorted(zip(twin[0], twin[1], strict=True)) == [(t, f) for t, f, _w, _v in exact]


def test_marks_remembered_that_start_over_meanwhile_are_each_terms_own(monkeypatch: Any) -> None:
    """The marks of a text's new terms are worked out first; if their memo fills up and
    starts over meanwhile, each place still holds the mark of the term after it."""
    text = " ".join(f"word{i % 40} filler{i}" for i in range(300))
    expected = list(linked_postings(STEMMED.placed(text)))
    monkeypatch.setattr(analysis, "_MARKS_LIMIT", 5)  # (the next new term starts it over)
    found = LinkedPositions().columns(text, STEMMED)
    assert found is not None
    assert found[3] == [encode_positions(p, f) for _t, p, f in expected]
    assert analysis.follow_mark("") == 0  # (a word dropped: no term after)


@settings(max_examples=50, deadline=None)
@given(_TEXTS, st.sampled_from([0.5, 2.5, 3.0]))
def test_a_boosted_fields_weights_are_whooshs(text: str, boost: float) -> None:
    ours = _values(TermFrequency(field_boost=boost), text, STEMMED)
    whooshs = _values(Frequency(field_boost=boost), text, STEMMED)
    assert [(t, f, w) for t, f, w, _v in ours] == [(t, f, w) for t, f, w, _v in whooshs]
    positions = _values(TermPositions(field_boost=boost), text, STEMMED)
    assert positions == _values(Positions(field_boost=boost), text, STEMMED)
