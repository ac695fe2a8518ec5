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

import hashlib
import itertools
import operator
import pickle
import secrets
import struct
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterator
from functools import partial
from typing import Any

from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.fields import FieldType
from whoosh.filedb.filetables import OrderedHashWriter, _pointer
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util import IDCHARS
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from desktop_app.core.search.whoosh.analysis import KEYWORD_SEPARATOR, KeywordAnalyzer, keyword_term
from desktop_app.core.search.whoosh.pool import FieldPostings, GroupedPool
from desktop_app.core.search.whoosh.store import terms_reader

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


def compress(data: bytes, level: int) -> bytes:
    """``zlib.compress(data, level)``, in a window no larger than ``data`` needs: the same
    bytes once decompressed, read by the same ``zlib.decompress``. zlib's default window
    (32 KB, and its 256 KB of state) costs ~40 µs to set up per call, many times the work
    of compressing a block of a few hundred bytes; a segment writes tens of thousands."""
    if len(data) > _SMALL_DATA:
        return zlib.compress(data, level)
    squeezer = zlib.compressobj(level, zlib.DEFLATED, _SMALL_WBITS, _SMALL_MEMLEVEL)
    return squeezer.compress(data) + squeezer.flush()


_SMALL_WBITS = 12  # a 4 KB window
_SMALL_MEMLEVEL = 4
_SMALL_DATA = 3 * 1024  # bytes up to which the small window finds what the large one does


SMALL_BLOCK = 128  # bytes of pickled postings below which a block is not compressed
_HEAD = struct.Struct("!I")  # the length of a postings block's documents-and-weights part
#: In the head length: the block's values are stored as they are (not compressed).
RAW_VALUES = 0x8000_0000
#: The pickle protocol of a block's values: 5 stores each value's bytes as they are (Whoosh's
#: protocol 2 stores each one as a call of codecs.encode, ten times slower to load).
VALUES_PROTOCOL = 5


#: Postings of a term up to which they are kept in its term info, not in a block of their
#: own (:meth:`PostingsWriter.finish_postings`).
INLINE_LIMIT = 2


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
    _terminfo: Any  # Whoosh's: the term info of the term being written, None between terms

    def finish_postings(self) -> Any:
        """End a term: a term of at most :data:`INLINE_LIMIT` postings keeps them in its
        term info (Whoosh's inlined postings, read back by its own codec as a list), the
        others are written as blocks.

        Most terms of a record are its own (a made-up word, an arXiv ID, a date), and a
        block of one posting cost more than the term's whole entry (~16 µs each; writing
        them was most of a records-only rebuild). Whoosh 2.7 means to inline these, but
        its writer calls ``set_inline`` where the term info has ``set_inlined`` (and its
        default limit of 1 posting never inlines anything).
        """
        terminfo = self._terminfo
        if not self.written() and 0 < len(self._ids) <= INLINE_LIMIT:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            self._new_block()
            return terminfo
        return super().finish_postings()

    def _mini_ids(self) -> tuple[int, ...]:
        """Whoosh's (the gaps between the document numbers), in C rather than a generator."""
        ids = self._ids
        if self._byteids or not ids:
            return tuple(ids)
        return _mini_ids(ids)

    def _mini_weights(self) -> Any:
        """Whoosh's (None: all 1.0; one weight: all the same; else each), counted in C."""
        return _mini_weights(self._weights)

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        self._postfile.write(
            _block(
                self._mini_ids(),
                self._mini_weights(),
                self._mini_values(),
                (len(self._ids), self._ids[-1], self._maxweight),
                self._minlength,
                self._maxlength,
                self._compression,
                self.raw_values,
                last,
            )
        )
        self._blockcount += 1
        self._new_block()


def _mini_ids(ids: Any) -> tuple[int, ...]:
    """A block's document numbers as Whoosh minifies them: the first, then the gaps."""
    return (ids[0], *map(operator.sub, ids[1:], ids[:-1]))


