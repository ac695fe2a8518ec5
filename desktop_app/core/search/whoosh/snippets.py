"""The index's side of highlighting: a hit's snippets, cut (by :mod:`..highlight`) from the
texts the index stores (abstract, notes) and from the text cache (a PDF's pages), and the
indexed words a fuzzy word reaches, which it marks.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from desktop_app.core.pdf.text import load_cached
from desktop_app.core.search.api import Hit, Snippet
from desktop_app.core.search.highlight import (
    Expand,
    Marks,
    annotation_snippets,
    field_snippets,
    page_snippets,
)
from desktop_app.core.search.query import FULLTEXT, Node
from desktop_app.core.search.whoosh.documents import Entry
from desktop_app.core.search.whoosh.opened import Opened, searchers_of
from desktop_app.core.search.whoosh.scoring import text_holders
from desktop_app.core.search.whoosh.store import DAMAGE


def expander(o: Opened) -> Expand:
    """The words of ``o``'s indexes (as they are now) within an edit distance of a word."""
    preader = o.psearcher.reader() if o.psearcher else None
    treader = o.tsearcher.reader() if o.tsearcher else None

    def expand(fieldname: str, word: str, distance: int) -> Iterator[str]:
        reader = treader if fieldname == FULLTEXT else preader
        if reader is not None:
            with contextlib.suppress(*DAMAGE):  # a damaged index: the words found so far
                yield from reader.terms_within(fieldname, word, distance, prefix=1)

    return expand


def snippet_hits(
    o: Opened,
    entries: list[Entry],
    scores: Mapping[str, float],
    tree: Node,
    marks: Marks,
    pages: int,
) -> list[Hit]:
    """The hits of ``entries`` with their snippets (:func:`hit_snippets`); the text of a
    hit that the index shows holds none of the words or phrases marked there is not read
    (:func:`.scoring.text_holders`)."""
    holds = text_holders(o, tree) if marks.covers(FULLTEXT) else None
    return [
        Hit(
            e.summary,
            scores[e.summary.key],
            hit_snippets(o, e, marks, pages, not holds or holds(e.summary.key)),
        )
        for e in entries
    ]


def hit_snippets(
    o: Opened, entry: Entry, marks: Marks, pages: int, text: bool = True
) -> tuple[Snippet, ...]:
    """A hit's snippets: its title, abstract, notes and annotations, and the first
    ``pages`` pages of its PDF's text with a match, where the marks cover them (the text
    is not read when ``text`` is False: the index knows it holds no match)."""
    s = entry.summary
    stored: dict[str, Any] = {}
    if marks.covers("abstract") or marks.covers("note") or marks.covers("annotation"):
        psearcher, _ = searchers_of(o)
        docnum = psearcher.document_number(key=s.key)
        if docnum is not None:
            stored = psearcher.stored_fields(docnum)
    out = field_snippets(marks, s.title, stored)
    if text and marks.covers(FULLTEXT) and entry.text_state == "ok":
        out.extend(text_snippets(entry, marks, pages))
    return tuple(out)


def annotation_hits(o: Opened, entry: Entry, marks: Marks) -> list[Snippet]:
    """The paper's annotations that match, each a snippet naming its page."""
    if not marks.covers("annotation") or not entry.summary.annotations:
        return []
    psearcher, _ = searchers_of(o)
    docnum = psearcher.document_number(key=entry.summary.key)
    if docnum is None:
        return []
    stored = psearcher.stored_fields(docnum)
    return annotation_snippets(
        stored.get("annotation") or "", stored.get("annotation_pages"), marks
    )


def text_snippets(entry: Entry, marks: Marks, limit: int) -> list[Snippet]:
    """The snippets of the first ``limit`` pages of a paper's PDF text with a match."""
    pages = _pages(entry.text_sha)
    return page_snippets(pages, marks, limit) if pages else []


#: The page texts of the PDFs whose snippets were cut last (a PDF's text, keyed by its
#: hash, never changes): a query typed on, sorted anew or paged through cuts snippets from
#: the same texts again, and each read of the text cache gunzips and decodes JSON.
_page_memo: OrderedDict[str, tuple[str, ...]] = OrderedDict()
_page_memo_lock = threading.Lock()
PAGE_MEMO_SIZE = 64  # PDFs


def _pages(sha: str) -> tuple[str, ...] | None:
    with _page_memo_lock:
        pages = _page_memo.get(sha)
        if pages is not None:
            _page_memo.move_to_end(sha)
            return pages
    cached = load_cached(sha)
    if cached is None or not cached.ok:
        return None
    pages = tuple(cached.pages)
    with _page_memo_lock:
        _page_memo[sha] = pages
        while len(_page_memo) > PAGE_MEMO_SIZE:
            _page_memo.popitem(last=False)
    return pages
