"""Index terms without Whoosh: the copies of Whoosh's accent map, stop words and stemmer
fold, drop and stem every word as Whoosh's own (the index uses them to search, the window
to mark what was found: they must agree)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as whoosh_stem
from whoosh.support.charset import accent_map

from desktop_app.core.search import porter, terms
from tests.helpers.files import ROOT


def test_accent_map_and_stop_words_are_whooshs() -> None:
    assert accent_map == terms.ACCENT_MAP
    assert terms.STOP_WORDS == STOP_WORDS
    assert terms.fold("Kurt GÖDEL") == "kurt godel"


def test_the_stemmer_stems_as_whooshs_does() -> None:
    words = {"fundamentally", "retrieval", "retrieving", "happy", "yielding", "caresses"}
    for path in sorted((ROOT / "desktop_app").rglob("*.py")):  # thousands of English words
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", path.read_text("utf-8")))
    assert len(words) > 2000
    assert {w: porter.stem(w) for w in words} == {w: whoosh_stem(w) for w in words}
    assert terms.stem_term("Retrieving") == terms.stem_term("retrieval") == "retriev"
    assert terms.stem_term("the") == terms.stem_term("x") == ""  # a stop word, a letter
    assert terms.stemmed_terms("The Gödel retrieval of a paper") == ["godel", "retriev", "paper"]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.sampled_from("ab1_.é. \n-'İß"), max_size=60),
        st.text(max_size=60),
    )
)
def test_words_are_cut_as_before(text: str) -> None:
    """The word pattern finds the words the pattern of older indexes found, where each
    match starts and ends (the index's positions and the marks of snippets)."""
    before = re.compile(r"\w+(?:\.?\w+)*")
    assert [m.span() for m in terms.WORD.finditer(text)] == [
        m.span() for m in before.finditer(text)
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.sampled_from("ab1_.Z \n-'\f"), max_size=80),
        st.text(alphabet=st.sampled_from("ab1_.é. \n-'İßⅫ٣"), max_size=80),
        st.text(max_size=80),
    )
)
def test_the_words_of_an_ascii_text_or_any_other_are_the_word_patterns(text: str) -> None:
    """A text of ASCII characters alone is cut with a pattern of its own: the same words."""
    assert terms.find_words(text) == terms.WORD.findall(text)
    assert terms.find_words(text) == re.findall(r"\w+(?:\.\w+)*", text)


def test_a_memo_that_starts_over_meanwhile_gives_each_word_its_term(monkeypatch: Any) -> None:
    """The words not remembered are worked out first; when the memo fills up meanwhile and
    starts over, the terms are still every word's own."""
    words = [f"retrieving{i}s" for i in range(50)] + ["The", "Gödel", "tokens", "x"]
    expected = [terms.stem_term(w) for w in words]
    forms = [terms.other_form(w) for w in words]
    plain = [terms.plain_term(w) for w in words]
    monkeypatch.setattr(terms, "_MEMO_LIMIT", 7)
    for memo in (terms._stem_memo, terms._other_memo, terms._fold_memo):
        memo.clear()
    assert terms.word_terms(words) == expected
    assert terms.word_other_forms(words * 2) == forms * 2
    assert terms.word_terms(words, stem=False) == plain
