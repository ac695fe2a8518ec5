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
import sys
import zlib
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from operator import add, itemgetter, mul, sub
from pickle import dumps
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from desktop_app.core.search.terms import (
    WORD,
    exact_term,
    find_words,
    fold,
    looked_up,
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
        return [t for t in map(term_of, find_words(text)) if t]

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


def whoosh_positions(positions: list[int]) -> bytes:
    """A :class:`TermPositions` posting's value: the positions of its term in a document
    (ascending), as Whoosh's Positions format encodes them (schema 5's indexes)."""
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
    return list(map(whoosh_positions, positions))


#: A field's postings of a value, as columns: terms, frequencies, weights, and values (None:
#: the format keeps none).
Columns = tuple[list[str], list[int], list[float], list[bytes] | None]

#: The words of the text cut last (the text, its words): a stemmed field and its twin of
#: exact forms are given the same text one after the other, which is then cut once (and
#: forgotten then: a long-lived process does not keep a long text's words).
_NOTHING_CUT: tuple[str, list[str]] = ("", [])
_last_cut = _NOTHING_CUT


def words_of(text: str) -> list[str]:
    """``WORD.findall(text)`` (:func:`.terms.find_words`; the list may be shared: do not
    change it)."""
    global _last_cut
    last = _last_cut
    if last[0] is text:
        _last_cut = _NOTHING_CUT
        return last[1]
    words = find_words(text)
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
    counts.pop("", None)  # the words dropped (stop words, single letters; forms = stems)
    return counts


def _weights(freqs: list[int], boost: float) -> list[float]:
    """Each posting's weight: its frequency times the field's boost (in C: a third quicker
    than a comprehension over a text's ~2,000 terms)."""
    if boost == 1.0:
        return list(map(float, freqs))
    return list(map(mul, freqs, itertools.repeat(boost)))


class _ByColumns:
    """A format whose postings come from its ``columns`` (the write path takes them so),
    given to Whoosh one by one as its ``word_values``."""

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        raise NotImplementedError

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        found = self.columns(value, analyzer)
        if found is None:
            yield from super().word_values(value, analyzer, **kwargs)  # type: ignore[misc]
            return
        terms, freqs, weights, values = found
        if values is None:  # (the format keeps none: each posting's value is empty)
            yield from zip(terms, freqs, weights, itertools.repeat(b""))
        else:
            yield from zip(terms, freqs, weights, values, strict=True)


class TermPositions(_ByColumns, Positions):  # type: ignore[misc]
    """Whoosh's Positions format (the same postings), fed by :func:`placed_postings` in
    one pass instead of a Token per word: the format of schema 5's indexes (searched as
    they are while their replacement is built); new ones have :class:`LinkedPositions`.
    """

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        """What :meth:`word_values` yields, as columns (terms, frequencies, weights,
        values); None for a value or analyzer it does not know."""
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            return None
        placed = placed_postings(value, analyzer.stem)
        freqs = list(map(len, placed.values()))
        return list(placed), freqs, _weights(freqs, self.field_boost), _encoded(placed.values())


#: The first byte of a :class:`LinkedPositions` value: its flags.
DELTAS_32 = 1  # the position deltas are 32-bit (else 16-bit: every gap under 65,536 words)
LINKED = 2  # a byte per position marks the term at the next position (:func:`follow_mark`)
_LINKED_FLAGS = bytes((LINKED,))
_follow_marks: dict[str, int] = {"": 0}  # ("": a word dropped, no term, is marked 0)
_MARKS_LIMIT = 200_000  # terms whose marks are remembered before the memo starts over


def follow_mark(term: str) -> int:
    """The byte that marks ``term`` at the position after another term's: 1-255 from a
    stable hash of the term (0: no term of the field at the next position)."""
    mark = _follow_marks.get(term)
    if mark is None:
        if len(_follow_marks) >= _MARKS_LIMIT:
            _follow_marks.clear()
            _follow_marks[""] = 0
        mark = _follow_marks[term] = zlib.crc32(term.encode("utf-8")) % 255 + 1
    return mark


def encode_positions(positions: Sequence[int], following: bytes | None = None) -> bytes:
    """A posting's value in the :class:`LinkedPositions` format: a flags byte, with
    ``following`` (a :func:`follow_mark` per position) the marks, then the position deltas
    as an array of 16-bit (or, with a gap of 65,536 words or more, 32-bit) unsigned ints,
    little-endian. Decoded in C (``array.frombytes``, ``itertools.accumulate``), not
    unpickled; a phrase first looks its second word's mark up with ``bytes.find``."""
    if len(positions) == 1 and 0 <= positions[0] < 65536:  # most terms of a text
        if following is None:
            return b"\x00" + positions[0].to_bytes(2, "little")
        return _LINKED_FLAGS + following + positions[0].to_bytes(2, "little")
    flags = 0
    try:
        deltas = array("H", map(sub, positions, itertools.chain((0,), positions)))
    except OverflowError:
        flags = DELTAS_32
        deltas = array("I", map(sub, positions, itertools.chain((0,), positions)))
    if sys.byteorder == "big":
        deltas.byteswap()
    if following is None:
        return bytes((flags,)) + deltas.tobytes()
    return bytes((flags | LINKED,)) + following + deltas.tobytes()


def position_deltas(value: bytes) -> array[int]:
    """The position deltas of a :class:`LinkedPositions` value (the first one is the
    first position)."""
    flags = value[0]
    width = 4 if flags & DELTAS_32 else 2
    count = (len(value) - 1) // (width + 1 if flags & LINKED else width)
    deltas = array("I" if flags & DELTAS_32 else "H", value[len(value) - width * count :])
    if sys.byteorder == "big":
        deltas.byteswap()
    return deltas


def decode_positions(value: bytes) -> list[int]:
    """The positions of a :class:`LinkedPositions` value."""
    return list(itertools.accumulate(position_deltas(value)))


def follow_marks(value: bytes) -> bytes:
    """The :func:`follow_mark` bytes of a :class:`LinkedPositions` value, one per position
    (b"" for a value stored without them)."""
    flags = value[0]
    if not flags & LINKED:
        return b""
    count = (len(value) - 1) // (5 if flags & DELTAS_32 else 3)
    return value[1 : 1 + count]


def linked_postings(placed: list[tuple[int, str]]) -> Iterator[tuple[str, list[int], bytes]]:
    """Each term of a field's placed terms (:func:`.terms.placed_terms`), with its
    positions and the :func:`follow_mark` of the term at each next position."""
    if not placed:
        return iter(())
    terms = [""] * (placed[-1][0] + 1)  # one per word, "" for a word dropped
    for pos, term in placed:
        terms[pos] = term
    return _linked_cut(terms)


def _linked_cut(terms: list[str]) -> Iterator[tuple[str, list[int], bytes]]:
    """:func:`linked_postings` of a text's terms one per word (``""`` for a word dropped),
    without making the (position, term) pairs first."""
    places: dict[str, list[int]] = {}
    marks: dict[str, bytearray] = {}
    memo = _follow_marks
    before: bytearray | None = None  # the marks of the term at the position before
    for pos, term in enumerate(terms):
        if not term:
            before = None
            continue
        if before is not None:  # the term before is followed by this one
            before[-1] = memo.get(term) or follow_mark(term)
        found = places.get(term)
        if found is None:
            places[term] = [pos]
            before = marks[term] = bytearray(1)
        else:
            found.append(pos)
            before = marks[term]
            before.append(0)
    for term, poslist in places.items():
        yield term, poslist, bytes(marks[term])


def _linked_columns(terms: list[str]) -> tuple[list[str], list[int], list[bytes]]:
    """What :func:`_linked_cut` makes of a text's terms, one per word, as columns (terms,
    frequencies, :func:`encode_positions` values), each step over all the words or terms at
    once in C rather than a loop per word. For a text of fewer than 65,536 words: every gap
    between positions is then 16-bit.

    Most terms of a text occur once (~80% of a paper's): each term's value is first made
    as if it did, from its first place and the mark after it, two bytes objects kept for
    each; those of the terms that occur more often are then made again whole."""
    places: defaultdict[str, list[int]] = defaultdict(list)
    deque(map(list.append, map(places.__getitem__, terms), itertools.count()), maxlen=0)
    places.pop("", None)  # the words dropped (stop words, single letters)
    following = looked_up(terms, _follow_marks, follow_mark)  # each word's mark...
    following.append(0)
    del following[0]  # ... now that of the word after each
    lists = places.values()
    freqs = list(map(len, lists))
    firsts = list(map(_first, lists))
    if len(_place_bytes) < len(terms):
        _place_bytes.extend(p.to_bytes(2, "little") for p in range(len(_place_bytes), len(terms)))
    values = list(
        map(
            add,
            map(_FLAGS_AND_MARK.__getitem__, map(following.__getitem__, firsts)),
            map(_place_bytes.__getitem__, firsts),
        )
    )
    more = list(itertools.compress(itertools.count(), map((1).__lt__, freqs)))  # (indexes)
    if more:
        more_lists = list(map(list(lists).__getitem__, more))
        order = list(itertools.chain.from_iterable(more_lists))  # a term's places together
        ends = list(itertools.accumulate(map(len, more_lists)))
        starts = [0, *ends[:-1]]
        before = [0, *order[:-1]]
        deque(map(before.__setitem__, starts, itertools.repeat(0)), maxlen=0)
        # (a term's first position is its first delta)
        deltas = array("H", map(sub, order, before))
        if sys.byteorder == "big":
            deltas.byteswap()
        gaps = deltas.tobytes()
        marks = bytes(map(following.__getitem__, order))
        twice = itertools.repeat(2)
        whole = map(
            b"".join,
            zip(
                itertools.repeat(_LINKED_FLAGS),
                map(marks.__getitem__, map(slice, starts, ends)),
                map(gaps.__getitem__, map(slice, map(mul, starts, twice), map(mul, ends, twice))),
            ),
        )
        deque(map(values.__setitem__, more, whole), maxlen=0)
    return list(places), freqs, values


_first = itemgetter(0)
#: The first bytes of a value of one place: the flags and the mark of the term after it.
_FLAGS_AND_MARK = [bytes((LINKED, mark)) for mark in range(256)]
#: The last bytes of a value of one place: the place (16-bit, little-endian), as far as
#: the longest text cut yet.
_place_bytes: list[bytes] = []


class LinkedPositions(_ByColumns, Positions):  # type: ignore[misc]
    """Positions stored as arrays (:func:`encode_positions`), with the mark of the term
    that follows each occurrence: a phrase reads two arrays per paper, and only in the
    papers where its first word is followed by a term marked as its second (for two words
    each in all 5,000 papers 20 times, and together in 8% of them: a seventh of them).

    The postings stay Whoosh's (its own phrase matcher reads them through
    :meth:`decode_positions`); fed by :meth:`TextAnalyzer.placed` in one pass.
    """

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        """What :meth:`word_values` yields, as columns (terms, frequencies, weights,
        values); None for a value or analyzer it does not know."""
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            return None
        cut = word_terms(words_of(value), analyzer.stem)  # (cut once for the twin too)
        if len(cut) < 65536:
            terms, freqs, values = _linked_columns(cut)
        else:
            terms, freqs, values = [], [], []
            for term, poslist, following in _linked_cut(cut):
                terms.append(term)
                freqs.append(len(poslist))
                values.append(encode_positions(poslist, following))
        return terms, freqs, _weights(freqs, self.field_boost), values

    def encode(self, poslist: list[int]) -> bytes:
        return encode_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(position_deltas(valuestring))


class ExactAnalyzer(Analyzer):  # type: ignore[misc]
    """Words -> their exact forms where these differ from their stems (``tokens``,
    ``tokenization``; not ``token``): the twin field of a stemmed one, so a paper holding a
    word as typed outranks one holding only another form of its stem (Lucene's
    keyword_repeat, as a field of its own). A form equal to its stem is not repeated: the
    stem's count less its other forms' counts is its own (:mod:`.scoring`)."""

    def __repr__(self) -> str:
        return "ExactAnalyzer()"

    def terms(self, text: str) -> list[str]:
        return [t for t in map(other_form, find_words(text)) if t]

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


class TermFrequency(_ByColumns, Frequency):  # type: ignore[misc]
    """Whoosh's Frequency format with each posting's frequency kept in its weight alone
    (Whoosh's repeats it in a value per posting), fed by the analyzer's ``terms`` in one
    pass."""

    posting_size = 0

    def decode_frequency(self, valuestring: bytes) -> int:
        raise NotImplementedError("an exact form's frequency is its posting's weight")

    def columns(self, value: Any, analyzer: Any) -> Columns | None:
        """What :meth:`word_values` yields, as columns (terms, frequencies, weights, None:
        no values); None for a value or analyzer it does not know."""
        if not isinstance(analyzer, ExactAnalyzer | TextAnalyzer) or not isinstance(value, str):
            return None
        counts = term_counts(value, analyzer)
        freqs = list(counts.values())
        return list(counts), freqs, _weights(freqs, self.field_boost), None


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
    """Give a TEXT field with positions the :class:`LinkedPositions` format."""
    if type(field.format) is Positions:
        field.format = LinkedPositions(field_boost=field.format.field_boost)
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
