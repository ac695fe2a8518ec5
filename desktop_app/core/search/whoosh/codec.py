"""The own postings layout and segment writer, on Whoosh 3's codec internals.

Whoosh pickles and compresses a postings block's document numbers, weights and positions
together; :class:`PostingsWriter` stores the positions apart, uncompressed, so scoring a
word does not read them (:class:`LeafMatcher` reads them only for a phrase). Each
segment records its codec (:class:`Codec`, by its class path: moving it is a schema change,
see ``store.SCHEMA_VERSION``), so an index keeps being read the way it was written.
:class:`Writer` writes segments with postings grouped by term as they come.

Everything here subclasses or reaches into Whoosh's private internals: it is written for
the Whoosh version :data:`WHOOSH_VERSION`, which pyproject.toml pins, and
``tests/core/search/whoosh/test_codec.py`` checks that the files and postings stay Whoosh's.
"""

from __future__ import annotations

import itertools
import pickle
import secrets
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.fields import Schema
from whoosh.util import IDCHARS
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

#: The Whoosh version (major, minor) whose internals this module is written for.
WHOOSH_VERSION = (2, 7)


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


SMALL_BLOCK = 128  # bytes of pickled postings below which a block is not compressed
_HEAD = struct.Struct("!I")  # the length of a postings block's documents-and-weights part
#: In the head length: the block's values are stored as they are (not compressed).
RAW_VALUES = 0x8000_0000
#: The pickle protocol of a block's values: 5 stores each value's bytes as they are (Whoosh's
#: protocol 2 stores each one as a call of codecs.encode, ten times slower to load).
VALUES_PROTOCOL = 5


class PostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh 3's postings writer, with each block's values (the positions, most of its
    bytes) stored apart from its document numbers and weights, and not compressed.

    Whoosh pickles and compresses a block's ids, weights and values together, so scoring
    a word decompresses its positions too: for a word common in the full text of 10,000
    papers, 9 ms of 10. Here a block's data is the length of its first part (with
    :data:`RAW_VALUES`), the compressed pickle of (ids, weights), then the pickle of the
    values; the block's header is Whoosh's. Positions (arrays of small deltas and a mark
    per position, :class:`.analysis.LinkedPositions`) shrink by a fifth in zlib, and
    decompressing them took most of a phrase's time.
    """

    #: False: blocks as schema 5's indexes have them (the values compressed with the ids,
    #: pickled with protocol 2), which :class:`LeafMatcher` still reads.
    raw_values = True

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        head = pickle.dumps((self._mini_ids(), self._mini_weights()), 2)
        raw = self.raw_values
        tail = pickle.dumps(self._mini_values(), VALUES_PROTOCOL if raw else 2)
        # A small block is left uncompressed (its header says so): zlib makes a few dozen
        # bytes longer, not shorter, and a paper's record alone writes hundreds of one-posting
        # blocks at each edit (a tag change's commit spent half its time compressing them).
        comp = self._compression if len(head) + (0 if raw else len(tail)) >= SMALL_BLOCK else 0
        if comp:
            head = zlib.compress(head, comp)
            tail = tail if raw else zlib.compress(tail, comp)
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
        postfile.write(_HEAD.pack(len(head) | (RAW_VALUES if raw else 0)))
        postfile.write(head)
        postfile.write(tail)
        self._blockcount += 1
        self._new_block()


class LeafMatcher(W3LeafMatcher):  # type: ignore[misc]
    """Reads the blocks of :class:`PostingsWriter`: a block's values are read only when
    asked for (a phrase, a snippet), not to score it. (Blocks written before
    :data:`RAW_VALUES` have their values compressed as their ids are.)"""

    def _part(self, start: int, end: int, compressed: bool) -> Any:
        raw = self._postfile.get(start, end - start)
        return pickle.loads(zlib.decompress(raw) if compressed else raw)

    def _head(self) -> tuple[int, bool]:
        """Where the block's values begin (its ids and weights end), and whether they are
        compressed."""
        (head,) = _HEAD.unpack(self._postfile.get(self._dataoffset, _HEAD.size))
        start = self._dataoffset + _HEAD.size + (head & ~RAW_VALUES)
        return int(start), bool(self._compression) and not head & RAW_VALUES

    def _values_start(self) -> int:
        return self._head()[0]

    def _read_data(self) -> None:
        start = self._dataoffset + _HEAD.size
        self._data = self._part(start, self._values_start(), bool(self._compression))

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        # Whoosh's delta_decode is a generator; accumulate does the same sums in C.
        self._ids = ids if self._byteids else tuple(itertools.accumulate(ids))

    def _read_values(self) -> None:
        start, compressed = self._head()
        values = self._part(start, self._nextoffset, compressed)
        fixedsize = self._fixedsize
        if fixedsize is None or fixedsize < 0:
            self._values = values
        elif fixedsize == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(
                values[i : i + fixedsize] for i in range(0, len(values), fixedsize)
            )


class Codec(W3Codec):  # type: ignore[misc]
    """Whoosh 3's codec with :class:`PostingsWriter`'s blocks for the documents' postings
    (term vectors, which the schemas do not use, keep Whoosh's). Each segment records its
    codec, so an index keeps being read the way it was written."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return PostingsWriter(
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
        return LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        """A segment named from the system's randomness: Whoosh names it with ``random``,
        which a program may have seeded (Hypothesis does, per example): a new segment then
        takes an older one's name and overwrites its files (found by ``make torture``)."""
        segment = super().new_segment(storage, indexname)
        segment.segid = "".join(secrets.choice(IDCHARS) for _ in range(len(segment.segid)))
        return segment


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


class Writer(SegmentWriter):  # type: ignore[misc]
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
            write_grouped(fieldwriter, self.schema, lengths, self.pool.grouped())
        fieldwriter.close()
        if lengths is not None:
            lengths.close()


def write_grouped(
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


def writer(ix: whoosh_index.FileIndex, **options: Any) -> Writer:
    return Writer(ix, compound=False, codec=Codec(), **options)
