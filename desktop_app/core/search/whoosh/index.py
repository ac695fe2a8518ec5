"""The Whoosh search index: a disposable cache of the library folder (see DESIGN.md).

Layout, under :func:`paths.library_cache_dir` (one folder per library)::

    index.lock            the writers' lock (one writer at a time, across processes)
    CURRENT               {"schema": SCHEMA_VERSION, "dir": "index-<hex>", "library": "..."}
    index-<hex>/          the Whoosh storage: the "papers" and "fulltext" indexes
    index-<hex>/files.json  the size of every index file after the last commit

Two indexes, so that a change of tags, status, rating or notes never re-indexes a PDF's text:

* ``papers``: one small document per paper (metadata, tags, status, notes, filters) and, in
  a column, the record a list row shows (:class:`PaperSummary`) with the fingerprint of the
  paper's files (name, size, mtime of paper.json, notes.md and the PDF).
* ``fulltext``: one document per paper with its PDF's text. It changes only when the PDF
  does. Pages are not documents: scoring a query against one document per paper touches
  fewer postings than against one per page (a common word is on most of a paper's ~15
  pages), and hits still name their pages: snippets are cut from the page texts kept in
  the text cache (:mod:`desktop_app.core.pdf.text`).

Queries (:mod:`desktop_app.core.search.query`) are evaluated per paper: each word or filter
is looked up in the index it concerns (free words in both), and the results are combined
with AND/OR/NOT as sets of paper keys with summed BM25F scores.

Writers use ``compound=False`` segments (a searcher then maps files instead of copying the
index into memory, DESIGN.md) and one searcher per index is reused and refreshed after a
commit. What a search derives is kept until the index changes: the records and per-paper
views (updated in place after an edit of this process), and, per searcher, the scores of
each field's word, phrase or prefix. An edit commits a small segment of the papers index
without merging; small segments are merged by a sync, a batch of changes, or after
MERGE_AFTER edits. A rebuild writes a new ``index-<hex>`` folder and switches CURRENT to it in one
atomic rename, so a reader never sees half an index. An index that is missing, of another
schema, or damaged (a file shorter than recorded, a TOC that does not load) is rebuilt
automatically, reporting progress.

Kept in step: the index observes the library (each change updates one paper) and
:meth:`WhooshIndex.sync` compares every paper folder's fingerprint with the indexed one, so
changes made by another process, a sync tool or a text editor on notes.md are found.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import html
import itertools
import json
import logging
import math
import mmap
import os
import pickle
import re
import secrets
import shutil
import struct
import subprocess
import sys
import threading
import time
import weakref
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE as _UINT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from desktop_app.core import paths
from desktop_app.core.errors import (
    DamagedFile,
    PaperNotFound,
    PapershelfError,
    QueryError,
    SearchIndexError,
)
from desktop_app.core.library import NOTES_FILE, PAPER_FILE, Library
from desktop_app.core.paper import Paper, parse_time
from desktop_app.core.pdf.text import PdfText, TextExtractor, file_sha256, load_cached
from desktop_app.core.progress import Progress
from desktop_app.core.search import query as querysyntax
from desktop_app.core.search.api import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    Hit,
    HitList,
    IndexStats,
    PaperSummary,
    SearchResults,
    Snippet,
    SortOrder,
    SyncReport,
)
from desktop_app.core.search.query import And, Node, Not, Or, Range, Term
from desktop_app.core.search.whoosh.analysis import (
    WORD,
    TermPositions,
    TextAnalyzer,
    fold,
    join_keywords,
    keyword_term,
    stem_term,
    text_field_format,
)
from desktop_app.core.storage import atomic_write_json
from desktop_app.core.words import title_sort_key

log = logging.getLogger(__name__)

#: Bump on any change to the schemas or to what goes into them: old indexes are rebuilt.
SCHEMA_VERSION = 3  # 2: postings blocks keep their positions apart (_Codec); 3: the codec moved
#                     to desktop_app.core.search.whoosh (segments pickle its class path)
#: Schemas whose indexes this code can still search while their replacement is built
#: (schema 1 differs in its postings layout only, and each segment names its codec; schema 2's
#: segments name the codec by its old module path, which no longer exists).
READABLE_SCHEMAS = frozenset({1, SCHEMA_VERSION})
PAPERS = "papers"
FULLTEXT = "fulltext"
POINTER = "CURRENT"
FILES = "files.json"
WRITE_TIMEOUT = 10.0  # seconds a writer waits for another one
REBUILD_WAIT = 900.0  # seconds to wait for another process's rebuild before giving up
BATCH = 250  # papers per commit during a sync (work survives an interruption)
REBUILD_LIMIT_MB = 256  # Whoosh's posting pool per writer during a rebuild
#: A rebuild's writers end a segment once their posting pool (by Whoosh's own estimate)
#: holds this much (and enough papers not to count as small): a pool over its limit is
#: sorted and spilled to runs on disk that are merged at the end, which halves the speed
#: (measured: one process indexed 2,000 papers of 6,000 words at 20 papers/s in one
#: segment, 36/s in segments of ~550). The full-text index then has a segment per ~550
#: such papers, the papers index one per ~3,000.
SEGMENT_MB = 200
MERGE_AFTER = 64  # small segments of the papers index (one per edit) before an edit merges
MERGE_AT_SYNC = 4  # ... before a sync merges them
MERGE_BELOW = 500  # papers in a segment that counts as small
#: ... in the full-text index, where merging costs ~15 ms per paper: its segments are those
#: of the last rebuild (a few hundred papers each, kept) and one per later change.
TEXT_MERGE_BELOW = 50

#: Field boosts of free text (BM25F): title above authors and tags, above abstract, above
#: notes, above the full text.
BOOSTS = {
    "id": 8.0,
    "title": 5.0,
    "author": 3.0,
    "tags_text": 3.0,
    "abstract": 2.0,
    "note": 1.5,
    FULLTEXT: 1.0,
}
#: Query field -> index fields it searches (free text: all of them and the full text).
_TEXT_FIELD_MAP: dict[str | None, tuple[str, ...]] = {
    None: ("id", "title", "author", "tags_text", "abstract", "note"),
    "title": ("title",),
    "author": ("author",),
    "abstract": ("abstract",),
    "note": ("note",),
    "fulltext": (),
    "tag": ("tag",),
    "cat": ("cat",),
    "id": ("id",),
    "status": ("status",),
    "has": ("has",),
    "pdf": ("pdf",),
}
_KEYWORD_FIELDS = frozenset({"id", "tag", "cat", "status", "has", "pdf"})
_STEMMED = TextAnalyzer(stem=True)
_PLAIN = TextAnalyzer(stem=False)
SNIPPET_CHARS = 220
PAGE_SNIPPETS = 3  # full-text snippets per hit in search results
#: Errors that mean the stored index is damaged (Whoosh reads files with struct/pickle/zlib).
_DAMAGE = (
    OSError,
    EOFError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
    ValueError,
    IndexError,
    KeyError,
    AttributeError,
    whoosh_index.IndexError,
)


def papers_schema() -> Schema:
    from desktop_app.core.search.whoosh.analysis import KeywordAnalyzer

    kw = KeywordAnalyzer()
    return Schema(
        key=ID(stored=True, unique=True, sortable=True),
        id=KEYWORD(analyzer=kw, scorable=True),
        title=text_field_format(TEXT(analyzer=_STEMMED)),
        author=text_field_format(TEXT(analyzer=_PLAIN)),
        tags_text=text_field_format(TEXT(analyzer=_STEMMED)),
        abstract=text_field_format(TEXT(analyzer=_STEMMED, stored=True)),
        note=text_field_format(TEXT(analyzer=_STEMMED, stored=True)),
        tag=KEYWORD(analyzer=kw),
        cat=KEYWORD(analyzer=kw),
        status=KEYWORD(analyzer=kw),
        has=KEYWORD(analyzer=kw),
        pdf=KEYWORD(analyzer=kw),
        year=NUMERIC(int, bits=32),
        rating=NUMERIC(int, bits=32),
        added=NUMERIC(int, bits=64),
        words=TEXT(analyzer=_PLAIN, phrase=False),  # the vocabulary for "did you mean"
        record=COLUMN(VarBytesColumn()),
    )


def fulltext_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True, sortable=True),
        fulltext=text_field_format(TEXT(analyzer=_STEMMED)),
    )


# -- what the index keeps per paper ------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A paper as indexed: its list row and the state of its files and text."""

    summary: PaperSummary
    stamp: str  # fingerprint of paper.json, notes.md and the PDFs in the folder
    pdf_stamp: str = ""  # fingerprint of the PDF the text was taken from
    text_sha: str = ""  # SHA-256 of that PDF
    text_state: str = "none"  # none | ok | failed
    text_error: str | None = None
    text_pages: int = 0

    def to_bytes(self) -> bytes:
        data = {
            "s": dataclasses.asdict(self.summary),
            "stamp": self.stamp,
            "pdf": self.pdf_stamp,
            "sha": self.text_sha,
            "text": self.text_state,
            "err": self.text_error,
            "pages": self.text_pages,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Entry:
        data = json.loads(raw)
        s = data["s"]
        for name in ("authors", "tags", "categories"):
            s[name] = tuple(s[name])
        return cls(
            summary=PaperSummary(**s),
            stamp=data["stamp"],
            pdf_stamp=data["pdf"],
            text_sha=data["sha"],
            text_state=data["text"],
            text_error=data["err"],
            text_pages=data["pages"],
        )


@dataclass
class _Prepared:
    """One paper's documents, made ready outside the writers' lock."""

    key: str
    entry: Entry | None = None  # None: remove the paper from the index
    doc: dict[str, Any] | None = None
    #: the SHA-256 of the PDF whose cached text to index; "" to remove it; None: leave it
    text_from: str | None = None


@dataclass
class _Views:
    """What sorting and counting look up per paper, derived from the entries once."""

    newest: dict[str, int]  # 0 for the paper added last
    by_newest: list[str]  # the papers, the one added last first
    year: dict[str, int]
    title: dict[str, str]
    tags: dict[str, tuple[str, ...]]
    status: dict[str, str]
    summary: dict[str, PaperSummary]
    all_tags: Counter[str]  # over every paper
    all_status: Counter[str]
    #: range field -> paper -> value (None: none indexed), made when a range asks
    numbers: dict[str, dict[str, int | None]] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: dict[str, Entry]) -> _Views:
        by_added = sorted(entries, key=lambda k: entries[k].summary.added, reverse=True)
        tags = {k: e.summary.tags for k, e in entries.items()}
        status = {k: e.summary.status for k, e in entries.items()}
        return cls(
            newest={k: i for i, k in enumerate(by_added)},
            by_newest=by_added,
            year={k: e.summary.year or 0 for k, e in entries.items()},
            title={k: title_sort_key(e.summary.title) for k, e in entries.items()},
            tags=tags,
            status=status,
            summary={k: e.summary for k, e in entries.items()},
            all_tags=Counter(itertools.chain.from_iterable(tags.values())),
            all_status=Counter(status.values()),
        )

    def replace(self, key: str, old: Entry | None, new: Entry | None) -> bool:
        """Take in one paper's new record; False when the views must be derived anew (a
        paper added or removed, or its date added changed: the order by date moves)."""
        if old is None or new is None or old.summary.added != new.summary.added:
            return False
        before, after = old.summary, new.summary
        self.year[key] = after.year or 0
        self.title[key] = title_sort_key(after.title)
        self.tags[key] = after.tags
        self.status[key] = after.status
        self.summary[key] = after
        self.numbers.clear()
        for counter, gone, come in (
            (self.all_tags, before.tags, after.tags),
            (self.all_status, (before.status,), (after.status,)),
        ):
            counter.subtract(gone)
            counter.update(come)
            for name in gone:
                if counter[name] <= 0:
                    del counter[name]
        return True

    def values(self, name: str) -> dict[str, int | None] | None:
        """Every paper's value of a range field as the index holds it (None for a field
        the records do not carry)."""
        found = self.numbers.get(name)
        if found is None:
            if name == "year":
                found = {k: s.year for k, s in self.summary.items()}
            elif name == "rating":
                found = {k: s.rating for k, s in self.summary.items()}
            elif name == "added":
                found = {k: _epoch(s.added) for k, s in self.summary.items()}
            else:
                return None
            self.numbers[name] = found
        return found

    def counts(self, keys: list[str]) -> tuple[Counter[str], Counter[str]]:
        """Papers per tag and per status among ``keys`` (counting the fewer of the keys or
        the others: a broad query matches most of the library)."""
        if 2 * len(keys) <= len(self.status):
            tags = Counter(itertools.chain.from_iterable(map(self.tags.__getitem__, keys)))
            return tags, Counter(map(self.status.__getitem__, keys))
        matched = set(keys)
        others = [k for k in self.status if k not in matched]
        tags = self.all_tags - Counter(
            itertools.chain.from_iterable(map(self.tags.__getitem__, others))
        )
        return tags, self.all_status - Counter(map(self.status.__getitem__, others))


