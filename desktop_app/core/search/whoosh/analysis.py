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
from collections import Counter
from collections.abc import Iterable, Iterator
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from desktop_app.core.search.terms import (
    WORD,
    exact_term,
    fold,
    other_form,
    placed_terms,
    plain_term,
    stem_term,
    word_other_forms,
    word_terms,
)

KEYWORD_SEPARATOR = "\x1f"  # between the values of a keyword field (tags may hold commas)


class TextAnalyzer(Analyzer):  # type: ignore[misc]
    """Words -> folded (and, with ``stem``, stop-word-free English stems) Whoosh tokens.

    Positions count every word, the dropped ones too (stop words, single letters), so a
    phrase matches adjacent words only: ``"hard negatives"`` does not find ``hard of
    negatives`` (Whoosh's own StopFilter renumbers the kept words, and would).
    """

    def __init__(self, stem: bool = True) -> None:
        self.stem = stem

    def __repr__(self) -> str:
        return f"TextAnalyzer(stem={self.stem})"

    def terms(self, text: str) -> list[str]:
        """The terms of ``text``, in order."""
        term_of = stem_term if self.stem else plain_term
        return [t for t in map(term_of, WORD.findall(text)) if t]

    def placed(self, text: str) -> list[tuple[int, str]]:
        """The terms of ``text`` with their positions (every word counted)."""
        return placed_terms(text, self.stem)

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
        for pos, match in enumerate(WORD.finditer(value), start_pos):
            term = term_of(match.group())
            if not term:
                continue
            t.text = term
            t.boost, t.stopped = 1.0, False
            if keeporiginal:
                t.original = match.group()
            if positions:
                t.pos = pos
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


def encode_positions(positions: list[int]) -> bytes:
    """A :class:`TermPositions` posting's value: the positions of its term in a document
    (ascending), as Whoosh's Positions format encodes them. Every writer of such postings
    encodes them here."""
    if len(positions) == 1:  # most terms of a text: the pickles of one place are kept
        pos = positions[0]
        pickled = _SINGLE.get(pos)
        if pickled is None:
            pickled = dumps(positions, 2)
            if pos < _SINGLE_LIMIT:
                _SINGLE[pos] = pickled
        # (a new bytes object each time: a pickle of a block's values would otherwise
        # refer back to an equal value, and differ from Whoosh's bytes)
        return _ONE + pickled
    deltas = [positions[0], *map(sub, positions[1:], positions[:-1])]
    count: bytes = pack_uint(len(deltas))
    return count + dumps(deltas, 2)


_ONE: bytes = pack_uint(1)
_SINGLE: dict[int, bytes] = {}
_SINGLE_LIMIT = 20_000  # (places beyond are pickled each time)


def _encoded(positions: Iterable[list[int]]) -> list[bytes]:
    return list(map(encode_positions, positions))


#: A field's postings of a value, as columns: terms, frequencies, weights, and values (None:
#: the format keeps none).
Columns = tuple[list[str], list[int], list[float], list[bytes] | None]

#: The words of the text cut last (the text, its words): a stemmed field and its twin of
#: exact forms are given the same text one after the other, which is then cut once (and
#: forgotten then: a long-lived process does not keep a long text's words).
_NOTHING_CUT: tuple[str, list[str]] = ("", [])
_last_cut = _NOTHING_CUT


def words_of(text: str) -> list[str]:
    """``WORD.findall(text)`` (the list may be shared: do not change it)."""
    global _last_cut
    last = _last_cut
    if last[0] is text:
        _last_cut = _NOTHING_CUT
        return last[1]
    words: list[str] = WORD.findall(text)
    _last_cut = (text, words)
    return words


def placed_postings(text: str, stem: bool = True) -> dict[str, list[int]]:
    """Each term of ``text`` with its positions (every word counted, as
    :meth:`TextAnalyzer.placed`), in the order of first appearance."""
    places: dict[str, list[int]] = {}
    get = places.get
    for pos, term in enumerate(word_terms(words_of(text), stem)):
        found = get(term)
        if found is None:
            places[term] = [pos]
        else:
            found.append(pos)
    places.pop("", None)  # the words dropped (stop words, single letters)
    return places


