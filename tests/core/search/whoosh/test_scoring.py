"""Scoring straight from the postings: phrases found and ranked by their occurrences."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.search.whoosh import scoring
from desktop_app.core.search.whoosh.analysis import STEMMED
from tests.helpers.indexing import build_fulltext, random_texts


def _occurrences_in(text: str, words: list[str], slop: int) -> int:
    """How often ``words`` occur in order in ``text``, each at most ``slop`` tokens after
    the one before (counted from the tokens, as a reader would)."""
    tokens = STEMMED.terms(text)
    count = 0
    for start in (i for i, token in enumerate(tokens) if token == words[0]):
        pos = start
        for word in words[1:]:
            window = tokens[pos + 1 : pos + 1 + slop]
            if word not in window:
                break
            pos += 1 + window.index(word)
        else:
            count += 1
    return count


@pytest.mark.parametrize(
    ("phrase", "slop"),
    [
        ("neural network", 1),
        ("hard negative", 1),
        ("dense retrieval model", 1),
        ("graph graph", 1),
        ("neural model", 3),
    ],
)
def test_phrases_find_every_occurrence(tmp_path: Path, phrase: str, slop: int) -> None:
    written = random_texts(400, seed=2)
    ix = build_fulltext(tmp_path / "ix", written, ours=True)
    texts = dict(written)
    for key, _text in written[:20]:
        texts[key] += " neural network"  # as _build updates them
    words = STEMMED.terms(phrase)
    expected = {k: _occurrences_in(t, words, slop) for k, t in texts.items()}
    expected = {k: n for k, n in expected.items() if n}
    with ix.searcher() as searcher:
        scores: dict[str, float] = {}
        scoring._score_phrase(searcher, "fulltext", words, slop, 1.0, scores)
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
