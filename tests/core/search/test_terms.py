"""Index terms without Whoosh: the copies of Whoosh's accent map, stop words and stemmer
fold, drop and stem every word as Whoosh's own (the index uses them to search, the window
to mark what was found: they must agree)."""

from __future__ import annotations

import re

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
