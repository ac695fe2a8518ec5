"""Scoring straight from the postings: phrases found and ranked by their occurrences."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from desktop_app.core.search.terms import WORD, phrase_offsets, stem_term
from desktop_app.core.search.whoosh import scoring
from desktop_app.core.search.whoosh.analysis import STEMMED
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
def test_phrases_find_every_occurrence(tmp_path: Path, phrase: str, slop: int) -> None:
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