def _mini_weights(weights: Any) -> Any:
    """A block's weights (an array of floats) as Whoosh minifies them: None if all 1.0,
    the one weight if all the same, else each."""
    if weights.count(1.0) == len(weights):
        return None
    if weights.count(weights[0]) == len(weights):
        return weights[0]
    return tuple(weights)


def _block(
    ids: tuple[int, ...],
    weights: Any,
    values: Any,
    stats: tuple[int, int, float],
    minlength: int | None,
    maxlength: int,
    compression: int,
    raw: bool,
    last: bool,
) -> bytes:
    """One block of :class:`PostingsWriter` (its minified ids, weights and values; ``stats``:
    its postings, last document and largest weight), its length first."""
    head = pickle.dumps((ids, weights), 2)
    tail = pickle.dumps(values, VALUES_PROTOCOL if raw else 2)
    # A small block is left uncompressed (its header says so): zlib makes a few dozen
    # bytes longer, not shorter, and a paper's record alone writes hundreds of one-posting
    # blocks at each edit (a tag change's commit spent half its time compressing them).
    comp = compression if len(head) + (0 if raw else len(tail)) >= SMALL_BLOCK else 0
    if comp:
        head = compress(head, comp)
        tail = tail if raw else compress(tail, comp)
    count, lastid, maxweight = stats
    info = pickle.dumps(
        (
            count,
            lastid,
            maxweight,
            comp,
            length_to_byte(minlength),
            length_to_byte(maxlength),
        ),
        2,
    )
    length = len(info) + _HEAD.size + len(head) + len(tail)
    return b"".join(
        (
            pack_int(-length if last else length),
            info,
            _HEAD.pack(len(head) | (RAW_VALUES if raw else 0)),
            head,
            tail,
        )
    )


#: Whoosh 3's term info (``W3TermInfo._struct``) and the lengths before a key and its value in
#: its terms table (``filetables._lengths``).
_TERM_INFO = struct.Struct("!BfIBBfII")
_KEY_VALUE = struct.Struct("!ii")


def write_grouped(
    fieldwriter: W3FieldWriter,
    schema: Any,
    lengths: _Lengths | None,
    grouped: Iterator[tuple[str, FieldPostings]],
) -> None:
    """Write the postings of a :class:`.pool.GroupedPool`: what Whoosh's
    ``FieldWriter.add_postings`` writes with :class:`PostingsWriter` (the same files),
    without its calls and objects per posting and per term (:func:`_write_terms`)."""
    for fieldname, field in grouped:
        fieldwriter.start_field(fieldname, schema[fieldname])
        length_of = lengths.field_lengths(fieldname) if lengths is not None else []
        _write_terms(fieldwriter, field, length_of)
        fieldwriter.finish_field()


_from_big = partial(int.from_bytes, byteorder="big")
_BUCKET_MASK = itertools.repeat(255)  # (a key's bucket: its hash's low byte)
_md5 = partial(hashlib.md5, usedforsecurity=False)
_digest = operator.methodcaller("digest")
_last4 = operator.itemgetter(slice(-4, None))


