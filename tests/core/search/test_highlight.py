"""What a query marks in a text, without an index: spans, snippets, pages, fuzzy words."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.search import highlight
from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START
from desktop_app.core.search.highlight import Marks, field_snippets, page_snippets
from desktop_app.core.search.query import parse
from tests.helpers.files import ROOT


def marks(query: str, expand: highlight.Expand | None = None) -> Marks:
    tree = parse(query)
    assert tree is not None
    return Marks.of(tree, expand)


def test_match_spans_marks_as_the_snippets_do() -> None:
    text = "Related work on message passing; messages pass."
    spans = highlight.match_spans
    assert [text[s:e] for s, e in spans('"work on message"', "abstract", text)] == [
        "work on message"
    ]
    assert spans('"work message"', "abstract", text) == []  # a phrase is exact
    assert [text[s:e] for s, e in spans('"work message"~2', "abstract", text)] == [
        "work on message"
    ]
    assert [text[s:e] for s, e in spans("message", "abstract", text)] == ["message", "messages"]
    assert [text[s:e] for s, e in spans("pass*", "abstract", text)] == ["passing", "pass"]
    assert spans("title:message", "abstract", text) == []  # another field's word
    assert spans("-message", "abstract", text) == []  # a negated word is not marked
    assert spans('"unclosed', "abstract", text) == []  # malformed: nothing, no error


def test_importing_the_highlighting_does_not_import_whoosh() -> None:
    """The window imports the highlighting: it must not load the search engine."""
    code = (
        "import sys, desktop_app.core.search.highlight\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'whoosh'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_accents_stems_and_wildcards_are_marked_as_the_index_finds_them() -> None:
    text = "Kurt Gödel retrieved the graphs; a graphical retrieval."
    spans = highlight.match_spans
    assert [text[s:e] for s, e in spans("godel", "title", text)] == ["Gödel"]
    assert [text[s:e] for s, e in spans("retrieving", "title", text)] == [
        "retrieved",
        "retrieval",
    ]
    assert [text[s:e] for s, e in spans("g?aph", "title", text)] == []  # "graphs": one more
    assert [text[s:e] for s, e in spans("g?aph*", "title", text)] == ["graphs", "graphical"]


def test_title_abstract_and_note_snippets_mark_and_escape() -> None:
    found = field_snippets(
        marks("graph"),
        "Graph Neural Networks",
        {"abstract": "Message passing on <large> graphs & more.", "note": "nothing here"},
    )
    assert [(s.field, s.html, s.page) for s in found] == [
        ("title", "<b>Graph</b> Neural Networks", None),
        ("abstract", "Message passing on &lt;large&gt; <b>graphs</b> &amp; more.", None),
    ]
    assert (
        found[1].text
        == f"Message passing on <large> {HIGHLIGHT_START}graphs{HIGHLIGHT_END} & more."
    )
    # A field the query names alone; a stored text that is missing.
    assert [s.field for s in field_snippets(marks("note:graph"), "Graph", {})] == []
    assert [s.field for s in field_snippets(marks("title:graph"), "Graph", {})] == ["title"]


def test_a_long_text_is_cut_around_its_most_matches_at_spaces() -> None:
    filler = " ".join(f"word{i}" for i in range(60))
    text = f"wavelet at the start. {filler} wavelet wavelets and wavelet again. {filler}"
    (snip,) = field_snippets(marks("wavelet"), "", {"abstract": text})
    assert snip.text.startswith("… ") and snip.text.endswith(" …")
    assert snip.html.count("<b>") == 3  # the three close together, not the lone first one
    assert "<b>wavelet</b> <b>wavelets</b> and <b>wavelet</b> again." in snip.html
    inner = snip.text[2:-2].replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
    assert len(inner) <= highlight.SNIPPET_CHARS
    assert inner in text and text[text.index(inner) - 1] == " "  # cut at a space


def test_page_snippets_name_their_pages_up_to_the_limit() -> None:
    pages = ["graph theory", "no match here", "graphs again", "a graph once more"]
    found = page_snippets(pages, marks("graph*"), limit=2)
    assert [(s.field, s.page, s.html) for s in found] == [
        ("fulltext", 1, "<b>graph</b> theory"),
        ("fulltext", 3, "<b>graphs</b> again"),
    ]
    assert page_snippets(pages, marks("title:graph"), limit=5) == []  # not the full text
    assert [s.page for s in page_snippets(pages, marks('"graph once"'), limit=5)] == [4]


def test_pages_holding_the_word_as_typed_come_first() -> None:
    """A stemmed word finds every form, but the pages holding the form typed show first,
    each in page order, and a snippet's window is put on that form."""
    pages = ["jargon here", "more jargon", "jargon again", "nothing", "still none", "jargoned"]
    assert [s.page for s in page_snippets(pages, marks("jargoned"), limit=3)] == [6, 1, 2]
    assert [s.page for s in page_snippets(pages, marks("jargon"), limit=3)] == [1, 2, 3]
    long_page = "jargon " + "filler words " * 40 + "and then jargoned at last"
    (snip,) = page_snippets([long_page], marks("jargoned"), limit=1)
    assert "<b>jargoned</b>" in snip.html


def test_a_fuzzy_word_marks_the_words_the_index_reaches() -> None:
    text = "retrieval and retrievers"
    asked: list[tuple[str, str, int]] = []

    def expand(fieldname: str, word: str, distance: int) -> list[str]:
        asked.append((fieldname, word, distance))
        return ["retriev"]  # the indexed word one edit away from the typo's stem

    with_index = marks("fulltext:retreival~1", expand).for_field("fulltext")
    assert [text[s:e] for s, e in with_index.spans(text)] == ["retrieval", "retrievers"]
    assert asked == [("fulltext", "retreiv", 1)]  # the stem, in the field searched
    # Without an index, the fuzzy word marks its own stem only.
    assert marks("fulltext:retreival~1").for_field("fulltext").spans(text) == []
    alone = marks("fulltext:retrieval~1").for_field("fulltext")
    assert [text[s:e] for s, e in alone.spans(text)] == ["retrieval", "retrievers"]


@given(
    st.lists(st.text("ab_.é- 1\n", min_size=1, max_size=3), min_size=1, max_size=3),
    st.text("ab_.é- 1\n", max_size=40),
)
def test_word_starts_are_where_a_lookbehind_regex_matches(starts: list[str], text: str) -> None:
    """The probe's matches at a word's start are those of ``(?<!\\w)(?:...)``, which finds
    them many times slower (alternatives holding non-word characters too)."""
    alternatives = "|".join(re.escape(p) for p in sorted(set(starts), key=len, reverse=True))
    expected = [m.start() for m in re.finditer(rf"(?<!\w)(?:{alternatives})", text)]
    assert list(highlight.word_starts(re.compile(alternatives), text)) == expected
