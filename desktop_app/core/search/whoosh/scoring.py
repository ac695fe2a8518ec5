"""Scoring: the papers a query's words match and their BM25F scores, with their caches.

Words, prefixes, wildcards and fuzzy words are scored block by block straight from the
postings, phrases from the positions of the papers holding all their words (and, for two
adjacent words, whose first word is marked as followed by the second): Whoosh's own
collector spends several microseconds per matching document, too slow when a common word
matches all 10,000 papers. What is scored is kept per searcher (an index as of one commit):
a field's word in ``_score_cache``, a query word over all its fields in
``Opened.term_scores``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import operator
import pickle
import struct
import sys
import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Collection, Container, Iterable, Iterator
from itertools import repeat
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import VarBytesColumn
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE as _UINT_SIZE
from whoosh.util.numeric import byte_to_length

from desktop_app.core.search.api import Hit
from desktop_app.core.search.evaluate import Scores, within
from desktop_app.core.search.query import FULLTEXT, Node, Range, Term, searched_terms
from desktop_app.core.search.terms import stem_term
from desktop_app.core.search.whoosh.analysis import (
    LINKED,
    LinkedPositions,
    TermPositions,
    follow_mark,
    follow_marks,
    position_deltas,
)
from desktop_app.core.search.whoosh.opened import Opened, entries_of, searchers_of, views_of
from desktop_app.core.search.whoosh.queries import (
    BOOSTS,
    KEYWORD_FIELDS,
    ExactForm,
    paper_query,
    text_query,
)

TERM_CACHE_SIZE = 16  # query words whose merged scores are kept (each up to one per paper)


def term_scores(o: Opened, term: Term) -> Scores | None:
    """The scores of the papers a word (phrase, prefix...) matches, in any field it
    names; the dict is shared: never change it."""
    now = searchers_of(o)
    if o.term_scores_of != now:
        o.term_scores.clear()
        o.term_scores_of = now
    found = o.term_scores.get(term)
    if found is None:
        found = _merged(now, term)
        if found is None:
            return None
        o.term_scores[term] = found
        while len(o.term_scores) > TERM_CACHE_SIZE:
            o.term_scores.popitem(last=False)
    else:
        o.term_scores.move_to_end(term)
    return found


def _merged(both: tuple[Searcher, Searcher], term: Term) -> Scores | None:
    """The scores of a word over its fields, merged."""
    psearcher, tsearcher = both
    pq = paper_query(term)
    tq = text_query(term) if term.field in (None, "fulltext") else None
    if pq is None and tq is None:
        return None
    scores: dict[str, float] = {}
    if pq is not None:
        if term.field in KEYWORD_FIELDS:
            if psearcher.doc_count_all() == 0:
                return scores
            if isinstance(pq, wq.Term):  # a whole value (tag:rag): its postings' documents
                scores.update(dict.fromkeys(_keys_holding(psearcher, pq.fieldname, pq.text), 0.0))
                return scores
            keys = psearcher.reader().column_reader("key")
            for docnum in psearcher.docs_for_query(pq):
                scores[keys[docnum]] = 0.0
        else:
            _collect(psearcher, pq, scores, 1.0)
    if tq is not None:
        _collect(tsearcher, tq, scores, BOOSTS[FULLTEXT])
    return scores


def text_holders(o: Opened, tree: Node) -> Callable[[str], bool] | None:
    """Whether a paper's full text holds a word or phrase that ``tree`` marks there (its
    terms that are not negated and search the full text), from the full-text scores the
    query's evaluation made (kept per searcher: not read again); None when that cannot
    tell: a prefix, wildcard or fuzzy word is marked by what the highlighter finds.

    A hit whose text holds none has no page snippet: its text is not read (a phrase found
    in titles and abstracts: ~0.5 ms a hit, half the hits of ``"hard negatives"``)."""
    terms = [t for t in searched_terms(tree) if t.field in (None, FULLTEXT)]
    if not terms or any(t.kind not in ("word", "phrase") for t in terms):
        return None
    _psearcher, tsearcher = searchers_of(o)
    found: list[dict[str, float]] = []
    for term in terms:
        q = text_query(term)
        if q is None:
            return None
        found.extend(_parts_scored(tsearcher, q, BOOSTS[FULLTEXT]))
    return lambda key: any(key in scores for scores in found)


def _parts_scored(searcher: Searcher, q: wq.Query, weight: float) -> Iterator[dict[str, float]]:
    """The scores of each part of ``q`` that :func:`_collect` scores alone (from
    :func:`_scored`'s cache when scored already)."""
    if searcher.doc_count_all() == 0:
        return
    if isinstance(q, wq.Or) and _word_and_form(q) is None:
        for part in q.subqueries:
            yield from _parts_scored(searcher, part, weight)
        return
    yield _scored(searcher, q, weight)


def _keys_holding(searcher: Searcher, fieldname: str, text: str) -> Iterator[str]:
    """The papers whose field holds the term (from the postings; Whoosh's docs_for_query
    reads each one's key from its column, 3 microseconds a paper)."""
    for _reader, matcher, keys in _segment_postings(searcher, fieldname, text):
        for ids, _weights in _blocks(matcher):
            yield from map(keys.__getitem__, ids)


def _segment_postings(
    searcher: Searcher, fieldname: str, text: str
) -> Iterator[tuple[Any, Any, list[Any]]]:
    """Each segment holding the term: its reader, the term's postings there, and the
    segment's keys by docnum."""
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        try:
            matcher = reader.postings(fieldname, text)
        except TermNotFound:
            continue
        yield reader, matcher, _segment_list(reader, "key")


def range_scores(o: Opened, node: Range) -> Scores:
    """The papers whose value of a range field is in the range, scoring 0."""
    # From the records in memory: the index's numeric ranges walk a trie of terms and
    # yield one document at a time (30-40 ms for half of 10,000 papers).
    values = views_of(o).values(node.field)
    if values is not None:
        return within(values, node.low, node.high)
    psearcher, _ = searchers_of(o)
    if psearcher.doc_count_all() == 0:
        return {}
    keys = psearcher.reader().column_reader("key")
    q = wq.NumericRange(node.field, node.low, node.high)
    return {keys[d]: 0.0 for d in psearcher.docs_for_query(q)}


def more_like_this(o: Opened, key: str, limit: int) -> list[Hit]:
    """Papers whose title, abstract and tags share the most telling words with ``key``'s."""
    records = entries_of(o)
    entry = records.get(key)
    if entry is None:
        return []
    psearcher, _ = searchers_of(o)
    docnum = psearcher.document_number(key=key)
    stored = psearcher.stored_fields(docnum) if docnum is not None else {}
    text = " ".join([entry.summary.title, stored.get("abstract", ""), " ".join(entry.summary.tags)])
    terms = psearcher.key_terms_from_text("abstract", text, numterms=15)
    if not terms:
        return []
    q = wq.Or(
        [wq.Term("title", t, boost=2.0 * w) for t, w in terms]
        + [wq.Term("abstract", t, boost=w) for t, w in terms]
        + [wq.Term("tags_text", t, boost=w) for t, w in terms]
    )
    scores: dict[str, float] = {}
    _collect(psearcher, q, scores, 1.0)
    scores.pop(key, None)
    ranked = sorted(scores, key=lambda k: -scores[k])[:limit]
    return [Hit(records[k].summary, scores[k]) for k in ranked if k in records]


def _collect(searcher: Searcher, q: wq.Query, scores: dict[str, float], weight: float) -> None:
    """Add the scores of every paper ``q`` matches to ``scores`` (weighted).

    Terms, prefixes, wildcards and fuzzy terms (and ORs of them) are scored block by block
    straight from the postings: Whoosh's collector spends several microseconds per matching
    document, too slow when a common word matches all 10,000 papers. Phrases go through
    Whoosh's own search.
    """
    if searcher.doc_count_all() == 0:  # an empty index has no columns
        return
    if isinstance(q, wq.Or) and _word_and_form(q) is None:
        for part in q.subqueries:
            _collect(searcher, part, scores, weight)
        return
    found = _scored(searcher, q, weight)
    if not scores:
        scores.update(found)
        return
    get = scores.get
    for k, v in found.items():
        scores[k] = get(k, 0.0) + v


#: Per searcher (an index as of one commit): (query, weight) -> the scores of the papers it
#: matches, most recently used last. A searcher never changes, so neither do these; the
#: papers' searcher is replaced at each of their commits, the full text's only when a PDF's
#: text changes. Queries typed letter by letter, sorted anew or filtered by the sidebar
#: repeat their words, and a common word costs 5-40 ms to score from its postings.
_score_cache: weakref.WeakKeyDictionary[Searcher, OrderedDict[Any, dict[str, float]]] = (
    weakref.WeakKeyDictionary()
)
_score_cache_lock = threading.Lock()
SCORE_CACHE_SIZE = 64  # (query, weight) pairs kept per searcher


def _scored(searcher: Searcher, q: wq.Query, weight: float) -> dict[str, float]:
    """The scores of the papers ``q`` (one field's word, phrase, prefix...) matches; the
    returned dict is shared: never change it."""
    cache_key = (q, weight)
    with _score_cache_lock:
        cache = _score_cache.get(searcher)
        if cache is None:
            cache = _score_cache[searcher] = OrderedDict()
        found = cache.get(cache_key)
        if found is not None:
            cache.move_to_end(cache_key)
            return found
    found = {}
    if (word := _word_and_form(q)) is not None:
        _score_word(searcher, *word, weight, found)
    elif isinstance(q, ExactForm):
        _score_exact(searcher, q, q.boost * weight, found)
    elif isinstance(q, wq.Term):
        _score_term(searcher, q.fieldname, q.text, q.boost * weight, found)
    elif isinstance(q, wq.Prefix | wq.Wildcard | wq.FuzzyTerm):
        _score_expanded(searcher, q, q.boost * weight, found)
    elif isinstance(q, wq.Phrase) and searcher.schema[q.fieldname].format.supports("positions"):
        words = list(q.words)
        offsets = getattr(q, "offsets", None) or tuple(range(len(words)))
        _score_phrase(searcher, q.fieldname, words, offsets, q.slop, q.boost * weight, found)
    else:
        keys = searcher.reader().column_reader("key")
        for score, docnum in searcher.search(q, limit=None).top_n:
            k = keys[docnum]
            found[k] = found.get(k, 0.0) + score * weight
    with _score_cache_lock:
        cache[cache_key] = found
        while len(cache) > SCORE_CACHE_SIZE:
            cache.popitem(last=False)
    return found


#: BM25F's parameters, as Whoosh's BM25F() has them.
_B, _K1 = 0.75, 1.2
#: Per segment (segments never change but for deletions): docnum -> key, field lengths.
_segment_cache: dict[tuple[str, str], list[Any]] = {}
_segment_cache_lock = threading.Lock()


def _segment_key(reader: Any, what: str) -> tuple[str, str]:
    folder = getattr(reader.storage, "folder", "")
    return f"{folder}/{reader.segment().segment_id()}", what


def _segment_list(reader: Any, what: str) -> list[Any]:
    """The keys (``what`` "key") or a field's lengths of a segment, by local docnum."""
    cache_key = _segment_key(reader, what)
    with _segment_cache_lock:
        found = _segment_cache.get(cache_key)
    if found is not None:
        return found
    if what == "key":
        values: list[Any] = list(key_column(reader))
    else:
        column = reader._perdoc._cached_reader(f"_{what}_len", LENGTHS_COLUMN)
        values = [byte_to_length(b) for b in column] if column is not None else []
        values += [1] * (reader.doc_count_all() - len(values))
    with _segment_cache_lock:
        if len(_segment_cache) > 2000:
            _segment_cache.clear()
        _segment_cache[cache_key] = values
    return values


def _segment_some(reader: Any, what: str, docs: Collection[int]) -> list[Any] | dict[int, Any]:
    """The keys (``what`` "key") or a field's lengths of a segment's ``docs``, by local
    docnum: the segment's whole list when it is made already or ``docs`` are many; else
    those of ``docs`` only, each read alone (a phrase's few papers: the whole lists of every
    segment cost a new process ~20 ms at 10,000 papers)."""
    with _segment_cache_lock:
        found = _segment_cache.get(_segment_key(reader, what))
    if found is not None or len(docs) * _SOME > reader.doc_count_all():
        return found if found is not None else _segment_list(reader, what)
    if what == "key":
        column = key_column(reader)
        return {d: column[d] for d in docs}
    column = reader._perdoc._cached_reader(f"_{what}_len", LENGTHS_COLUMN)
    held = len(column) if column is not None else 0  # (those after: 1, as _segment_list)
    return {d: byte_to_length(column[d]) if d < held else 1 for d in docs}


class _KeyColumn(VarBytesColumn):  # type: ignore[misc]
    """The key column as Whoosh writes it (a :class:`VarBytesColumn`), read with its
    documents' offsets summed in C: Whoosh's reader sums them in a Python loop over every
    document of the segment each time it is opened (a phrase search in a new process opens
    a key column in each segment with a hit: ~30, ~2 ms at 10,000 papers)."""

    class Reader(VarBytesColumn.Reader):  # type: ignore[misc]
        def _read_offsets_and_lengths(self) -> None:
            dbfile, count = self._dbfile, self._doccount
            last = self._basepos + self._length - 1  # the lengths' type code
            code = chr(dbfile.get_byte(last))
            if code == "X":  # the offsets are written too (over 32,768 documents)
                super()._read_offsets_and_lengths()
                return
            self._lengths = dbfile.get_array(last - struct.calcsize(code) * count, code, count)
            self._offsets = array("Q", itertools.accumulate(self._lengths, initial=0))


_KEY_COLUMN = _KeyColumn()


def key_column(reader: Any) -> Any:
    """A segment's papers' keys by local docnum (as ``reader.column_reader("key")``)."""
    return reader.column_reader("key", _KEY_COLUMN)


_SOME = 16  # a segment's documents per document wanted, from which each is read alone
_FEW = 2048  # documents wanted up to which the blocks holding none are found from headers


def _blocks(
    matcher: Any, values: bool = False, only: set[int] | None = None
) -> Iterator[tuple[Any, Any]]:
    """A term's postings a block at a time: (docnums, term frequencies), or with ``values``
    (docnums, encoded values); deleted documents left out. With ``only``, just those
    documents: a block holding none of them is skipped with its values undecoded."""
    deleted: set[int] | None = None
    if isinstance(matcher, FilterMatcher):
        deleted = matcher._ids  # Whoosh filters out a segment's deleted documents so
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        # A few documents wanted: a block whose range of docnums (from its header) holds
        # none of them is skipped before its docnums are decompressed.
        few = sorted(only) if only is not None and len(only) <= _FEW else None
        last = -1  # the last docnum of the block before
        while matcher.is_active():
            if few is not None:
                at = bisect.bisect_right(few, last)
                if at == len(few):
                    break  # none left
                last = matcher._maxid
                if few[at] > last:
                    matcher._next_block()
                    continue
            matcher._read_ids()
            start = matcher._i
            ids = matcher._ids[start:]
            wanted = None
            if only is not None:
                wanted = list(map(only.__contains__, ids))
                if not any(wanted):
                    matcher._next_block()
                    continue
            if values:
                matcher._read_values()
            else:
                matcher._read_weights()
            found = (matcher._values if values else matcher._weights)[start:]
            if wanted is not None and not all(wanted):
                ids = list(itertools.compress(ids, wanted))
                found = list(itertools.compress(found, wanted))
            if deleted:
                pairs = [(d, x) for d, x in zip(ids, found, strict=True) if d not in deleted]
                ids, found = [d for d, _ in pairs], [x for _, x in pairs]
            yield ids, found
            matcher._next_block()
    else:
        ids, found = [], []
        while matcher.is_active():
            d = matcher.id()
            if (not deleted or d not in deleted) and (only is None or d in only):
                ids.append(d)
                found.append(matcher.value() if values else matcher.weight())
            matcher.next()
        yield ids, found


def _score_term(
    searcher: Searcher, fieldname: str, text: str, boost: float, scores: dict[str, float]
) -> None:
    df = searcher.doc_frequency(fieldname, text)
    if not df:
        return
    idf = math.log(searcher.doc_count_all() / (df + 1)) + 1
    scorable = searcher.schema[fieldname].scorable
    avg = searcher.avg_field_length(fieldname) or 1.0
    c1 = idf * boost * (_K1 + 1)
    c2 = _K1 * (1 - _B)
    c3 = _K1 * _B / avg
    for reader, matcher, keys in _segment_postings(searcher, fieldname, text):
        get = scores.get
        if not scorable:
            for ids, _tfs in _blocks(matcher):
                for d in ids:
                    scores[keys[d]] = get(keys[d], 0.0) + boost
            continue
        lengths = _segment_list(reader, fieldname)
        for ids, tfs in _blocks(matcher):
            for d, tf in zip(ids, tfs, strict=True):
                k = keys[d]
                scores[k] = get(k, 0.0) + c1 * tf / (tf + c2 + c3 * lengths[d])


def _score_exact(searcher: Searcher, q: ExactForm, boost: float, scores: dict[str, float]) -> None:
    """BM25 of a word's exact form (:class:`ExactForm`), over its stemmed field's lengths."""
    found: list[tuple[list[str], list[int], dict[int, float]]] = []  # per segment
    df = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        counts = exact_counts(reader, q)
        if counts:
            found.append((_segment_list(reader, "key"), _segment_list(reader, q.base), counts))
            df += len(counts)
    if not found:
        return
    idf = math.log(searcher.doc_count_all() / (df + 1)) + 1
    avg = searcher.avg_field_length(q.base) or 1.0
    c1, c2, c3 = idf * boost * (_K1 + 1), _K1 * (1 - _B), _K1 * _B / avg
    get = scores.get
    for keys, lengths, counts in found:
        for d, tf in counts.items():
            k = keys[d]
            scores[k] = get(k, 0.0) + c1 * tf / (tf + c2 + c3 * lengths[d])


def _weights(reader: Any, fieldname: str, text: str) -> dict[int, float]:
    """A term's postings in one segment: docnum -> weight (its occurrences)."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return {}
    found: dict[int, float] = {}
    for ids, weights in _blocks(matcher):
        found.update(zip(ids, weights, strict=True))
    return found


def exact_counts(reader: Any, q: ExactForm) -> dict[int, float]:
    """How often each document of a segment holds the exact form ``q`` asks for.

    A form that differs from its stem is a term of the twin field. A form equal to its stem
    (``token``) is not indexed there: its occurrences are the stem's less those of the
    stem's other forms (:func:`_other_forms`)."""
    if q.text != q.stem:
        return _weights(reader, q.fieldname, q.text)  # weights: whole counts, as floats
    stemmed = _weights(reader, q.base, q.stem)
    if not stemmed:
        return {}
    less = _other_forms(reader, q, stemmed)
    if not less:  # (most words: no other form of the stem, or not in these documents)
        return stemmed
    return _less(stemmed, less)


def _other_forms(reader: Any, q: ExactForm, docs: Container[int]) -> dict[int, float]:
    """How often each of ``docs`` holds other forms of the stem of ``q`` (a form equal to
    its stem): ``tokens``, ``tokenization`` for ``token``, the twin's words that start as the
    stem does (less its last letter, for stems like happi/happy) and stem to it."""
    start = q.stem[:-1] if len(q.stem) > 2 else q.stem
    less: dict[int, float] = {}
    for raw in reader.expand_prefix(q.fieldname, start):
        other = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if stem_term(other) != q.stem:
            continue
        for d, w in _weights(reader, q.fieldname, other).items():
            if d in docs:
                less[d] = less.get(d, 0.0) + w
    return less


def _less(counts: dict[int, float], less: dict[int, float]) -> dict[int, float]:
    """``counts`` less ``less``, the documents left with none left out."""
    get = less.get
    return {d: float(round(w - get(d, 0.0))) for d, w in counts.items() if w - get(d, 0.0) >= 0.5}


def _word_and_form(q: wq.Query) -> tuple[wq.Term, ExactForm] | None:
    """A word's stem in a field and the word as typed, equal to its stem (the OR of the two
    that :func:`.queries.field_query` makes), to be scored in one pass (:func:`_score_word`)."""
    if isinstance(q, wq.Or) and len(q.subqueries) == 2:
        term, form = q.subqueries
        if (
            type(term) is wq.Term
            and isinstance(form, ExactForm)
            and form.base == term.fieldname
            and form.text == form.stem == term.text
        ):
            return term, form
    return None


def _score_word(
    searcher: Searcher, term: wq.Term, form: ExactForm, weight: float, scores: dict[str, float]
) -> None:
    """What :func:`_score_term` and :func:`_score_exact` add for a word and its form equal
    to its stem, from one read of the stem's postings: where no other form of the stem is
    found (most words), the form's occurrences are the stem's, and one BM25 sum with both
    weights gives both scores."""
    fieldname, stem = term.fieldname, term.text
    if not searcher.schema[fieldname].scorable:
        _score_term(searcher, fieldname, stem, term.boost * weight, scores)
        _score_exact(searcher, form, form.boost * weight, scores)
        return
    df = searcher.doc_frequency(fieldname, stem)
    if not df:
        return
    n = searcher.doc_count_all()
    segments: list[tuple[Any, dict[int, float], dict[int, float] | None]] = []
    form_df = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        counts = _weights(reader, fieldname, stem)
        if not counts:
            continue
        less = _other_forms(reader, form, counts)
        forms = _less(counts, less) if less else None
        form_df += len(counts if forms is None else forms)
        segments.append((reader, counts, forms))
    avg = searcher.avg_field_length(fieldname) or 1.0
    c2, c3 = _K1 * (1 - _B), _K1 * _B / avg
    c_term = (math.log(n / (df + 1)) + 1) * term.boost * weight * (_K1 + 1)
    c_form = (math.log(n / (form_df + 1)) + 1) * form.boost * weight * (_K1 + 1)
    get = scores.get
    for reader, counts, forms in segments:
        keys = _segment_list(reader, "key")
        lengths = _segment_list(reader, fieldname)
        both = c_term + c_form if forms is None else c_term
        for d, tf in counts.items():
            k = keys[d]
            scores[k] = get(k, 0.0) + both * tf / (tf + c2 + c3 * lengths[d])
        for d, tf in (forms or {}).items():
            k = keys[d]
            scores[k] = get(k, 0.0) + c_form * tf / (tf + c2 + c3 * lengths[d])


def _score_phrase(
    searcher: Searcher,
    fieldname: str,
    words: list[str],
    offsets: tuple[int, ...],
    slop: int,
    boost: float,
    scores: dict[str, float],
) -> None:
    """Papers holding the words in this order, each at its offset from the first (``slop``
    1), or up to ``slop - 1`` positions further.

    Each word's postings are read once, the rarest word's first, then the others' only in
    the papers found so far (a block holding none of them is skipped undecoded); positions
    are decoded only in the papers holding every word. Scored by BM25 with the number of
    occurrences as the frequency.
    """
    dfs = [searcher.doc_frequency(fieldname, w) for w in words]
    if not all(dfs):
        return
    n = searcher.doc_count_all()
    idf = sum(math.log(n / (df + 1)) + 1 for df in dfs)
    avg = searcher.avg_field_length(fieldname) or 1.0
    c1, c2, c3 = idf * boost * (_K1 + 1), _K1 * (1 - _B), _K1 * _B / avg
    fmt = searcher.schema[fieldname].format
    linked = _linked_pair(fmt, offsets, slop)
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        found = _phrase_postings(reader, fieldname, words, dfs, linked)
        if found is None:
            continue
        docs, encoded = found
        counts = _phrase_counts(fmt, docs, encoded, offsets, slop)
        keys = _segment_some(reader, "key", counts)
        lengths = _segment_some(reader, fieldname, counts)
        for d, count in counts.items():
            k = keys[d]
            scores[k] = scores.get(k, 0.0) + c1 * count / (count + c2 + c3 * lengths[d])


def _linked_pair(fmt: Any, offsets: tuple[int, ...], slop: int) -> int | None:
    """The first of two words of an exact phrase that must be adjacent, when the format
    marks the term after each position (:class:`LinkedPositions`); else None."""
    if slop > 1 or not isinstance(fmt, LinkedPositions):
        return None
    for i in range(len(offsets) - 1):
        if offsets[i + 1] == offsets[i] + 1:
            return i
    return None


def _postings(
    reader: Any, fieldname: str, word: str, only: set[int] | None, values: bool
) -> tuple[list[int], list[Any]]:
    """A word's documents in a segment (only those of ``only``), with their values (else
    their weights)."""
    try:
        matcher = reader.postings(fieldname, word)
    except TermNotFound:
        return [], []
    ids: list[int] = []
    found: list[Any] = []
    for block_ids, block_found in _blocks(matcher, values=values, only=only):
        ids.extend(block_ids)
        found.extend(block_found)
    return ids, found


def _phrase_postings(
    reader: Any, fieldname: str, words: list[str], dfs: list[int], linked: int | None
) -> tuple[list[int], list[list[bytes]]] | None:
    """The documents of a segment holding every word (in docnum order) and each word's
    encoded positions in them; None if none does.

    With ``linked`` (:func:`_linked_pair`), word ``linked`` is read in the documents of the
    rarest word and kept only where one of its positions is followed by the mark of word
    ``linked + 1`` (:func:`.analysis.follow_mark`): most documents holding two common words
    are left out before any position is decoded."""
    order = sorted(range(len(words)), key=dfs.__getitem__)  # the rarest word first
    docs: set[int] | None = None
    values_of: dict[int, dict[int, bytes]] = {}
    if linked is not None:
        if order[0] != linked:
            ids, _weights = _postings(reader, fieldname, words[order[0]], None, values=False)
            docs = set(ids)
            if not docs:
                return None
        ids, values = _postings(reader, fieldname, words[linked], docs, values=True)
        mark = bytes((follow_mark(words[linked + 1]),))
        kept = dict(itertools.compress(zip(ids, values, strict=True), _marked(values, mark)))
        if not kept:
            return None
        values_of[linked] = kept
        docs = set(kept)
    for i in order:
        if i in values_of:
            continue
        ids, values = _postings(reader, fieldname, words[i], docs, values=True)
        if not ids:
            return None
        values_of[i] = dict(zip(ids, values, strict=True))
        docs = set(ids)
    assert docs is not None
    found = sorted(docs)
    return found, [list(map(held.__getitem__, found)) for _i, held in sorted(values_of.items())]


def _marked(values: list[bytes], mark: bytes) -> Iterator[bool]:
    """Whether each :class:`LinkedPositions` value has a position followed by ``mark``
    (or has no marks to tell)."""
    ends = _linked_16_splits(values)
    if ends is not None:  # maps of C functions, no Python code per document
        return map((-1).__lt__, map(bytes.find, values, repeat(mark), repeat(1), ends))
    return (not (marks := follow_marks(v)) or mark in marks for v in values)


def _linked_16_splits(values: list[bytes]) -> Iterator[int] | None:
    """Where each value's marks end and its deltas start, when every value is a linked one
    with 16-bit deltas ([flags][n marks][n 16-bit deltas]: at len // 3 + 1); else None."""
    if not all(map(LINKED.__eq__, map(operator.itemgetter(0), values))):
        return None
    return map(operator.add, map(operator.floordiv, map(len, values), repeat(3)), repeat(1))


#: How Whoosh's Positions format pickles a value's position deltas (after the count), up
#: to the list's items: protocol 2, an empty list, memo slot 0.
_DELTAS_START = b"\x80\x02]q\x00"


def _delta_lists(values: list[bytes]) -> list[list[int]]:
    """The position deltas of many Positions values, unpickled in one call: each value's
    list, stripped of its protocol and stop codes, goes between a mark and a LIST code
    (every list overwrites memo slot 0, which nothing reads back)."""
    if all(v.startswith(_DELTAS_START, _UINT_SIZE) for v in values):
        parts = [v[_UINT_SIZE + 2 : -1 if v.endswith(b".") else None] for v in values]
        lists: list[list[int]] = pickle.loads(b"\x80\x02(" + b"".join(parts) + b"l.")
        return lists
    return [pickle.loads(v[_UINT_SIZE:] + (b"" if v.endswith(b".") else b".")) for v in values]


def _linked_deltas(values: list[bytes]) -> Iterable[Iterable[int]]:
    """The position deltas of many :class:`LinkedPositions` values."""
    starts = _linked_16_splits(values) if sys.byteorder == "little" else None
    if starts is not None:
        tails = map(bytes.__getitem__, values, map(slice, starts, repeat(None)))
        return map(array, repeat("H"), tails)
    return map(position_deltas, values)


def _delta_form(fmt: Any, values: list[bytes]) -> Iterable[Iterable[int]] | None:
    """The position deltas of many values of the format ``fmt`` (None: it has no deltas)."""
    if isinstance(fmt, LinkedPositions):
        return _linked_deltas(values)
    if type(fmt) in (Positions, TermPositions):
        return _delta_lists(values)
    return None


def _phrase_counts(
    fmt: Any, docs: list[int], encoded: list[list[bytes]], offsets: tuple[int, ...], slop: int
) -> dict[int, int]:
    """How often the words occur in order, each at its offset after the first (up to
    ``slop - 1`` further), in each of ``docs``, which hold them all: ``encoded`` has each
    word's positions in them, as the format ``fmt`` encodes them."""
    deltas = [_delta_form(fmt, e) for e in encoded]
    if slop > 1 or deltas[0] is None:
        if deltas[0] is not None:
            decoded = [[list(itertools.accumulate(d)) for d in each or ()] for each in deltas]
        else:
            decoded = [[fmt.decode_positions(v) for v in e] for e in encoded]
        found = (
            _occurrences(list(per_doc), offsets, slop) for per_doc in zip(*decoded, strict=True)
        )
        return {d: n for d, n in zip(docs, found, strict=True) if n}
    # Exact places: word i's positions shifted back by its offset (accumulate's initial
    # value; the extra -offset it yields first is no position) meet the first word's. (One set of
    # every document's positions at once, docnum and position in one int, is no faster:
    # 200,000 distinct ints take ~40 ms to put in a set.)
    # The loops over documents are maps of C functions: no Python code runs per document.
    accumulate = itertools.accumulate
    common: Iterator[set[int]] = map(set, map(accumulate, deltas[0]))
    for i in range(1, len(encoded)):
        back = functools.partial(accumulate, initial=-offsets[i])
        shifted = map(back, deltas[i] or ())
        common = map(set.intersection, common, shifted)
    return {d: n for d, n in zip(docs, map(len, common), strict=True) if n}


def _occurrences(positions: list[list[int]], offsets: tuple[int, ...], slop: int) -> int:
    """How often the words occur in order, each at its offset after the one before, or
    up to ``slop - 1`` positions further."""
    if slop <= 1:  # exact places: shift each word's positions back by its offset
        common = set(positions[0])
        for places, offset in zip(positions[1:], offsets[1:], strict=True):
            common.intersection_update(p - offset for p in places)
            if not common:
                return 0
        return len(common)
    following = [set(p) for p in positions[1:]]
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    count = 0
    for start in positions[0]:
        pos = start
        for allowed, least in zip(following, gaps, strict=True):
            reach = range(least, least + slop)
            nxt = next((pos + gap for gap in reach if pos + gap in allowed), None)
            if nxt is None:
                break
            pos = nxt
        else:
            count += 1
    return count


def _score_expanded(
    searcher: Searcher, q: wq.Query, boost: float, scores: dict[str, float]
) -> None:
    """Prefix, wildcard, fuzzy: every paper holding one of the words scores ``boost`` (a
    constant score, as Whoosh gives these queries)."""
    matched: set[str] = set()
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        keys = _segment_list(reader, "key")
        if isinstance(q, wq.Prefix):  # one walk of the lexicon (existing_terms walks it twice)
            texts: Iterable[Any] = list(reader.expand_prefix(q.fieldname, q.text))
        else:
            texts = [text for _field, text in q.existing_terms(reader, expand=True)]
        for text in texts:
            try:
                matcher = reader.postings(q.fieldname, text)
            except TermNotFound:
                continue
            for ids, _tfs in _blocks(matcher):
                matched.update(map(keys.__getitem__, ids))
    if not scores:
        scores.update(dict.fromkeys(matched, boost))
        return
    for k in matched:
        scores[k] = scores.get(k, 0.0) + boost