def _write_terms(fieldwriter: W3FieldWriter, field: FieldPostings, length_of: list[int]) -> None:
    """Write one field's terms, each in one go: its blocks (or, up to :data:`INLINE_LIMIT`
    postings, none), its term info and its entry in the terms table, as Whoosh's
    ``start_term``, a ``_write_block`` per block, ``finish_term`` and its
    ``OrderedHashWriter.add`` write them (the term info's sums made in the same order).

    A segment of full texts has ~50,000 terms (the vocabulary of 500 papers is nearly that
    of 10,000) and a batch of records about 30,000: Whoosh's objects and calls per term
    were most of the time spent writing a segment. A term's postings are gathered from the
    field's columns by calls in C, and the terms table is written a field at a time.
    """
    postwriter = fieldwriter._postwriter
    blocklimit = postwriter._blocklimit
    compression = postwriter._compression
    raw = postwriter.raw_values
    fixedsize = fieldwriter._format.fixed_value_size()
    postfile = fieldwriter._postfile
    offset = postfile.tell()
    pack_info = _TERM_INFO.pack
    dumps = pickle.dumps
    places = field.places
    docs = field.docs
    all_weights = field.weights
    # (Whoosh's writer keeps a block's weights as 32-bit floats: the pool too, most often)
    exact = all_weights.typecode == "f"  # (then a term's weights are a block's as they are)
    weights32 = all_weights if exact else array("f", all_weights)
    ends = field.ends
    data = field.values.getvalue() if field.values is not None else None
    ends_after = memoryview(ends)[1:] if ends is not None else memoryview(b"")
    field.values = None
    known = len(length_of)
    length_bytes = list(map(length_to_byte, length_of))
    texts = sorted(places)
    infos = []
    for text in texts:
        nums = places.pop(text)
        count = len(nums)
        if count == 1:  # (most terms of a record: its own; the sums below, of one)
            n = nums[0]
            docnum = docs[n]
            weight = weights32[n]
            maxweight = all_weights[n]
            lengthbyte = length_bytes[docnum] if docnum < known else 0
            values = (data[ends[n] : ends[n + 1]],) if data is not None and ends else ()
            infos.append(
                pack_info(
                    True,
                    0 + weight,
                    1,
                    lengthbyte,
                    lengthbyte,
                    max(0, maxweight),
                    docnum,
                    docnum,
                )
                + dumps(((docnum,), (weight,), values), 2)
            )
            continue
        get = operator.itemgetter(*nums)  # (of two or more: a tuple)
        all_ids = get(docs)
        term_weights = get(all_weights)
        if data is not None and ends is not None:
            term_values = list(map(data.__getitem__, map(slice, get(ends), get(ends_after))))
        else:
            term_values = []
        # The term info's sums, as W3TermInfo.add_block makes them block by block.
        weight = 0
        minlength: int | None = None
        maxlength = 0
        maxweight = 0
        if count <= INLINE_LIMIT:
            weights = term_weights if exact else array("f", term_weights)
            minlength, blockmax = _block_lengths(all_ids, length_of)
            weight += sum(weights)
            maxlength = max(maxlength, blockmax)
            maxweight = max(maxweight, max(term_weights))
            tail = dumps((tuple(all_ids), tuple(weights), tuple(term_values)), 2)
        else:
            parts = [WHOOSH3_HEADER_MAGIC]
            for start in range(0, count, blocklimit):
                end = start + blocklimit
                ids = all_ids[start:end]
                block_weights = term_weights[start:end]
                weights = block_weights if exact else array("f", block_weights)
                blockmaxweight = max(block_weights)
                blockmin, blockmax = _block_lengths(ids, length_of)
                weight += sum(weights)
                if minlength is None or blockmin is None:
                    minlength = minlength if blockmin is None else blockmin
                else:
                    minlength = min(minlength, blockmin)
                maxlength = max(maxlength, blockmax)
                maxweight = max(maxweight, blockmaxweight)
                block_values = term_values[start:end]
                if fixedsize is None or fixedsize < 0:
                    mini_values: Any = tuple(block_values)
                else:
                    mini_values = b"".join(block_values) if fixedsize else None
                parts.append(
                    _block(
                        _mini_ids(ids),
                        _mini_weights(weights),
                        mini_values,
                        (len(ids), ids[-1], blockmaxweight),
                        blockmin,
                        blockmax,
                        compression,
                        raw,
                        end >= count,
                    )
                )
            block_data = b"".join(parts)
            postfile.write(block_data)
            tail = pack_long(offset) + pack_int(len(block_data))
            offset += len(block_data)
        infos.append(
            pack_info(
                count <= INLINE_LIMIT,
                weight,
                count,
                0 if minlength is None else length_to_byte(minlength),
                length_to_byte(maxlength),
                maxweight,
                all_ids[0],
                all_ids[-1],
            )
            + tail
        )
    _write_table(fieldwriter, texts, infos)


