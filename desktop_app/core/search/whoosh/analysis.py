"""How text becomes index terms, as Whoosh analyzers: words, lower case, accents folded, stop
words, English stems (the word functions of :mod:`desktop_app.core.search.terms`).

The same functions cut documents when they are indexed and queries when they are searched,
so ``Retrieving`` in a query finds ``retrieval`` in a title (both stem to ``retriev``) and
``Gödel`` finds ``Godel``. The analyzers are Whoosh analyzers but do their work in one loop
with a memo of each word's term: Whoosh's usual chain of generator filters costs several
times more per word, and a paper's full text has thousands of words.

Their classes are pickled into the index's table of contents: renaming or moving them makes
stored indexes unreadable, which the index treats as "old schema" and rebuilds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pickle import dumps
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Positions
from whoosh.system import pack_uint

from desktop_app.core.search.terms import WORD, fold, plain_term, stem_term

KEYWORD_SEPARATOR = "\x1f"  # between the values of a keyword field (tags may hold commas)


class TextAnalyzer(Analyzer):  # type: ignore[misc]
    """Words -> folded (and, with ``stem``, stop-word-free English stems) Whoosh tokens.

    Positions count kept words only, so a phrase matches across a dropped stop word
    (``"x y"`` also finds ``x of y``), as Whoosh's own StopFilter does.
    """

    def __init__(self, stem: bool = True) -> None:
        self.stem = stem

    def __repr__(self) -> str:
        return f"TextAnalyzer(stem={self.stem})"

    def terms(self, text: str) -> list[str]:
        """The terms of ``text``, in order."""
        term_of = stem_term if self.stem else plain_term
        return [t for t in map(term_of, WORD.findall(text)) if t]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        term_of = stem_term if self.stem else plain_term
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.text = term_of(value) or value
            t.original = value
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in WORD.finditer(value):
            term = term_of(match.group())
            if not term:
                continue
            t.text = term
            t.boost, t.stopped = 1.0, False
            if keeporiginal:
                t.original = match.group()
            if positions:
                t.pos = pos
            pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class KeywordAnalyzer(Analyzer):  # type: ignore[misc]
    """Whole values separated by ``KEYWORD_SEPARATOR`` (tags, categories), each folded."""

    def __repr__(self) -> str:
        return "KeywordAnalyzer()"

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        values = value.split(KEYWORD_SEPARATOR) if tokenize else [value]
        offset = start_char
        for pos, raw in enumerate(values, start_pos):
            text = keyword_term(raw)
            if text:
                t.text, t.original = text, raw
                t.boost, t.stopped = 1.0, False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = offset, offset + len(raw)
                yield t
            offset += len(raw) + 1


class TermPositions(Positions):  # type: ignore[misc]
    """Whoosh's Positions format (the same postings), fed by :meth:`TextAnalyzer.terms` in
    one pass instead of a Token per word: indexing a paper's full text takes a third less.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        places: dict[str, list[int]] = {}
        for pos, term in enumerate(analyzer.terms(value)):
            found = places.get(term)
            if found is None:
                places[term] = [pos]
            else:
                found.append(pos)
        boost = self.field_boost
        for term, poslist in places.items():
            deltas = [poslist[0]]
            deltas.extend(b - a for a, b in itertools.pairwise(poslist))
            yield (
                term,
                len(poslist),
                len(poslist) * boost,
                pack_uint(len(deltas)) + dumps(deltas, 2),
            )


def text_field_format(field: Any) -> Any:
    """Give a TEXT field with positions the :class:`TermPositions` format."""
    if type(field.format) is Positions:
        field.format = TermPositions(field_boost=field.format.field_boost)
    return field


def keyword_term(value: str) -> str:
    """A keyword value as indexed: trimmed, inner spaces collapsed, folded."""
    return fold(" ".join(value.split()))


def join_keywords(values: list[str] | tuple[str, ...] | set[str]) -> str:
    return KEYWORD_SEPARATOR.join(values)


#: The analyzers of the schemas' text fields: stemmed, and plain for names.
STEMMED = TextAnalyzer(stem=True)
PLAIN = TextAnalyzer(stem=False)