@dataclass
class _Open:
    """The open indexes of the current index folder."""

    name: str
    folder: Path
    papers: whoosh_index.FileIndex
    fulltext: whoosh_index.FileIndex
    psearcher: Searcher | None = None
    tsearcher: Searcher | None = None
    entries: dict[str, Entry] | None = None
    entries_gen: int = -1
    views: _Views | None = None  # derived from entries; None when entries changed
    #: A query word's scores over every field (shared: never changed), as of the searchers
    #: in ``term_scores_of``: a word searched again (the query typed on, another sort or
    #: view) is not merged again from its fields' scores.
    term_scores: OrderedDict[Term, dict[str, float]] = field(default_factory=OrderedDict)
    term_scores_of: tuple[Searcher, Searcher] | None = None

    def close(self) -> None:
        for s in (self.psearcher, self.tsearcher):
            if s is not None:
                with contextlib.suppress(Exception):
                    s.close()
        self.psearcher = self.tsearcher = None
        for ix in (self.papers, self.fulltext):
            with contextlib.suppress(Exception):
                ix.storage.close()


class _Storage(FileStorage):  # type: ignore[misc]
    """Whoosh's file storage, with temp folders of each process's own.

    A Whoosh writer keeps its temp files in a folder named after the index
    ("fulltext.tmp") and deletes it when done: the worker processes of a rebuild, writing
    at the same time, would delete each other's files. (Within one process the name must
    stay the same: a writer and its per-document writer share the folder.)
    """

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return super().temp_storage(f"{name or 'temp'}-{os.getpid()}")

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        """An index file to read, mapped into memory (:class:`_MappedFile`); an empty
        one (it cannot be mapped) opened as Whoosh does."""
        path = self._fpath(name)
        try:
            if os.path.getsize(path) > 0:
                return _MappedFile(path, name, **kwargs)
        except (OSError, ValueError):
            pass
        return super().open_file(name, **kwargs)


class _MappedFile(StructFile):  # type: ignore[misc]
    """A finished index file, read through a memory map.

    Whoosh reads terms and postings by seeking and reading a few bytes at a time: through
    a buffered file each costs a system call (~25 µs each on a small VM, a third of the
    first search for a common word); from a map it is a slice. Index files never change
    once written (a rebuild writes a new folder), and a file that is shorter than recorded
    is found before it is opened (:func:`_check_files`).
    """

    def __init__(self, path: str, name: str, **kwargs: Any) -> None:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        super().__init__(mapped, name=name, **kwargs)

    def get(self, position: int, length: int) -> bytes:
        return self.file[position : position + length]  # type: ignore[no-any-return]


class _Lengths:
    """A segment's field lengths read into lists once: Whoosh looks the length up for every
    posting it writes (thousands per paper), each time through a column reader."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lists: dict[str, list[int]] = {}

    def field_lengths(self, fieldname: str) -> list[int]:
        """The field's length in each document, by docnum (as far as any are stored)."""
        lengths = self._lists.get(fieldname)
        if lengths is None:
            column = self._reader._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            lengths = [byte_to_length(b) for b in column] if column is not None else []
            self._lists[fieldname] = lengths
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.field_lengths(fieldname)
        return lengths[docnum] if docnum < len(lengths) else default

    def close(self) -> None:
        self._reader.close()


_HEAD = struct.Struct("!I")  # the length of a postings block's documents-and-weights part


class _PostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh 3's postings writer, with each block's values (the positions, most of its
    bytes) compressed apart from its document numbers and weights.

    Whoosh pickles and compresses a block's ids, weights and values together, so scoring
    a word decompresses its positions too: for a word common in the full text of 10,000
    papers, 9 ms of 10. Here a block's data is the length of its first part, the
    compressed pickle of (ids, weights), then the compressed pickle of the values; the
    block's header is Whoosh's.
    """

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        head = pickle.dumps((self._mini_ids(), self._mini_weights()), 2)
        tail = pickle.dumps(self._mini_values(), 2)
        comp = self._compression
        if comp:
            head, tail = zlib.compress(head, comp), zlib.compress(tail, comp)
        ids = self._ids
        info = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                comp,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        length = len(info) + _HEAD.size + len(head) + len(tail)
        postfile = self._postfile
        postfile.write_int(-length if last else length)
        postfile.write(info)
        postfile.write(_HEAD.pack(len(head)))
        postfile.write(head)
        postfile.write(tail)
        self._blockcount += 1
        self._new_block()


class _LeafMatcher(W3LeafMatcher):  # type: ignore[misc]
    """Reads the blocks of :class:`_PostingsWriter`: a block's values are decompressed
    only when asked for (a phrase, a snippet), not to score it."""

    def _part(self, start: int, end: int) -> Any:
        raw = self._postfile.get(start, end - start)
        return pickle.loads(zlib.decompress(raw) if self._compression else raw)

    def _values_start(self) -> int:
        """Where the block's values begin (its ids and weights end)."""
        (headlen,) = _HEAD.unpack(self._postfile.get(self._dataoffset, _HEAD.size))
        return int(self._dataoffset + _HEAD.size + headlen)

    def _read_data(self) -> None:
        self._data = self._part(self._dataoffset + _HEAD.size, self._values_start())

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        # Whoosh's delta_decode is a generator; accumulate does the same sums in C.
        self._ids = ids if self._byteids else tuple(itertools.accumulate(ids))

    def _read_values(self) -> None:
        values = self._part(self._values_start(), self._nextoffset)
        fixedsize = self._fixedsize
        if fixedsize is None or fixedsize < 0:
            self._values = values
        elif fixedsize == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(
                values[i : i + fixedsize] for i in range(0, len(values), fixedsize)
            )


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh 3's codec with :class:`_PostingsWriter`'s blocks for the documents' postings
    (term vectors, which the schemas do not use, keep Whoosh's). Each segment records its
    codec, so an index keeps being read the way it was written."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class _GroupedPool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool, keeping the postings grouped by term as they come.

    Whoosh's pool sorts all its postings, as tuples, before they are written (a paper's
    full text makes ~2,000); a writer adds them in document order, so grouping them by
    term leaves only the terms to sort. A pool over its limit writes a run to disk as
    Whoosh's does (the same order, the same size estimate).
    """

    def __init__(self, tempstore: Any, segment: Any, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._terms: dict[str, dict[bytes, list[tuple[Any, ...]]]] = {}

    def add(self, item: tuple[Any, ...]) -> None:
        # item = (fieldname, tbytes, docnum, weight, vbytes)
        terms = self._terms.get(item[0])
        if terms is None:
            terms = self._terms[item[0]] = {}
            self.fieldnames.add(item[0])
        postings = terms.get(item[1])
        if postings is None:
            terms[item[1]] = [item]
        else:
            postings.append(item)
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()

    def grouped(self) -> Iterator[tuple[str, Iterator[tuple[bytes, list[tuple[Any, ...]]]]]]:
        """The postings by field and term, in order (and the pool emptied)."""
        terms_of, self._terms = self._terms, {}
        for fieldname in sorted(terms_of):
            terms = terms_of[fieldname]
            yield fieldname, ((text, terms[text]) for text in sorted(terms))

    def _in_order(self) -> Iterator[tuple[Any, ...]]:
        for _fieldname, terms in self.grouped():
            for _text, postings in terms:
                yield from postings

    def save(self) -> None:
        self.current = list(self._in_order())
        super().save()  # its sort finds the list in order (linear)

    def items(self, maxfiles: int = 128) -> Iterator[tuple[Any, ...]]:
        if not self.runs:
            return self._in_order()
        self.current = list(self._in_order())
        return super().items(maxfiles)  # type: ignore[no-any-return]


class _Writer(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, with postings grouped as they come (:class:`_GroupedPool`)
    and written with :class:`_Lengths` (the same files, about a fifth faster)."""

    def __init__(self, ix: whoosh_index.FileIndex, **options: Any) -> None:
        super().__init__(ix, **options)
        limitmb = options.get("limitmb", 128)  # Whoosh's default
        self.pool: _GroupedPool = _GroupedPool(self._tempstorage, self.newsegment, limitmb)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        fieldwriter = self.fieldwriter
        if self.pool.runs or not isinstance(fieldwriter, W3FieldWriter):
            fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        else:
            _write_grouped(fieldwriter, self.schema, lengths, self.pool.grouped())
        fieldwriter.close()
        if lengths is not None:
            lengths.close()


