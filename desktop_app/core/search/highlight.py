"""What a query marks in a text, engine-free: match spans, snippets, marks.

A search's snippets and the window's detail pane mark the same words: those a query's (not
negated) terms match, cut and stemmed as the index cuts them (:mod:`.terms`): words by their
stems, prefixes, wildcards, a phrase as one span from its first word to its last. A fuzzy
word marks the indexed words it reaches, which only an index knows: the engine passes in
an :data:`Expand` (without one, a fuzzy word marks its own stem only).

Nothing here imports Whoosh: the window imports :func:`match_spans`.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import QueryError
from desktop_app.core.search import query as querysyntax
from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START, Snippet
from desktop_app.core.search.query import FULLTEXT, Node, Term
from desktop_app.core.search.terms import (
    WORD,
    exact_term,
    fold,
    phrase_offsets,
    plain_term,
    stem_term,
)

SNIPPET_CHARS = 220
#: The fields snippets are cut from: a paper's title, abstract, notes, and its PDF's pages.
SNIPPET_FIELDS = ("title", "abstract", "note", "annotation", FULLTEXT)
#: At most this many annotations of a paper are shown as snippets of a hit.
ANNOTATION_SNIPPETS = 3
#: An index's indexed words of a field (its name, as in SNIPPET_FIELDS) within an edit
#: distance of a word (a fuzzy term's stem): what a fuzzy word marks.
Expand = Callable[[str, str, int], Iterable[str]]


@dataclass
class Match:
    """Decides whether a word of a text is one the query matched."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    #: Phrases: their terms with their places in the phrase (every word counted), and
    #: their slop (1: at those places; more: up to ``slop - 1`` words further).
    phrases: list[tuple[tuple[tuple[int, str], ...], int]] = field(default_factory=list)
    #: The words as typed (folded): a text holding them shows first (:meth:`exact_spans`).
    exact: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes or self.patterns or self.phrases)

    def __call__(self, term: str, surface: str) -> bool:
        if term in self.terms:
            return True
        if not self.prefixes and not self.patterns:
            return False
        folded = fold(surface)
        if any(folded.startswith(p) or term.startswith(p) for p in self.prefixes):
            return True
        return any(p.fullmatch(folded) for p in self.patterns)

    def add(self, other: Match) -> None:
        self.terms |= other.terms
        self.prefixes |= other.prefixes
        self.patterns.extend(other.patterns)
        self.phrases.extend(other.phrases)
        self.exact |= other.exact
        self._probe = None

    _probe: re.Pattern[str] | None = None

    def probe(self) -> re.Pattern[str] | None:
        """A regex finding, in folded text, how the words that may match start (each
        matched word starts so: a stem or a prefix, less its last letter for stems like
        happy/happi; a phrase by its first word), inside words too (:func:`word_starts`
        keeps those at a word's start); None when wildcards need every word looked at."""
        if self.patterns:
            return None
        if self._probe is None:
            stems = self.terms | {placed[0][1] for placed, _slop in self.phrases}
            starts = {t[: max(3, len(t) - 1)] for t in stems} | self.prefixes
            alternatives = "|".join(re.escape(p) for p in sorted(starts, key=len, reverse=True))
            self._probe = re.compile(alternatives)
        return self._probe

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the matching words of ``text`` are (cut as the index cuts words); a
        phrase is one span, from its first word to its last, and its words alone are
        not marked."""
        probe = self.probe()
        folded = fold(text) if probe is not None else ""
        if probe is None or len(folded) != len(text):  # folding changed the places
            starts = [m.start() for m in WORD.finditer(text)]
        else:
            starts = list(word_starts(probe, folded))
        spans: list[tuple[int, int]] = []
        if self.terms or self.prefixes or self.patterns:
            for start in starts:
                if spans and start < spans[-1][1]:
                    continue
                word = WORD.match(text, start)
                if word and (term := stem_term(word.group())) and self(term, word.group()):
                    spans.append(word.span())
        if not self.phrases:
            return spans
        for placed, slop in self.phrases:
            spans.extend(_phrase_spans(text, starts, placed, slop))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def exact_spans(self, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Those of ``spans`` (in ``text``) that hold a word as typed."""
        if not self.exact:
            return []
        exact = self.exact
        return [
            (s, e)
            for s, e in spans
            if any(plain_term(w) in exact for w in WORD.findall(text, s, e))
        ]


_WORD_CHAR = re.compile(r"\w")