def term_counts(text: str, analyzer: TextAnalyzer | ExactAnalyzer) -> dict[str, int]:
    """How often each term of ``analyzer.terms(text)`` occurs, in the order of first
    appearance."""
    words = words_of(text)
    if isinstance(analyzer, ExactAnalyzer):
        terms = word_other_forms(words)
    else:
        terms = word_terms(words, analyzer.stem)
    counts = Counter(terms)
    counts.pop("", None)
    return counts


class TermPositions(Positions):  # type: ignore[misc]
    """Whoosh's Positions format (the same postings), fed by :func:`placed_postings` in
    one pass instead of a Token per word: indexing a paper's full text takes a third less.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        found = self.columns(value, analyzer)
        if found is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        terms, freqs, weights, values = found
        yield from zip(terms, freqs, weights, values or (), strict=True)

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        """What :meth:`word_values` yields, as columns (terms, frequencies, weights,
        values); None for a value or analyzer it does not know."""
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            return None
        placed = placed_postings(value, analyzer.stem)
        freqs = list(map(len, placed.values()))
        boost = self.field_boost
        return list(placed), freqs, [f * boost for f in freqs], _encoded(placed.values())


class ExactAnalyzer(Analyzer):  # type: ignore[misc]
    """Words -> their exact forms where these differ from their stems (``tokens``,
    ``tokenization``; not ``token``): the twin field of a stemmed one, so a paper holding a
    word as typed outranks one holding only another form of its stem (Lucene's
    keyword_repeat, as a field of its own). A form equal to its stem is not repeated: the
    stem's count less its other forms' counts is its own (:mod:`.scoring`)."""

    def __repr__(self) -> str:
        return "ExactAnalyzer()"

    def terms(self, text: str) -> list[str]:
        return [t for t in map(other_form, WORD.findall(text)) if t]

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
        words = self.terms(value) if tokenize else [exact_term(value) or fold(value)]
        for pos, term in enumerate(words, start_pos):
            t.text, t.original = term, term
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = pos
            yield t


class TermFrequency(Frequency):  # type: ignore[misc]
    """Whoosh's Frequency format with each posting's frequency kept in its weight alone
    (Whoosh's repeats it in a value per posting), fed by the analyzer's ``terms`` in one
    pass."""

    posting_size = 0

    def decode_frequency(self, valuestring: bytes) -> int:
        raise NotImplementedError("an exact form's frequency is its posting's weight")

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        found = self.columns(value, analyzer)
        if found is None:
            yield from super().word_values(value, analyzer, **kwargs)
        else:
            terms, freqs, weights, _values = found
            yield from zip(terms, freqs, weights, itertools.repeat(b""))

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        """What :meth:`word_values` yields, as columns (terms, frequencies, weights, None:
        no values); None for a value or analyzer it does not know."""
        if not isinstance(analyzer, ExactAnalyzer | TextAnalyzer) or not isinstance(value, str):
            return None
        counts = term_counts(value, analyzer)
        freqs = list(counts.values())
        boost = self.field_boost
        return list(counts), freqs, [f * boost for f in freqs], None


def frequency_field(analyzer: TextAnalyzer | ExactAnalyzer) -> Any:
    """A TEXT field without positions, fed in one pass (:class:`TermFrequency`)."""
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = TermFrequency(field_boost=field.format.field_boost)
    return field


def exact_field() -> Any:
    """A stemmed field's twin of exact forms: frequencies, no positions, no lengths (the
    stemmed field's are the paper's), nothing stored."""
    field = frequency_field(EXACT)
    field.scorable = False
    return field


def exact_name(fieldname: str) -> str:
    """The name of a stemmed field's twin of exact forms."""
    return f"{fieldname}_exact"


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
EXACT = ExactAnalyzer()