def _write_grouped(
    fieldwriter: W3FieldWriter,
    schema: Schema,
    lengths: _Lengths | None,
    grouped: Iterator[tuple[str, Iterator[tuple[bytes, list[tuple[Any, ...]]]]]],
) -> None:
    """Write the postings of a :class:`_GroupedPool` a block at a time: what Whoosh's
    ``FieldWriter.add_postings`` writes (the same files), without its calls per posting
    (writing a segment takes ~10% less time)."""
    for fieldname, terms in grouped:
        fieldwriter.start_field(fieldname, schema[fieldname])
        postwriter = fieldwriter._postwriter
        blocklimit = postwriter._blocklimit
        length_of = lengths.field_lengths(fieldname) if lengths is not None else []
        known = len(length_of)
        for text, postings in terms:
            fieldwriter.start_term(text)
            for start in range(0, len(postings), blocklimit):
                # Each block is written into an empty buffer (a term starts one; writing
                # a block empties it), so its statistics are those of the block alone.
                block = postings[start : start + blocklimit]
                if postwriter._ids:  # a whole block is waiting
                    postwriter._write_block()
                ids = [p[2] for p in block]
                weights = [p[3] for p in block]
                postwriter._ids.extend(ids)
                postwriter._weights.extend(weights)
                postwriter._maxweight = max(weights)
                postwriter._values.extend(p[4] for p in block if p[4])
                found = [n for n in (length_of[d] for d in ids if d < known) if n]
                if found:
                    postwriter._minlength, postwriter._maxlength = min(found), max(found)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _small_segments(segments: list[Any], below: int = MERGE_BELOW) -> list[Any]:
    return [seg for seg in segments if seg.doc_count_all() < below]