def _write_table(fieldwriter: W3FieldWriter, texts: list[bytes], infos: list[bytes]) -> None:
    """Add a field's terms (in order) and their term infos to the terms table, as Whoosh's
    ``OrderedHashWriter.add`` adds them one by one (the same bytes, hashes and index), each
    step over all the terms at once."""
    tindex = fieldwriter._tindex
    prefix = pack_ushort(fieldwriter._fieldid)
    keys = list(map(prefix.__add__, texts))
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"terms out of order: {tindex.lastkey!r}..{keys[0]!r}")
    termfile = tindex.dbfile
    heads = map(_KEY_VALUE.pack, map(len, keys), map(len, infos))
    entries = list(map(b"".join, zip(heads, keys, infos, strict=True)))
    places = list(itertools.accumulate(map(len, entries), initial=termfile.tell()))
    del places[-1]
    termfile.write(b"".join(entries))
    index = tindex.index  # where each entry starts (a GrowableArray, its type as they need)
    if isinstance(index.array, array):
        try:
            array(index.array.typecode, places[-1:])
        except OverflowError:
            index._retype(places[-1])
    index.array.extend(places)
    if tindex.hashtype == 0:  # MD5's last 4 bytes
        hashes = list(map(_from_big, map(_last4, map(_digest, map(_md5, keys)))))
    else:
        hashes = list(map(tindex.hashfn, keys))
    buckets = tindex.buckets
    deque(
        map(
            list.append,
            map(buckets.__getitem__, map(operator.and_, hashes, _BUCKET_MASK)),
            zip(hashes, places, strict=True),
        ),
        0,
    )
    tindex.lastkey = keys[-1]


def _block_lengths(ids: Any, length_of: list[int]) -> tuple[int | None, int]:
    """The shortest and longest field length (but 0) of a block's documents (None, 0: none
    known), as Whoosh's writer gathers them posting by posting."""
    known = len(length_of)
    if not known:
        return None, 0
    if ids[-1] < known:
        found = list(map(length_of.__getitem__, ids))
    else:
        found = [length_of[d] for d in ids if d < known]
    if 0 in found:
        found = [n for n in found if n]
    if not found:
        return None, 0
    return min(found), max(found)


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

    def terms_reader(self, storage: Any, segment: Any) -> Any:
        return terms_reader(self, storage, segment)  # (:class:`.store.TermsReader`)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        """A segment named from the system's randomness: Whoosh names it with ``random``,
        which a program may have seeded (Hypothesis does, per example): a new segment then
        takes an older one's name and overwrites its files (found by ``make torture``)."""
        segment = super().new_segment(storage, indexname)
        segment.segid = "".join(secrets.choice(IDCHARS) for _ in range(len(segment.segid)))
        return segment