def word_starts(probe: re.Pattern[str], text: str) -> Iterator[int]:
    r"""Where ``probe`` matches ``text`` at a word's start (not after a word character),
    left to right and not overlapping: where ``(?<!\w)(?:probe)`` matches, found ~25x
    faster on a PDF's page (a regex that starts with a lookbehind is tried at every place
    of the text; one that starts with a literal is looked for as a string is)."""
    pos = 0
    while (m := probe.search(text, pos)) is not None:
        start = m.start()
        if start and _WORD_CHAR.match(text, start - 1):
            pos = start + 1  # inside a word: a word's start may be further on
        else:
            yield start
            pos = max(m.end(), start + 1)


def _phrase_spans(
    text: str, starts: list[int], placed: tuple[tuple[int, str], ...], slop: int
) -> list[tuple[int, int]]:
    """Where the terms of ``placed`` occur in ``text`` at their places after the first
    (counting every word, as the index counts positions), or up to ``slop - 1`` words
    further, looked for from the word ``starts``; each occurrence one span."""
    spans: list[tuple[int, int]] = []
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(placed)]
    reach = sum(gaps) + (slop - 1) * len(gaps)
    for start in starts:
        if spans and start < spans[-1][1]:
            continue
        first = WORD.match(text, start)
        if not first or stem_term(first.group()) != placed[0][1]:
            continue
        after = list(itertools.islice(WORD.finditer(text, first.end()), reach))
        pos, end = 0, first.end()  # pos: places after the first word
        for (_offset, word), least in zip(placed[1:], gaps, strict=True):
            for gap in range(least, least + slop):
                i = pos + gap - 1
                if i < len(after) and stem_term(after[i].group()) == word:
                    pos, end = pos + gap, after[i].end()
                    break
            else:
                break
        else:
            spans.append((first.start(), end))
    return spans


@dataclass
class Marks:
    """What to highlight in each snippet field, from the (not negated) terms of a query."""

    fields: dict[str, Match]

    @classmethod
    def of(cls, tree: Node, expand: Expand | None) -> Marks:
        """The marks of ``tree``'s terms; without an index (``expand`` None) a fuzzy word
        marks its own stem only (the words it reaches are the index's)."""
        marks = cls({})
        for n in querysyntax.searched_terms(tree):
            for name in SNIPPET_FIELDS if n.field is None else (n.field,):
                if name in SNIPPET_FIELDS:
                    marks.fields.setdefault(name, Match()).add(_term_match(n, name, expand))
        marks.fields = {k: v for k, v in marks.fields.items() if v}
        return marks

    def covers(self, name: str) -> bool:
        return name in self.fields

    def for_field(self, name: str) -> Match:
        return self.fields.get(name) or Match()

    def may_occur(self, page: str) -> bool:
        """A cheap test that a page can hold a match (before analysing it word by word)."""
        match = self.fields.get(FULLTEXT)
        if match is None:
            return False
        probe = match.probe()
        return probe is None or next(word_starts(probe, fold(page)), None) is not None


def match_spans(query: str, fieldname: str, text: str) -> list[tuple[int, int]]:
    """Where ``query`` matches in ``text``, a paper's ``fieldname`` ("title", "abstract",
    "note", "fulltext"), as the search's snippets mark it: words by their stems, prefixes,
    wildcards, phrases as one span; a fuzzy word by its own stem (the words it reaches are
    known to an index only). Nothing for a malformed query."""
    match = _query_match(query, fieldname)
    return match.spans(text) if match else []


@functools.lru_cache(maxsize=32)
def _query_match(query: str, fieldname: str) -> Match | None:
    try:
        tree = querysyntax.parse(query)
    except QueryError:
        return None
    return Marks.of(tree, None).for_field(fieldname) if tree is not None else None


def _term_match(term: Term, fieldname: str, expand: Expand | None) -> Match:
    m = Match()
    if term.kind == "prefix":
        folded = fold(term.text)
        m.prefixes.add(folded)
        if stemmed := stem_term(term.text):
            m.prefixes.add(stemmed)
    elif term.kind == "wildcard":
        pattern = re.escape(fold(term.text)).replace(r"\*", ".*").replace(r"\?", ".")
        m.patterns.append(re.compile(pattern))
    elif term.kind == "fuzzy":
        base = stem_term(term.text) or fold(term.text)
        m.terms.add(base)
        if expand is not None:
            m.terms.update(expand(fieldname, base, term.distance))
    else:
        placed = phrase_offsets(term.text)
        if len(placed) > 1:  # a phrase, as the index searches it
            slop = 1 + term.distance if term.kind == "phrase" else 1
            m.phrases.append((placed, slop))
        else:
            m.terms.update(t for _pos, t in placed)
            if term.kind == "word" and (exact := exact_term(term.text)):
                m.exact.add(exact)
    return m