def _merging(at: int, below: int = MERGE_BELOW) -> Callable[[SegmentWriter, list[Any]], list[Any]]:
    """The papers index's merge policy: merge the small segments into the new one once
    ``at`` of them are there.

    Whoosh's own policy merges the small segments at nearly every commit, and merging
    costs ~0.1 ms per term and segment (a paper has ~400 terms): 50-500 ms added to a tag
    change. So an edit commits a segment of its own (a tag change stays at ~30 ms; each
    segment adds ~0.5 ms to the next one), and the small segments are merged by a sync
    (at start-up), by a batch of changes, or once MERGE_AFTER have piled up.
    """

    def merge(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
        small = _small_segments(segments, below)
        if len(small) < at:
            return segments
        for seg in small:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return [seg for seg in segments if seg.doc_count_all() >= below]

    return merge


def _writer(ix: whoosh_index.FileIndex, **options: Any) -> _Writer:
    return _Writer(ix, compound=False, codec=_Codec(), **options)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection meanwhile: a search makes thousands of small objects (a hit
    per paper), each few hundred of which start a collection, and now and then a full one
    over every record in memory (tens of ms with 10,000 papers). Nothing made here is
    cyclic garbage, and the collector runs as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cached_text(sha: str) -> str | None:
    """A PDF's text from the text cache, pages separated by form feeds."""
    cached = load_cached(sha)
    if cached is None or not cached.ok:
        log.warning("the cached text of PDF %s is gone; its text is not indexed", sha[:12])
        return None
    return "\f".join(cached.pages)


def _fresh(searcher: Searcher | None, ix: whoosh_index.FileIndex) -> Searcher:
    """The searcher, reopened if the index changed (one searcher is reused, DESIGN.md).

    Not ``Searcher.refresh()``: it reuses the reader of a segment whose deletions changed,
    so documents deleted or replaced by the commit would still be found.
    """
    if searcher is not None:
        if searcher.up_to_date():
            return searcher
        searcher.close()
    return ix.searcher(weighting=BM25F())


def fingerprint(folder: Path) -> str:
    """Name, size and mtime of a paper folder's paper.json, notes.md and PDFs; "" if gone."""
    parts: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                name = e.name
                if name in (PAPER_FILE, NOTES_FILE) or name.lower().endswith(".pdf"):
                    with contextlib.suppress(FileNotFoundError):
                        st = e.stat()
                        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    except (FileNotFoundError, NotADirectoryError):
        return ""
    parts.sort()
    return "|".join(parts)


def _file_stamp(path: Path) -> str:
    st = path.stat()
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"


def _epoch(iso: str) -> int | None:
    when = parse_time(iso)
    return int(when.timestamp()) if when is not None else None


def _tag_values(tags: Iterable[str]) -> set[str]:
    """Each tag and its ancestors (``ml/rag`` is found by ``tag:ml`` too)."""
    values: set[str] = set()
    for tag in tags:
        parts = tag.split("/")
        for i in range(1, len(parts) + 1):
            values.add("/".join(parts[:i]))
    return values


def _categories(cats: Iterable[str]) -> set[str]:
    """Each category and its archive (``cs.IR`` is found by ``cat:cs`` too)."""
    values: set[str] = set()
    for cat in cats:
        values.add(cat)
        if "." in cat:
            values.add(cat.split(".", 1)[0])
    return values


# -- the index ---------------------------------------------------------------------------


class WhooshIndex:
    """The search index of one library (implements :class:`search.SearchIndex`).

    Creating it is cheap; the index is opened (and built when needed) on first use.
    It registers itself as the library's observer unless ``observe`` is False. Thread-safe:
    calls are serialized by a lock; writes across processes by a file lock.

    Args:
        library: the library it indexes.
        cache_dir: where its files go (default :func:`paths.library_cache_dir`).
        extractor: reads PDF text (default: its own, started when a PDF needs reading).
        observe: update on every change the library reports.
    """

    def __init__(
        self,
        library: Library,
        *,
        cache_dir: Path | None = None,
        extractor: TextExtractor | None = None,
        observe: bool = True,
        write_timeout: float = WRITE_TIMEOUT,
    ) -> None:
        self.library = library
        self.dir = cache_dir or paths.library_cache_dir(library.root)
        self.write_timeout = write_timeout
        self._extractor = extractor
        self._own_extractor = extractor is None
        self._lock = threading.RLock()
        self._open: _Open | None = None
        self._file_lock: FileLock | None = None
        self._closed = False
        if observe:
            library.observers.append(self)

    # -- opening -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the writers' lock (re-entrant in this process, shared with other processes)."""
        if self._file_lock is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(self.dir / "index.lock"))
        try:
            with self._file_lock.acquire(timeout=timeout or self.write_timeout):
                yield
        except Timeout:
            raise SearchIndexError(
                f"{self.dir}: the search index is being written by another program; "
                "try again in a moment"
            ) from None

    def _read_pointer(self) -> dict[str, Any] | None:
        try:
            data = json.loads((self.dir / POINTER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _problem(
        self, schemas: frozenset[int] = frozenset({SCHEMA_VERSION})
    ) -> tuple[str | None, _Open | None]:
        """(why the index cannot be used, None) or (None, the open index); an index of
        another schema than ``schemas`` cannot be used."""
        pointer = self._read_pointer()
        if pointer is None:
            return "no index yet" if not (self.dir / POINTER).exists() else "damaged", None
        schema = pointer.get("schema")
        if schema not in schemas:
            age = "an older" if isinstance(schema, int) and schema < SCHEMA_VERSION else "another"
            why = f"made by {age} version of Papershelf: schema {schema}, now {SCHEMA_VERSION}"
            return why, None
        name = str(pointer.get("dir", ""))
        if self._open is not None and self._open.name == name:
            return None, self._open
        folder = self.dir / name
        if not name or not folder.is_dir():
            return "index folder missing", None
        damage = _check_files(folder)
        if damage:
            return f"damaged: {damage}", None
        try:
            storage = _Storage(str(folder))
            papers = storage.open_index(PAPERS)
            fulltext = storage.open_index(FULLTEXT)
            opened = _Open(name, folder, papers, fulltext)
            self._searchers(opened)
        except (*_DAMAGE, whoosh_index.EmptyIndexError) as e:
            return f"damaged: {type(e).__name__}: {e}", None
        return None, opened

    def _ready(
        self, progress: Progress | None = None, stale_ok: bool = False
    ) -> tuple[_Open, str | None]:
        """The open index, rebuilt first if needed; and the reason of a rebuild. With
        ``stale_ok``, an index of an older schema that can still be searched is used as it
        is (the caller knows that a rebuild is on its way)."""
        if self._closed:
            raise SearchIndexError("the search index is closed")
        _, opened = self._usable()
        if opened is None and stale_ok:
            _, opened = self._usable(READABLE_SCHEMAS)
        if opened is not None:
            return opened, None
        reason = self._rebuild_if_needed(progress)
        problem, opened = self._usable()
        if opened is None:
            raise SearchIndexError(f"{self.dir}: the rebuilt search index is unusable: {problem}")
        return opened, reason

    def _usable(
        self, schemas: frozenset[int] = frozenset({SCHEMA_VERSION})
    ) -> tuple[str | None, _Open | None]:
        """:meth:`_problem`, and an index that can be used made the one searched."""
        with self._lock:
            problem, opened = self._problem(schemas)
            if opened is not None and opened is not self._open:
                self._swap(opened)
            return problem, opened

    def _swap(self, opened: _Open) -> None:
        old = self._open
        self._open = opened
        if old is not None and old is not opened:
            old.close()
            if old.folder.parent == self.dir and old.name != opened.name:
                # Replaced by a rebuild, which left it for this process's searches.
                shutil.rmtree(old.folder, ignore_errors=True)

    def _searchers(self, o: _Open) -> tuple[Searcher, Searcher]:
        o.psearcher = _fresh(o.psearcher, o.papers)
        o.tsearcher = _fresh(o.tsearcher, o.fulltext)
        return o.psearcher, o.tsearcher

    def _entries(self, o: _Open) -> dict[str, Entry]:
        psearcher, _ = self._searchers(o)
        gen = psearcher.reader().generation()
        if o.entries is None or o.entries_gen != gen:
            reader = psearcher.reader()
            if reader.doc_count_all() == 0:  # an empty index has no columns
                o.entries, o.entries_gen, o.views = {}, gen, None
                return o.entries
            live = reader.all_doc_ids()
            records = zip(reader.column_reader("key"), reader.column_reader("record"), strict=True)
            if reader.has_deletions():
                live_set = set(live)
                records = (r for d, r in enumerate(records) if d in live_set)  # type: ignore[assignment]
            with _gc_paused():
                entries = {key: Entry.from_bytes(raw) for key, raw in records}
            o.entries, o.entries_gen, o.views = entries, gen, None
            # The records live until the index changes: out of the collector's way. A full
            # collection walks every object it tracks (60 ms with 10,000 records), and
            # searches, making thousands of hits each, start one now and then. (Frozen
            # objects are still freed when no longer referenced; the records hold no
            # reference cycles.)
            gc.freeze()
        return o.entries

    def _views(self, o: _Open) -> _Views:
        entries = self._entries(o)
        if o.views is None:
            o.views = _Views.of(entries)
        return o.views

    def searchable(self) -> bool:
        """An index is there that can be searched now: usable, or of an older schema that
        is still readable (``search(stale_ok=True)`` searches it until a sync replaces it)."""
        with self._lock:
            return not self._closed and self._usable(READABLE_SCHEMAS)[1] is not None

    def exists(self) -> bool:
        """An index is there and usable without a rebuild."""
        return self._usable()[0] is None

    # -- building ------------------------------------------------------------------------

    def _build(self, progress: Progress | None, retry_failed: bool = False) -> int:
        """Write a whole new index folder and switch to it (the caller holds the lock).

        Progress counts each paper twice: once when it is read, once when its text is in.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"index-{secrets.token_hex(4)}"
        folder = self.dir / name
        folder.mkdir()
        storage = _Storage(str(folder))
        papers = storage.create_index(papers_schema(), indexname=PAPERS)
        fulltext = storage.create_index(fulltext_schema(), indexname=FULLTEXT)
        keys = self.library.keys()
        total = 2 * len(keys)
        if progress:
            progress(0, total)
        pw = _NewSegments(papers, MERGE_BELOW)
        texts = _TextIndexer(fulltext, folder, len(keys))
        started = time.perf_counter()
        try:
            for done, key in enumerate(keys, 1):
                prep = self._prepare(key, None, retry_failed)
                if prep.entry is not None and prep.doc is not None:
                    pw.add(**prep.doc)
                    if prep.text_from:
                        texts.add(key, prep.text_from)
                if progress and (done % 25 == 0 or done == len(keys)):
                    progress(done, total)
            read = time.perf_counter() - started
            skipped = len(keys) - len(texts.texts)

            def texts_done(n: int) -> None:
                if progress:
                    progress(len(keys) + skipped + n, total)

            texts.finish(texts_done, before_wait=lambda: _commit_segments(papers, pw.finish()))
        except BaseException:
            texts.close()
            pw.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        log.info(
            "%s: %d papers read in %.1f s, %d texts indexed, in %.1f s in all",
            folder,
            len(keys),
            read,
            len(texts.texts),
            time.perf_counter() - started,
        )
        _record_files(folder)
        pointer = {"schema": SCHEMA_VERSION, "dir": name, "library": str(self.library.root)}
        atomic_write_json(self.dir / POINTER, pointer, durable=False)
        in_use = self._open.name if self._open is not None else None  # searched meanwhile
        for old in self.dir.glob("index-*"):
            if old.name not in (name, in_use) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # in use elsewhere on Windows: later
        if progress:
            progress(total, total)
        return len(keys)

    def rebuild(
        self, progress: Progress | None = None, *, retry_failed: bool = False
    ) -> SyncReport:
        """Build the index anew from the library folder (``papershelf reindex``); with
        ``retry_failed``, PDFs whose text could not be read are read again.

        Searches go on meanwhile, on the index being replaced (the new one is written to a
        folder of its own); changes made meanwhile are caught up at the end.
        """
        with self._writing(REBUILD_WAIT):
            total = self._build(progress, retry_failed)
        with self._lock:
            opened, _ = self._ready()
            # Changes made while it was built (by other processes) are caught up here.
            report = self._sync(opened, None)
        return SyncReport(added=total + report.added, rebuilt=True, reason="asked for")

    # -- keeping in step -----------------------------------------------------------------

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """Rebuild when needed, then apply what changed in the library folder since.

        A rebuild does not keep this object's searches waiting: they go on, with
        ``stale_ok`` on an index of an older schema, until the new index is there.
        """
        reason = self._rebuild_if_needed(progress)
        with self._lock:
            opened, again = self._ready(progress)
            report = self._sync(opened, progress)
            reason = reason or again
            if reason:
                report.rebuilt, report.reason = True, reason
            return report

    def _rebuild_if_needed(self, progress: Progress | None) -> str | None:
        """Build the index anew if it cannot be used, holding the writers' lock only; the
        reason of the rebuild, or None."""

        def problem() -> str | None:
            if self._closed:
                raise SearchIndexError("the search index is closed")
            return self._usable()[0]

        if problem() is None:
            return None
        with self._writing(REBUILD_WAIT):
            why = problem()  # another process may have rebuilt it meanwhile
            if why is None:
                return None
            log.info("%s: rebuilding the search index (%s)", self.dir, why)
            self._build(progress)
        return why

    def _sync(self, opened: _Open, progress: Progress | None) -> SyncReport:
        entries = self._entries(opened)
        on_disk = {key: fingerprint(self.library.paper_dir(key)) for key in self.library.keys()}  # noqa: SIM118
        removed = [k for k in entries if k not in on_disk]
        added = [k for k in on_disk if k not in entries]
        updated = [k for k, stamp in on_disk.items() if k in entries and entries[k].stamp != stamp]
        self._apply(added + updated + removed, progress)
        if len(_small_segments(opened.papers._segments())) >= MERGE_AT_SYNC:
            self._merge_small(opened)
        return SyncReport(added=len(added), updated=len(updated), removed=len(removed))

    def _merge_small(self, opened: _Open) -> None:
        """Merge the papers index's small segments (one per edit) into one."""
        with self._writing():
            pw = _writer(opened.papers, timeout=self.write_timeout)
            try:
                pw.commit(mergetype=_merging(2))
            except BaseException:
                with contextlib.suppress(Exception):
                    pw.cancel()
                raise
            _record_files(opened.folder)
            if opened.entries is not None and opened.entries_gen == pw.generation - 1:
                opened.entries_gen = pw.generation  # the same papers, merged
            self._searchers(opened)

    def update(self, key: str) -> None:
        """Re-read one paper from the library and index it (its PDF text only if changed)."""
        with self._lock:
            self._ready()
            self._apply([key], None)

    def delete(self, key: str) -> None:
        """Remove one paper from the index (whatever its folder holds)."""
        with self._lock:
            self._ready()
            self._write([_Prepared(key)])

    def paper_changed(self, library: Library, key: str) -> None:
        """LibraryObserver: index the change now (if the index is built; else at next sync)."""
        self._observed(key)

    def paper_removed(self, library: Library, key: str) -> None:
        self._observed(key)

    def _observed(self, key: str) -> None:
        with self._lock:
            if self._closed or not self.exists():
                return
            try:
                self._apply([key], None)
            except (PapershelfError, OSError) as e:
                log.warning("%s: not indexed now (%s); the next sync catches up", key, e)

    def _apply(self, keys: list[str], progress: Progress | None) -> None:
        """Bring these papers' documents in step with their folders, in batches."""
        total = len(keys)
        if progress and total:
            progress(0, total)
        for start in range(0, total, BATCH):
            batch = keys[start : start + BATCH]
            opened = self._open
            assert opened is not None
            entries = self._entries(opened)
            prepared = [self._prepare(key, entries.get(key)) for key in batch]
            self._write(prepared)
            if progress:
                progress(min(start + BATCH, total), total)

    def _write(self, prepared: list[_Prepared]) -> None:
        with self._writing():
            opened, _ = self._ready()
            text_changes = [p for p in prepared if p.text_from is not None or p.entry is None]
            # The full text first: the papers index, whose records carry the fingerprints,
            # is committed last, so an interrupted write is redone by the next sync.
            if text_changes:
                tw = _writer(opened.fulltext, timeout=self.write_timeout)
                try:
                    for p in text_changes:
                        text = _cached_text(p.text_from) if p.entry and p.text_from else None
                        if text:
                            tw.update_document(key=p.key, fulltext=text)
                        else:
                            tw.delete_by_term("key", p.key)
                except BaseException:
                    tw.cancel()
                    raise
                tw.commit(mergetype=_merging(MERGE_AT_SYNC, TEXT_MERGE_BELOW))
            pw = _writer(opened.papers, timeout=self.write_timeout)
            base_gen = pw.generation - 1
            try:
                for p in prepared:
                    if p.entry is not None and p.doc is not None:
                        pw.update_document(**p.doc)
                    else:
                        pw.delete_by_term("key", p.key)
            except BaseException:
                pw.cancel()
                raise
            pw.commit(mergetype=_merging(2 if len(prepared) > 2 else MERGE_AFTER))
            _record_files(opened.folder)
            # Keep the in-memory records in step without reading them all again, unless
            # another process committed in between.
            if opened.entries is not None and opened.entries_gen == base_gen:
                views = opened.views
                for p in prepared:
                    before = opened.entries.get(p.key)
                    if p.entry is not None:
                        opened.entries[p.key] = p.entry
                    else:
                        opened.entries.pop(p.key, None)
                    if views is not None and not views.replace(p.key, before, p.entry):
                        views = None
                opened.entries_gen = base_gen + 1
                opened.views = views  # None: derived anew on the next search
            self._searchers(opened)

    def _prepare(self, key: str, old: Entry | None, retry_failed: bool = False) -> _Prepared:
        folder = self.library.paper_dir(key)
        stamp = fingerprint(folder)  # before reading: a change made meanwhile shows next time
        try:
            paper = self.library.read(key)
        except PaperNotFound:
            return _Prepared(key)
        except DamagedFile as e:
            log.warning("not indexed: %s", e)
            return _Prepared(key)
        try:
            notes = (folder / NOTES_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            notes = ""
        except (OSError, UnicodeDecodeError) as e:
            log.warning("%s: notes not indexed: %s", folder / NOTES_FILE, e)
            notes = ""
        text_from: str | None = None
        pdf = self.library.pdf_path(paper)
        pdf_stamp = _file_stamp(pdf) if pdf else ""
        if old is not None and old.pdf_stamp == pdf_stamp:
            sha, state, error, pages = old.text_sha, old.text_state, old.text_error, old.text_pages
        elif pdf is None:
            sha, state, error, pages = "", "none", None, 0
            text_from = "" if old is not None and old.text_state == "ok" else None
        else:
            sha = file_sha256(pdf)
            if old is not None and old.text_sha == sha:
                state, error, pages = old.text_state, old.text_error, old.text_pages
            else:
                result = self._extract(pdf, sha, retry_failed)
                state = "ok" if result.ok else "failed"
                error, pages = result.error, result.page_count
                text_from = sha if result.ok else ""
        entry = Entry(
            summary=_summary(paper, bool(notes.strip()), pages),
            stamp=stamp,
            pdf_stamp=pdf_stamp,
            text_sha=sha,
            text_state=state,
            text_error=error,
            text_pages=pages,
        )
        return _Prepared(key, entry, _paper_doc(paper, notes, entry), text_from)

    def _extract(self, pdf: Path, sha: str, retry_failed: bool = False) -> PdfText:
        """The PDF's text, from the text cache if there (a failure kept there is tried
        again with ``retry_failed``)."""
        cached = load_cached(sha)
        if cached is not None and (cached.ok or not retry_failed):
            return cached
        with self._lock:
            if self._extractor is None:
                self._extractor = TextExtractor()
            extractor = self._extractor
        return extractor.extract(pdf, sha256=sha, refresh=retry_failed)

    # -- searching -----------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        sort: SortOrder = SortOrder.RELEVANCE,
        limit: int | None = None,
        snippets: bool = False,
        stale_ok: bool = False,
    ) -> SearchResults:
        """Run a query (empty: everything). Raises QueryError for a malformed query.

        With ``stale_ok``, an index of an older but readable schema is searched as it is
        rather than rebuilt first (while a sync, elsewhere, rebuilds it)."""
        tree = querysyntax.parse(query)
        with self._lock, _gc_paused():
            results: SearchResults = self._guarded(
                lambda o: self._search(o, query, tree, sort, limit, snippets), stale_ok
            )
            return results

    def _guarded(self, run: Callable[[_Open], Any], stale_ok: bool = False) -> Any:
        """Run a read; a damaged index found on the way is rebuilt and the read run again."""
        opened, _ = self._ready(stale_ok=stale_ok)
        try:
            return run(opened)
        except _DAMAGE as e:
            if isinstance(e, PapershelfError):
                raise
            log.exception("%s: the search index is damaged; rebuilding it", self.dir)
            with self._writing(REBUILD_WAIT):
                self._build(None)
            opened, _ = self._ready()
            self._sync(opened, None)
            return run(opened)

    def _search(
        self,
        o: _Open,
        query: str,
        tree: Node | None,
        sort: SortOrder,
        limit: int | None,
        snippets: bool,
    ) -> SearchResults:
        entries = self._entries(o)
        if tree is None:
            scores: dict[str, float] = dict.fromkeys(entries, 0.0)
        else:
            scores = self._eval(o, tree, entries) or {}
        views = self._views(o)
        keys = _newest_first(scores, views)
        tag_counts, status_counts = views.counts(keys)
        keys = _sorted(keys, scores, views, sort)
        shown = keys if limit is None else keys[: max(limit, 0)]
        marks = _Marks.of(tree, o) if snippets and tree is not None else None
        hits: Sequence[Hit]
        if marks:
            hits = [
                Hit(
                    entries[k].summary,
                    scores[k],
                    self._snippets(o, entries[k], marks, PAGE_SNIPPETS),
                )
                for k in shown
            ]
        else:  # made when looked at (the GUI takes the summaries only)
            hits = HitList(
                list(map(views.summary.__getitem__, shown)), list(map(scores.__getitem__, shown))
            )
        suggestion = self._suggest(o, query, tree) if not keys and tree is not None else None
        return SearchResults(
            query=query,
            hits=hits,
            total=len(keys),
            tag_counts=dict(tag_counts.most_common()),
            status_counts=dict(status_counts),
            suggestion=suggestion,
            terms=tuple(querysyntax.words(tree)),
        )

    def _eval(self, o: _Open, node: Node, entries: dict[str, Entry]) -> dict[str, float] | None:
        """Scores of the papers ``node`` matches; None when it has nothing to match on
        (only stop words), so it is left out of its AND/OR."""
        if isinstance(node, Term):
            return self._term(o, node)
        if isinstance(node, Range):
            return self._range(o, node)
        if isinstance(node, Not):
            inner = self._eval(o, node.item, entries)
            if inner is None:
                return None
            return {k: 0.0 for k in entries if k not in inner}
        if isinstance(node, And):
            positive: list[dict[str, float]] = []
            negative: list[dict[str, float]] = []
            for item in node.items:
                if isinstance(item, Not):
                    sub = self._eval(o, item.item, entries)
                    if sub is not None:
                        negative.append(sub)
                else:
                    sub = self._eval(o, item, entries)
                    if sub is not None:
                        positive.append(sub)
            if not positive and not negative:
                return None
            positive.sort(key=len)
            result = dict(positive[0]) if positive else dict.fromkeys(entries, 0.0)
            for other in positive[1:]:
                result = {k: v + other[k] for k, v in result.items() if k in other}
            for other in negative:
                result = {k: v for k, v in result.items() if k not in other}
            return result
        subs = [s for s in (self._eval(o, item, entries) for item in node.items) if s is not None]
        if not subs:
            return None
        union: dict[str, float] = {}
        for sub in subs:
            for k, v in sub.items():
                union[k] = union.get(k, 0.0) + v
        return union

    def _term(self, o: _Open, term: Term) -> dict[str, float] | None:
        """The scores of the papers a word (phrase, prefix...) matches, in any field it
        names; the dict is shared: never change it."""
        searchers = self._searchers(o)
        if o.term_scores_of != searchers:
            o.term_scores.clear()
            o.term_scores_of = searchers
        found = o.term_scores.get(term)
        if found is None:
            found = self._term_scores(searchers, term)
            if found is None:
                return None
            o.term_scores[term] = found
            while len(o.term_scores) > TERM_CACHE_SIZE:
                o.term_scores.popitem(last=False)
        else:
            o.term_scores.move_to_end(term)
        return found

    def _term_scores(
        self, searchers: tuple[Searcher, Searcher], term: Term
    ) -> dict[str, float] | None:
        psearcher, tsearcher = searchers
        pq = _paper_query(term)
        tq = _text_query(term) if term.field in (None, "fulltext") else None
        if pq is None and tq is None:
            return None
        scores: dict[str, float] = {}
        if pq is not None:
            if term.field in _KEYWORD_FIELDS:
                if psearcher.doc_count_all() == 0:
                    return scores
                keys = psearcher.reader().column_reader("key")
                for docnum in psearcher.docs_for_query(pq):
                    scores[keys[docnum]] = 0.0
            else:
                _collect(psearcher, pq, scores, 1.0)
        if tq is not None:
            _collect(tsearcher, tq, scores, BOOSTS[FULLTEXT])
        return scores

    def _range(self, o: _Open, node: Range) -> dict[str, float]:
        # From the records in memory: the index's numeric ranges walk a trie of terms and
        # yield one document at a time (30-40 ms for half of 10,000 papers).
        values = self._views(o).values(node.field)
        if values is not None:
            low = node.low if node.low is not None else -math.inf
            high = node.high if node.high is not None else math.inf
            return {k: 0.0 for k, v in values.items() if v is not None and low <= v <= high}
        psearcher, _ = self._searchers(o)
        if psearcher.doc_count_all() == 0:
            return {}
        keys = psearcher.reader().column_reader("key")
        q = wq.NumericRange(node.field, node.low, node.high)
        return {keys[d]: 0.0 for d in psearcher.docs_for_query(q)}

    # -- snippets ------------------------------------------------------------------------

    def _snippets(self, o: _Open, entry: Entry, marks: _Marks, pages: int) -> tuple[Snippet, ...]:
        out: list[Snippet] = []
        s = entry.summary
        if marks.covers("title"):
            snip = _snippet("title", s.title, marks.for_field("title"), whole=True)
            if snip:
                out.append(snip)
        stored: dict[str, Any] = {}
        if marks.covers("abstract") or marks.covers("note"):
            psearcher, _ = self._searchers(o)
            docnum = psearcher.document_number(key=s.key)
            if docnum is not None:
                stored = psearcher.stored_fields(docnum)
        for name in ("abstract", "note"):
            if marks.covers(name) and stored.get(name):
                snip = _snippet(name, stored[name], marks.for_field(name))
                if snip:
                    out.append(snip)
        if marks.covers(FULLTEXT) and entry.text_state == "ok":
            out.extend(self._page_snippets(entry, marks, pages))
        return tuple(out)

    def _page_snippets(self, entry: Entry, marks: _Marks, limit: int) -> list[Snippet]:
        cached = load_cached(entry.text_sha)
        if cached is None or not cached.ok:
            return []
        match = marks.for_field(FULLTEXT)
        out: list[Snippet] = []
        for number, page in enumerate(cached.pages, 1):
            if not marks.may_occur(page):
                continue
            snip = _snippet(FULLTEXT, page, match, page=number)
            if snip:
                out.append(snip)
                if len(out) >= limit:
                    break
        return out

    def fulltext_hits(self, key: str, query: str, limit: int = 20) -> list[Snippet]:
        """The full-text matches of ``query`` in one paper's PDF, each with its page."""
        tree = querysyntax.parse(query)
        if tree is None:
            return []
        with self._lock:

            def run(o: _Open) -> list[Snippet]:
                entry = self._entries(o).get(key)
                if entry is None or entry.text_state != "ok":
                    return []
                return self._page_snippets(entry, _Marks.of(tree, o), limit)

            result: list[Snippet] = self._guarded(run)
            return result

    # -- more like this, did you mean ----------------------------------------------------

    def more_like_this(self, key: str, limit: int = 10) -> list[Hit]:
        """Papers whose title, abstract and tags share the most telling words with ``key``'s."""
        with self._lock:

            def run(o: _Open) -> list[Hit]:
                entries = self._entries(o)
                entry = entries.get(key)
                if entry is None:
                    return []
                psearcher, _ = self._searchers(o)
                docnum = psearcher.document_number(key=key)
                stored = psearcher.stored_fields(docnum) if docnum is not None else {}
                text = " ".join(
                    [entry.summary.title, stored.get("abstract", ""), " ".join(entry.summary.tags)]
                )
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
                return [Hit(entries[k].summary, scores[k]) for k in ranked if k in entries]

            result: list[Hit] = self._guarded(run)
            return result

    def _suggest(self, o: _Open, query: str, tree: Node) -> str | None:
        """The query with unknown words replaced by the closest known ones, if that finds
        anything."""
        psearcher, tsearcher = self._searchers(o)
        preader, treader = psearcher.reader(), tsearcher.reader()
        corrector = preader.corrector("words")
        changed = query
        for word in _plain_words(tree):
            folded = fold(word)
            if preader.frequency("words", folded) or treader.frequency(FULLTEXT, stem_term(word)):
                continue
            found = corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
            if found and found[0] != folded:
                changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", found[0], changed, count=1)
        if changed == query:
            return None
        try:
            tree2 = querysyntax.parse(changed)
        except PapershelfError:
            return None
        if tree2 is None or not self._eval(o, tree2, self._entries(o)):
            return None
        return changed

    # -- coverage ------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        """Papers, PDFs, PDFs indexed and the reasons of the failures."""
        with self._lock:

            def run(o: _Open) -> IndexStats:
                entries = self._entries(o)
                pdfs = [e for e in entries.values() if e.pdf_stamp]
                failures = sorted(
                    (e.summary.key, e.text_error or "unknown")
                    for e in pdfs
                    if e.text_state == "failed"
                )
                size = sum(p.stat().st_size for p in o.folder.iterdir() if p.is_file())
                return IndexStats(
                    papers=len(entries),
                    pdfs=len(pdfs),
                    pdfs_indexed=sum(1 for e in pdfs if e.text_state == "ok"),
                    failures=failures,
                    pending=sum(1 for e in entries.values() if e.summary.pdf_state == "pending"),
                    index_bytes=size,
                    index_dir=o.folder,
                )

            result: IndexStats = self._guarded(run)
            return result

    def entry(self, key: str) -> Entry | None:
        """What the index holds for one paper (None when it is not indexed)."""
        with self._lock:
            opened, _ = self._ready()
            return self._entries(opened).get(key)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            with contextlib.suppress(ValueError):
                self.library.observers.remove(self)
            if self._open is not None:
                self._open.close()
                self._open = None
            if self._extractor is not None and self._own_extractor:
                self._extractor.close()
                self._extractor = None

    def __enter__(self) -> WhooshIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- documents ---------------------------------------------------------------------------


def _summary(paper: Paper, has_notes: bool, text_pages: int) -> PaperSummary:
    return PaperSummary(
        key=paper.key,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=tuple(paper.authors),
        year=paper.year,
        status=paper.status.value,
        tags=tuple(paper.tags),
        added=paper.added,
        rating=paper.rating,
        pdf_state=paper.pdf_state.value,
        has_notes=has_notes,
        last_page=paper.last_page,
        page_count=paper.page_count or (text_pages or None),
        categories=tuple(paper.categories),
    )


def _paper_doc(paper: Paper, notes: str, entry: Entry) -> dict[str, Any]:
    ids = {paper.key}
    if paper.arxiv_id:
        ids.add(paper.arxiv_id)
        if paper.arxiv_version:
            ids.add(f"{paper.arxiv_id}v{paper.arxiv_version}")
    if paper.doi:
        ids.add(paper.doi)
    has = set()
    if notes.strip():
        has.add("notes")
    if entry.pdf_stamp:
        has.add("pdf")
    if entry.text_state == "ok":
        has.add("text")
    if paper.tags:
        has.add("tags")
    if paper.rating:
        has.add("rating")
    tag_words = " ".join(t.replace("/", " ") for t in paper.tags)
    doc: dict[str, Any] = {
        "key": paper.key,
        "id": join_keywords(ids),
        "title": paper.title,
        "author": "\n".join(paper.authors),
        "tags_text": tag_words,
        "abstract": paper.abstract,
        "note": notes,
        "tag": join_keywords(_tag_values(paper.tags)),
        "cat": join_keywords(_categories(paper.categories)),
        "status": paper.status.value,
        "has": join_keywords(has),
        "pdf": paper.pdf_state.value,
        "rating": paper.rating,
        "words": "\n".join([paper.title, *paper.authors, paper.abstract, tag_words, notes]),
        "record": entry.to_bytes(),
    }
    if paper.year is not None:
        doc["year"] = paper.year
    added = _epoch(paper.added)
    if added is not None:
        doc["added"] = added
    return doc


# -- queries -----------------------------------------------------------------------------


def _analyzer(fieldname: str) -> TextAnalyzer:
    return _PLAIN if fieldname == "author" else _STEMMED


def _field_query(fieldname: str, term: Term, boost: float) -> wq.Query | None:
    """One query field's Whoosh query for a word, phrase, prefix, wildcard or fuzzy word."""
    if fieldname in _KEYWORD_FIELDS:
        value = keyword_term(term.text)
        if fieldname == "id" and value.startswith("arxiv:"):
            value = value[len("arxiv:") :]
        if not value:
            return None
        if term.kind == "prefix":
            return wq.Prefix(fieldname, value, boost=boost)
        if term.kind == "wildcard":
            return wq.Wildcard(fieldname, value, boost=boost)
        if term.kind == "fuzzy":
            return wq.FuzzyTerm(fieldname, value, boost=boost, maxdist=term.distance)
        return wq.Term(fieldname, value, boost=boost)
    analyzer = _analyzer(fieldname)
    if term.kind == "prefix":
        folded = fold(term.text)
        if not folded:
            return None
        prefixes = {folded}
        if analyzer.stem and (stemmed := stem_term(term.text)):
            prefixes.add(stemmed)
        parts = [wq.Prefix(fieldname, p, boost=boost) for p in sorted(prefixes)]
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if term.kind == "wildcard":
        return wq.Wildcard(fieldname, fold(term.text), boost=boost)
    if term.kind == "fuzzy":
        text = stem_term(term.text) if analyzer.stem else fold(term.text)
        text = text or fold(term.text)
        return wq.FuzzyTerm(fieldname, text, boost=boost, maxdist=term.distance, prefixlength=1)
    terms = analyzer.terms(term.text)
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    slop = 1 + term.distance if term.kind == "phrase" else 1
    return wq.Phrase(fieldname, terms, slop=slop, boost=boost)


def _paper_query(term: Term) -> wq.Query | None:
    fields = _TEXT_FIELD_MAP.get(term.field, ())
    if term.field is None and term.kind == "phrase":
        fields = tuple(f for f in fields if f != "id")
    parts = [
        q
        for f in fields
        if (q := _field_query(f, term, BOOSTS.get(f, 1.0) if term.field is None else 1.0))
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _text_query(term: Term) -> wq.Query | None:
    return _field_query(FULLTEXT, term, 1.0)


def _collect(searcher: Searcher, q: wq.Query, scores: dict[str, float], weight: float) -> None:
    """Add the scores of every paper ``q`` matches to ``scores`` (weighted).

    Terms, prefixes, wildcards and fuzzy terms (and ORs of them) are scored block by block
    straight from the postings: Whoosh's collector spends several microseconds per matching
    document, too slow when a common word matches all 10,000 papers. Phrases go through
    Whoosh's own search.
    """
    if searcher.doc_count_all() == 0:  # an empty index has no columns
        return
    if isinstance(q, wq.Or):
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
TERM_CACHE_SIZE = 16  # query words whose merged scores are kept (each up to one per paper)


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
    if isinstance(q, wq.Term):
        _score_term(searcher, q.fieldname, q.text, q.boost * weight, found)
    elif isinstance(q, wq.Prefix | wq.Wildcard | wq.FuzzyTerm):
        _score_expanded(searcher, q, q.boost * weight, found)
    elif isinstance(q, wq.Phrase) and searcher.schema[q.fieldname].format.supports("positions"):
        _score_phrase(searcher, q.fieldname, list(q.words), q.slop, q.boost * weight, found)
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


def _segment_list(reader: Any, what: str) -> list[Any]:
    """The keys (``what`` "key") or a field's lengths of a segment, by local docnum."""
    folder = getattr(reader.storage, "folder", "")
    cache_key = (f"{folder}/{reader.segment().segment_id()}", what)
    with _segment_cache_lock:
        found = _segment_cache.get(cache_key)
    if found is not None:
        return found
    if what == "key":
        values: list[Any] = list(reader.column_reader("key"))
    else:
        column = reader._perdoc._cached_reader(f"_{what}_len", LENGTHS_COLUMN)
        values = [byte_to_length(b) for b in column] if column is not None else []
        values += [1] * (reader.doc_count_all() - len(values))
    with _segment_cache_lock:
        if len(_segment_cache) > 2000:
            _segment_cache.clear()
        _segment_cache[cache_key] = values
    return values


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
        while matcher.is_active():
            matcher._read_ids()
            start = matcher._i
            ids = matcher._ids[start:]
            wanted = None
            if only is not None:
                wanted = [i for i, d in enumerate(ids) if d in only]
                if not wanted:
                    matcher._next_block()
                    continue
            if values:
                matcher._read_values()
            else:
                matcher._read_weights()
            found = (matcher._values if values else matcher._weights)[start:]
            if wanted is not None and len(wanted) < len(ids):
                ids, found = [ids[i] for i in wanted], [found[i] for i in wanted]
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
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        try:
            matcher = reader.postings(fieldname, text)
        except TermNotFound:
            continue
        keys = _segment_list(reader, "key")
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


def _score_phrase(
    searcher: Searcher,
    fieldname: str,
    words: list[str],
    slop: int,
    boost: float,
    scores: dict[str, float],
) -> None:
    """Papers holding the words in this order, at most ``slop`` positions apart.

    The papers holding every word are found from the postings' documents alone; then only
    their positions are decoded (Whoosh's phrase matcher decodes every posting of every
    word). Scored by BM25 with the number of occurrences as the frequency.
    """
    dfs = [searcher.doc_frequency(fieldname, w) for w in words]
    if not all(dfs):
        return
    n = searcher.doc_count_all()
    idf = sum(math.log(n / (df + 1)) + 1 for df in dfs)
    avg = searcher.avg_field_length(fieldname) or 1.0
    c1, c2, c3 = idf * boost * (_K1 + 1), _K1 * (1 - _B), _K1 * _B / avg
    fmt = searcher.schema[fieldname].format
    order = sorted(range(len(words)), key=lambda i: dfs[i])  # the rarest word first
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        docs: set[int] = set()
        for rank, i in enumerate(order):
            try:
                matcher = reader.postings(fieldname, words[i])
            except TermNotFound:
                docs = set()
                break
            held: set[int] = set()
            for ids, _tfs in _blocks(matcher, only=docs if rank else None):
                held.update(ids)
            docs = held
            if not docs:
                break
        if not docs:
            continue
        # Each word's encoded positions in those documents, in docnum order (as postings go).
        found = sorted(docs)
        encoded: list[list[bytes]] = []
        for word in words:
            blocks = _blocks(reader.postings(fieldname, word), values=True, only=docs)
            encoded.append([v for _ids, values in blocks for v in values])
        counts = _phrase_counts(fmt, found, encoded, slop)
        keys = _segment_list(reader, "key")
        lengths = _segment_list(reader, fieldname)
        for d, count in counts.items():
            k = keys[d]
            scores[k] = scores.get(k, 0.0) + c1 * count / (count + c2 + c3 * lengths[d])


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


def _phrase_counts(
    fmt: Any, docs: list[int], encoded: list[list[bytes]], slop: int
) -> dict[int, int]:
    """How often the words occur in order, each at most ``slop`` positions after the last,
    in each of ``docs``, which hold them all: ``encoded`` has each word's positions in
    them, as the format ``fmt`` encodes them."""
    pickled = type(fmt) in (Positions, TermPositions)
    if slop > 1 or not pickled:
        if pickled:
            decoded = [[list(itertools.accumulate(d)) for d in _delta_lists(e)] for e in encoded]
        else:
            decoded = [[fmt.decode_positions(v) for v in e] for e in encoded]
        found = (_occurrences(list(per_doc), slop) for per_doc in zip(*decoded, strict=True))
        return {d: n for d, n in zip(docs, found, strict=True) if n}
    # Adjacent: word i's positions shifted back by i (accumulate's initial value; the
    # extra -i it yields first is no position) meet those of the first word. (One set of
    # every document's positions at once, docnum and position in one int, is no faster:
    # 200,000 distinct ints take ~40 ms to put in a set.)
    # The loops over documents are maps of C functions: no Python code runs per document.
    accumulate = itertools.accumulate
    common: Iterator[set[int]] = map(set, map(accumulate, _delta_lists(encoded[0])))
    for i in range(1, len(encoded)):
        shifted = map(functools.partial(accumulate, initial=-i), _delta_lists(encoded[i]))
        common = map(set.intersection, common, shifted)
    return {d: n for d, n in zip(docs, map(len, common), strict=True) if n}


def _occurrences(positions: list[list[int]], slop: int) -> int:
    """How often the words occur in order, each at most ``slop`` positions after the last."""
    if slop <= 1:  # adjacent: shift each word's positions back by its place in the phrase
        common = set(positions[0])
        for i, places in enumerate(positions[1:], 1):
            common.intersection_update(p - i for p in places)
            if not common:
                return 0
        return len(common)
    following = [set(p) for p in positions[1:]]
    count = 0
    for start in positions[0]:
        pos = start
        for allowed in following:
            nxt = next((pos + gap for gap in range(1, slop + 1) if pos + gap in allowed), None)
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


def _newest_first(scores: dict[str, float], views: _Views) -> list[str]:
    """The papers of ``scores`` (those in the index), the one added last first: newest first
    breaks every tie of the sorts after (they are stable)."""
    if 4 * len(scores) >= len(views.by_newest):  # most papers: one pass beats a sort
        return [k for k in views.by_newest if k in scores]
    return sorted(filter(views.newest.__contains__, scores), key=views.newest.__getitem__)


def _sorted(keys: list[str], scores: dict[str, float], views: _Views, sort: SortOrder) -> list[str]:
    """``keys``, newest first, in the order asked for."""
    if sort == SortOrder.RELEVANCE:
        keys.sort(key=scores.__getitem__, reverse=True)
    elif sort == SortOrder.YEAR:
        keys.sort(key=views.year.__getitem__, reverse=True)
    elif sort == SortOrder.TITLE:
        keys.sort(key=views.title.__getitem__)
    return keys


def _plain_words(tree: Node) -> list[str]:
    """The plain words of free-text, title, abstract or note terms (for "did you mean")."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            if n.kind == "word" and n.field in (None, "title", "abstract", "note", "author"):
                found.extend(w for w in re.findall(r"\w+", n.text) if len(w) > 2)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item)

    walk(tree)
    return found


# -- highlighting ------------------------------------------------------------------------


@dataclass
class _Match:
    """Decides whether a word of a text is one the query matched."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    #: Phrases: their terms, and how many kept words each may come after the one before.
    phrases: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

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

    def add(self, other: _Match) -> None:
        self.terms |= other.terms
        self.prefixes |= other.prefixes
        self.patterns.extend(other.patterns)
        self.phrases.extend(other.phrases)
        self._probe = None

    _probe: re.Pattern[str] | None = None

    def probe(self) -> re.Pattern[str] | None:
        """A regex finding, in folded text, the words that may match (each matched word
        starts so: a stem or a prefix, less its last letter for stems like happy/happi;
        a phrase by its first word); None when wildcards need every word looked at."""
        if self.patterns:
            return None
        if self._probe is None:
            stems = self.terms | {words[0] for words, _slop in self.phrases}
            starts = {t[: max(3, len(t) - 1)] for t in stems} | self.prefixes
            alternatives = "|".join(re.escape(p) for p in sorted(starts, key=len, reverse=True))
            self._probe = re.compile(rf"(?<!\w)(?:{alternatives})")
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
            starts = [m.start() for m in probe.finditer(folded)]
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
        for words, slop in self.phrases:
            spans.extend(_phrase_spans(text, starts, words, slop))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _phrase_spans(
    text: str, starts: list[int], words: tuple[str, ...], slop: int
) -> list[tuple[int, int]]:
    """Where ``words`` (stemmed terms) occur in order in ``text``, each at most ``slop``
    kept words after the one before (as the index counts positions: stop words are not
    counted), looked for from the word ``starts``; each occurrence one span."""
    spans: list[tuple[int, int]] = []
    for start in starts:
        if spans and start < spans[-1][1]:
            continue
        first = WORD.match(text, start)
        if not first or stem_term(first.group()) != words[0]:
            continue
        kept = (
            (term, m.end())
            for m in WORD.finditer(text, first.end())
            if (term := stem_term(m.group()))
        )
        end = first.end()
        for word in words[1:]:
            for _gap, (term, term_end) in zip(range(slop), kept, strict=False):
                if term == word:
                    end = term_end
                    break
            else:
                break
        else:
            spans.append((first.start(), end))
    return spans


_SNIPPET_FIELDS = ("title", "abstract", "note", FULLTEXT)


@dataclass
class _Marks:
    """What to highlight in each snippet field, from the (not negated) terms of a query."""

    fields: dict[str, _Match]

    @classmethod
    def of(cls, tree: Node, o: _Open | None) -> _Marks:
        """The marks of ``tree``'s terms; without an index (``o`` None) a fuzzy word
        marks its own stem only (the words it reaches are the index's)."""
        marks = cls({})
        preader = o.psearcher.reader() if o and o.psearcher else None
        treader = o.tsearcher.reader() if o and o.tsearcher else None

        def walk(n: Node) -> None:
            if isinstance(n, Term):
                targets = _SNIPPET_FIELDS if n.field is None else (n.field,)
                for name in targets:
                    if name not in _SNIPPET_FIELDS:
                        continue
                    reader = treader if name == FULLTEXT else preader
                    marks.fields.setdefault(name, _Match()).add(_term_match(n, name, reader))
            elif isinstance(n, And | Or):
                for item in n.items:
                    walk(item)

        walk(tree)
        marks.fields = {k: v for k, v in marks.fields.items() if v}
        return marks

    def covers(self, name: str) -> bool:
        return name in self.fields

    def for_field(self, name: str) -> _Match:
        return self.fields.get(name) or _Match()

    def may_occur(self, page: str) -> bool:
        """A cheap test that a page can hold a match (before analysing it word by word)."""
        match = self.fields.get(FULLTEXT)
        if match is None:
            return False
        probe = match.probe()
        return probe is None or probe.search(fold(page)) is not None


def match_spans(query: str, fieldname: str, text: str) -> list[tuple[int, int]]:
    """Where ``query`` matches in ``text``, a paper's ``fieldname`` ("title", "abstract",
    "note", "fulltext"), as the search's snippets mark it: words by their stems, prefixes,
    wildcards, phrases as one span; a fuzzy word by its own stem (the words it reaches are
    known to an index only). Nothing for a malformed query."""
    match = _query_match(query, fieldname)
    return match.spans(text) if match else []


@functools.lru_cache(maxsize=32)
def _query_match(query: str, fieldname: str) -> _Match | None:
    try:
        tree = querysyntax.parse(query)
    except QueryError:
        return None
    return _Marks.of(tree, None).for_field(fieldname) if tree is not None else None


def _term_match(term: Term, fieldname: str, reader: Any) -> _Match:
    m = _Match()
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
        if reader is not None:
            with contextlib.suppress(*_DAMAGE):
                m.terms.update(reader.terms_within(fieldname, base, term.distance, prefix=1))
    else:
        terms = _STEMMED.terms(term.text)
        if len(terms) > 1:  # a phrase, as _field_query searches it
            slop = 1 + term.distance if term.kind == "phrase" else 1
            m.phrases.append((tuple(terms), slop))
        else:
            m.terms.update(terms)
    return m


def _snippet(
    name: str, text: str, match: _Match, *, whole: bool = False, page: int | None = None
) -> Snippet | None:
    flat = text.replace("\n", " ").replace("\f", " ")
    spans = match.spans(flat)
    if not spans:
        return None
    start, end = 0, len(flat)
    if not whole and len(flat) > SNIPPET_CHARS:
        start, end = _window(flat, spans, SNIPPET_CHARS)
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
    return Snippet(field=name, html=html_out, text=text_out, page=page)


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


# -- the parallel rebuild of the full text -----------------------------------------------

WORKER_FLAG = "--papershelf-index-worker"
PARALLEL_MIN = 200  # texts below which one process indexes them all
#: Processes that index full text during a rebuild (Whoosh spends its time in Python, so
#: only processes, one per core, make it faster).
MAX_WORKERS = 4


def _workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


class _TextIndexer:
    """Indexes full texts (key, PDF SHA-256) into a new full-text index while the papers are
    still being read.

    With enough papers and cores, worker processes each write a segment of their share,
    fed line by line on their standard input, and the segments are committed together at
    the end; otherwise this process writes them itself at the end.
    """

    def __init__(self, fulltext: whoosh_index.FileIndex, folder: Path, expected: int) -> None:
        self.fulltext = fulltext
        self.folder = folder
        self.texts: list[tuple[str, str]] = []
        self.jobs: list[tuple[subprocess.Popen[str], Path, Path]] = []
        self.counts: list[int] = []
        workers = _workers()
        if workers > 1 and expected >= PARALLEL_MIN:
            for n in range(workers):
                outfile = folder / f".segment-{n}.pickle"
                errfile = folder / f".worker-{n}.log"
                with errfile.open("w", encoding="utf-8") as err:
                    proc = subprocess.Popen(
                        _worker_command(folder, outfile),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=err,
                        text=True,
                        env=_worker_env(),
                    )
                self.jobs.append((proc, outfile, errfile))
                self.counts.append(0)
                threading.Thread(
                    target=_count_lines, args=(proc, self.counts, n), daemon=True
                ).start()

    def add(self, key: str, sha: str) -> None:
        if not self.jobs:
            self.texts.append((key, sha))
            return
        proc = self.jobs[len(self.texts) % len(self.jobs)][0]
        self.texts.append((key, sha))
        assert proc.stdin is not None
        proc.stdin.write(f"{key}\t{sha}\n")

    def finish(self, progress: Callable[[int], None], before_wait: Callable[[], None]) -> None:
        """Index what is left, commit, report progress as texts done; ``before_wait`` runs
        while the workers work."""
        if not self.jobs:
            before_wait()
            self._write_here(progress)
            return
        for proc, _outfile, _errfile in self.jobs:
            assert proc.stdin is not None
            proc.stdin.close()
        before_wait()
        while any(proc.poll() is None for proc, _, _ in self.jobs):
            progress(sum(self.counts))
            time.sleep(0.2)
        segments = []
        for proc, outfile, errfile in self.jobs:
            if proc.returncode != 0 or not outfile.exists():
                last = errfile.read_text(encoding="utf-8", errors="replace").strip()
                detail = last.splitlines()[-1] if last else ""
                raise SearchIndexError(
                    f"{self.folder}: a full-text indexing process failed "
                    f"(exit status {proc.returncode}{': ' + detail if detail else ''})"
                )
            with outfile.open("rb") as f:
                segments.extend(pickle.load(f))
        _commit_segments(self.fulltext, segments)
        progress(len(self.texts))
        self.close()

    def _write_here(self, progress: Callable[[int], None]) -> None:
        _commit_segments(self.fulltext, _text_segments(self.fulltext, self.texts, progress))
        progress(len(self.texts))

    def close(self) -> None:
        """Stop the workers (if still running) and remove their files."""
        for proc, outfile, errfile in self.jobs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    with contextlib.suppress(OSError, ValueError):
                        stream.close()
            outfile.unlink(missing_ok=True)
            errfile.unlink(missing_ok=True)
        self.jobs = []


def _count_lines(proc: subprocess.Popen[str], counts: list[int], n: int) -> None:
    if proc.stdout is None:
        return
    with contextlib.suppress(OSError, ValueError):
        for line in proc.stdout:
            with contextlib.suppress(ValueError):
                counts[n] = int(line)


def _worker_command(folder: Path, outfile: Path) -> list[str]:
    args = [WORKER_FLAG, str(folder), str(outfile)]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop_app.core.search.whoosh.index", *args]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


class _NewSegments:
    """Documents written into new segments of an index being built (not yet committed):
    a segment per SEGMENT_MB of postings, by Whoosh's own estimate, of at least ``least``
    documents."""

    def __init__(self, ix: whoosh_index.FileIndex, least: int) -> None:
        self.ix = ix
        self.least = least
        self.segments: list[Any] = []
        self.writer = self._writer()

    def _writer(self) -> _Writer:
        return _writer(self.ix, _lk=False, limitmb=SEGMENT_MB + REBUILD_LIMIT_MB)

    def add(self, **doc: Any) -> None:
        writer = self.writer
        writer.add_document(**doc)
        if writer.pool.currentsize > SEGMENT_MB << 20 and writer.docnum >= self.least:
            self._close()
            self.writer = self._writer()

    def _close(self) -> None:
        self.segments.append(self.writer._finalize_segment())
        self.writer._tempstorage.destroy()

    def finish(self) -> list[Any]:
        """The segments written (the writer is done)."""
        if self.writer.docnum:
            self._close()
        else:
            self.writer.cancel()
        return self.segments

    def cancel(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.cancel()


def _text_segments(
    ix: whoosh_index.FileIndex, texts: Iterable[tuple[str, str]], progress: Callable[[int], None]
) -> list[Any]:
    """Index the texts of (key, PDF SHA-256) pairs into new segments of ``ix``;
    ``progress`` hears the texts done now and then."""
    segments = _NewSegments(ix, TEXT_MERGE_BELOW)
    try:
        for done, (key, sha) in enumerate(texts, 1):
            text = _cached_text(sha)
            if text:
                segments.add(key=key, fulltext=text)
            if done % 10 == 0:
                progress(done)
        return segments.finish()
    except BaseException:
        segments.cancel()
        raise


def _commit_segments(ix: whoosh_index.FileIndex, segments: list[Any]) -> None:
    """Make ``segments`` (written by :class:`_NewSegments`, in this process or the workers)
    the content of the new, empty index ``ix``, as Whoosh's own multi-process writer does
    (``multisegment=True``). The index is a rebuild's own: the caller holds the lock of
    every writer of the library's index."""
    tw = _writer(ix, _lk=False)
    tw._close_segment()
    tw._commit_toc(segments)
    tw._finish()


def _segment_worker(folder: str, outfile: str) -> None:
    """In a worker process: index the texts named on stdin ("key<TAB>sha" lines) into
    segments of its own, print how many are done now and then, and leave the segments
    (a pickled list) in ``outfile``."""
    ix = _Storage(folder).open_index(FULLTEXT)
    texts = (line.rstrip("\n").partition("\t")[::2] for line in sys.stdin)

    def report(done: int) -> None:
        print(done, flush=True)

    segments = _text_segments(ix, texts, report)
    tmp = Path(outfile + ".tmp")
    with tmp.open("wb") as f:
        pickle.dump(segments, f)
    os.replace(tmp, outfile)


def run_worker_if_requested(argv: list[str] | None = None) -> None:
    """Serve as a full-text indexing worker, then exit, when started as one.

    A frozen app's entry point calls this first thing: its own executable is the worker.
    """
    argv = sys.argv if argv is None else argv
    if len(argv) >= 4 and argv[1] == WORKER_FLAG:
        _segment_worker(argv[2], argv[3])
        sys.exit(0)


# -- files -------------------------------------------------------------------------------


def _record_files(folder: Path) -> None:
    """Note every index file's size, so a truncated one is found on the next open."""
    sizes = {
        p.name: p.stat().st_size
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.endswith("WRITELOCK")
        and not p.name.startswith(".")
        and p.name != FILES
    }
    atomic_write_json(folder / FILES, sizes, durable=False)


def _check_files(folder: Path) -> str | None:
    """What is wrong with the index files (missing, shorter or longer than recorded)."""
    try:
        sizes = json.loads((folder / FILES).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{FILES} missing"
    except (OSError, ValueError) as e:
        return f"{FILES} unreadable: {e}"
    if not isinstance(sizes, dict):
        return f"{FILES} unreadable"
    for name, size in sizes.items():
        try:
            actual = (folder / name).stat().st_size
        except FileNotFoundError:
            return f"{name} missing"
        if actual != size:
            return f"{name} is {actual} bytes, {size} expected"
    return None


if __name__ == "__main__":
    # Through the module's own name: the segments a worker pickles name its codec's class.
    from desktop_app.core.search.whoosh import index as _named

    _named.run_worker_if_requested()