class Writer(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, with postings grouped as they come (:class:`.pool.GroupedPool`)
    and written with :class:`_Lengths` (the same files, about a fifth faster)."""

    def __init__(self, ix: whoosh_index.FileIndex, **options: Any) -> None:
        super().__init__(ix, **options)
        limitmb = options.get("limitmb", 128)  # Whoosh's default
        self.pool: GroupedPool = GroupedPool(self._tempstorage, self.newsegment, limitmb)

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document`` (the same postings, stored fields,
        lengths and columns), handing each field's postings to the pool at once."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms, freqs, weights, values = _field_postings(field, value)
                    if fieldboost != 1.0:
                        weights = [w * fieldboost for w in weights]
                    if field.scorable:
                        length = sum(freqs)
                    pool.add_field(fieldname, docnum, terms, weights, values)
                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(fieldname)
                    for word in field.spellable_words(value):
                        pool.add((spellfield, word.encode("utf-8"), 0, 1, b""))
                if field.vector:
                    vitems = field.vector.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vb) for text, _, weight, vb in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(
                    fieldname, field, customval if field.stored else None, length
                )
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, column, field.to_column_value(customval)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        fieldwriter = self.fieldwriter
        if (
            self.pool.runs
            or not isinstance(fieldwriter, W3FieldWriter)
            or not isinstance(self.codec, Codec)
        ):
            fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        else:
            for file in (fieldwriter._postfile, fieldwriter._tindex.dbfile):
                _direct(file)
            tindex = fieldwriter._tindex
            if type(tindex) is OrderedHashWriter:
                tindex._write_hashes = partial(_write_hashes, tindex)
            write_grouped(fieldwriter, self.schema, lengths, self.pool.grouped())
        fieldwriter.close()
        if lengths is not None:
            lengths.close()


def _write_hashes(tindex: OrderedHashWriter) -> None:
    """Whoosh's ``HashWriter._write_hashes`` (the terms table's 256 hash tables, the same
    bytes), each table written in one call rather than one per slot (two per term)."""
    dbfile = tindex.dbfile
    pack = _pointer.pack  # (Whoosh's: a slot's hash and position)
    null = (0, 0)
    for entries in tindex.buckets:
        numslots = 2 * len(entries)
        tindex.directory.append((dbfile.tell(), numslots))
        hashtable = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while hashtable[slot] is not null:
                slot = (slot + 1) % numslots
            hashtable[slot] = (hashval, position)
        dbfile.write(b"".join(itertools.starmap(pack, hashtable)))


def _direct(file: Any) -> None:
    """Let a file being written take writes straight to its buffer: Whoosh's ``StructFile``
    passes each one on through a method of its own, and a segment makes ~11 per term."""
    if type(file) is StructFile:
        file.write, file.tell = file.file.write, file.file.tell


def _field_postings(
    field: Any, value: Any
) -> tuple[list[bytes], list[int], list[float], list[bytes] | None]:
    """A field's postings of a value, as Whoosh's ``FieldType.index`` makes them: their
    terms, frequencies, weights and values (None: the format keeps none)."""
    if isinstance(value, str) and type(field).index is FieldType.index:
        columns = getattr(field.format, "columns", None)
        if columns is not None:
            if not value:  # (a record's empty notes, annotations, tags: nothing to cut)
                return [], [], [], None
            found = columns(value, field.analyzer)
            if found is not None:
                terms, freqs, weights, values = found
                return list(map(str.encode, terms)), freqs, weights, values
        found = _record_postings(field, value)
        if found is not None:
            return found
    items = list(field.index(value))
    values = [v for _t, _f, _w, v in items]
    return (
        [t for t, _f, _w, _v in items],
        [f for _t, f, _w, _v in items],
        [w for _t, _f, w, _v in items],
        values if any(values) else None,
    )


def _record_postings(
    field: Any, value: str
) -> tuple[list[bytes], list[int], list[float], list[bytes] | None] | None:
    """The postings of a record's keyword and ID fields (tags, categories, status, the
    paper's key ...) as Whoosh's ``Frequency`` and ``Existence`` formats make them from
    :class:`.analysis.KeywordAnalyzer`'s and ``IDTokenizer``'s tokens, without a Token
    per value (a record has ~15 such values, and Whoosh's way cost ~0.2 ms of its ~1 ms);
    None for another field."""
    form = type(field.format)
    analyzer = type(field.analyzer)
    boost = field.format.field_boost
    if analyzer is IDTokenizer and form is Existence:  # the value whole, even empty
        return [value.encode()], [1], [boost], None
    if analyzer is not KeywordAnalyzer or form not in (Frequency, Existence):
        return None
    words = [t for t in map(keyword_term, value.split(KEYWORD_SEPARATOR)) if t]
    # (a record's values are most often all different: Counter costs ~20 µs a field)
    counts = dict.fromkeys(words, 1) if len(set(words)) == len(words) else Counter(words)
    terms = [t.encode() for t in counts]
    if form is Existence:
        return terms, [1] * len(terms), [boost] * len(terms), None
    freqs = list(counts.values())
    return terms, freqs, [f * boost for f in freqs], list(map(pack_uint, freqs))


def writer(ix: whoosh_index.FileIndex, **options: Any) -> Writer:
    return Writer(ix, compound=False, codec=Codec(), **options)