def _snippet(
    name: str, text: str, match: Match, *, whole: bool = False, page: int | None = None
) -> Snippet | None:
    found = _exact_snippet(name, text, match, whole=whole, page=page)
    return found[0] if found else None


def _exact_snippet(
    name: str, text: str, match: Match, *, whole: bool = False, page: int | None = None
) -> tuple[Snippet, bool] | None:
    """A snippet of ``text`` and whether it holds a word as typed (its window is then
    placed on those)."""
    flat = text.replace("\n", " ").replace("\f", " ")
    spans = match.spans(flat)
    if not spans:
        return None
    exact = match.exact_spans(flat, spans)
    start, end = 0, len(flat)
    if not whole and len(flat) > SNIPPET_CHARS:
        start, end = _window(flat, exact or spans, SNIPPET_CHARS)
    pieces_html: list[str] = []
    pieces_text: list[str] = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        pieces_html.append(html.escape(flat[pos:s]))
        pieces_text.append(flat[pos:s])
        pieces_html.append(f"<b>{html.escape(flat[s:e])}</b>")
        pieces_text.append(f"{HIGHLIGHT_START}{flat[s:e]}{HIGHLIGHT_END}")
        pos = e
    pieces_html.append(html.escape(flat[pos:end]))
    pieces_text.append(flat[pos:end])
    lead = "… " if start > 0 else ""
    tail = " …" if end < len(flat) else ""
    text_out = " ".join((lead + "".join(pieces_text) + tail).split())
    html_out = " ".join((html.escape(lead) + "".join(pieces_html) + html.escape(tail)).split())
    return Snippet(field=name, html=html_out, text=text_out, page=page), bool(exact)


def _window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The stretch of ``width`` characters holding the most matches, cut at spaces."""
    best, best_count = 0, 0
    j = 0
    for i, (s, _e) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] - s <= width:
            j += 1
        if j - i + 1 > best_count:
            best, best_count = i, j - i + 1
    first = spans[best][0]
    last = spans[best + best_count - 1][1]
    slack = max(0, width - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(text), max(last, start + width))
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", last, end)
        end = space if space >= 0 else end
    return start, end


def field_snippets(marks: Marks, title: str, stored: Mapping[str, Any]) -> list[Snippet]:
    """The snippets of a paper's title (whole) and of its abstract and notes (``stored``:
    the texts of "abstract" and "note", either may be missing), where the marks cover them."""
    out: list[Snippet] = []
    if marks.covers("title"):
        snip = _snippet("title", title, marks.for_field("title"), whole=True)
        if snip:
            out.append(snip)
    for name in ("abstract", "note"):
        if marks.covers(name) and stored.get(name):
            snip = _snippet(name, stored[name], marks.for_field(name))
            if snip:
                out.append(snip)
    if marks.covers("annotation") and stored.get("annotation"):
        out.extend(annotation_snippets(stored["annotation"], stored.get("annotation_pages"), marks))
    return out


def annotation_snippets(text: str, pages: Any, marks: Marks) -> list[Snippet]:
    """Snippets of the annotations (``text``: one block each, separated by form feeds;
    ``pages``: each block's page) that hold a match, each naming its page."""
    match = marks.for_field("annotation")
    numbers = list(pages) if isinstance(pages, list | tuple) else []
    out: list[Snippet] = []
    for i, block in enumerate(text.split("\f")):
        page = numbers[i] if i < len(numbers) and isinstance(numbers[i], int) else None
        snip = _snippet("annotation", block, match, page=page)
        if snip:
            out.append(snip)
            if len(out) >= ANNOTATION_SNIPPETS:
                break
    return out


def page_snippets(pages: Iterable[str], marks: Marks, limit: int) -> list[Snippet]:
    """The snippets of ``limit`` pages (of a PDF's text) with a match, each naming its
    page (from 1): first the pages holding a word as typed, then those holding only
    other forms of its stem, each in page order (``jargoned`` shows page 6, where it
    stands, before pages 2-4 with ``jargon``)."""
    match = marks.for_field(FULLTEXT)
    exact: list[Snippet] = []
    others: list[Snippet] = []
    for number, page in enumerate(pages, 1):
        if not marks.may_occur(page):
            continue
        found = _exact_snippet(FULLTEXT, page, match, page=number)
        if found is None:
            continue
        snip, holds_exact = found
        if holds_exact:
            exact.append(snip)
            if len(exact) >= limit:
                break
        elif len(others) < limit:
            others.append(snip)
            if not match.exact and len(others) >= limit:
                break
    return (exact + others)[:limit]
