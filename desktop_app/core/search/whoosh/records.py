"""Every paper's record (:class:`Entry`) as of one commit of the papers index, in a file a
new process loads without decoding them: ``papershelf search`` needs every paper's key,
date added, year, tags and status before its first query (to sort and count), but the
whole record of only the hits it shows and the papers a quick sync looks at.

The file, ``.records.marshal`` in the index folder (a dot name: :func:`store.record_files`
leaves it out of the sizes it checks), holds a head of marshal data (which runs no code,
unlike pickle), with the CRC-32 and the length of that head before it: the file's format
and the records' fields, the identity of the commit the records are of (the generation of
the papers index and the size and mtime of that generation's TOC file), the keys, each
record's place and CRC-32, and the :class:`Columns` the search's views derive from. The
records follow, each marshal data of its own, decoded when first asked for
(:class:`Records`); one found damaged then is read from the index instead. Last come the
titles' sort keys, with the collation they were made under, read only for a sort by
title (and only under that collation). At 10,000
papers a new process loads the file in ~2.5 ms (its head: the rest is mapped, on POSIX),
against ~45 ms when every record was decoded (and ~200 ms from the index's column).

It is used only when that is the commit a searcher reads, so it can never give the records
of another commit; written by the first process that decodes them from the index after a
commit, and by one that updated them in memory after its own commit. A file that is
missing, damaged, of another format or of another commit is just not used.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import logging
import marshal
import mmap
import operator
import os
import struct
import sys
import zlib
from array import array
from collections.abc import (
    Callable,
    ItemsView,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    ValuesView,
)
from functools import partial
from pathlib import Path
from typing import Any, cast

from desktop_app.core.search.api import PaperSummary
from desktop_app.core.search.whoosh.documents import Columns, Entry
from desktop_app.core.search.whoosh.store import PAPERS
from desktop_app.core.storage import atomic_write_bytes
from desktop_app.core.words import collation, title_sort_key

log = logging.getLogger(__name__)

RECORDS = ".records.marshal"
#: What a record holds, in order (the summary first): a file written with other fields is
#: not used.
FIELDS = (
    tuple(f.name for f in dataclasses.fields(PaperSummary)),
    tuple(f.name for f in dataclasses.fields(Entry)),
)
#: The file's format and the records' fields (a file of another is not used).
HEADER = ("papershelf-records", 4, FIELDS)
#: Before the head (:func:`save`): its CRC-32 and its length.
_PREFIX = struct.Struct("<II")
#: Reads one paper's record from the index (one found damaged in the file).
Reread = Callable[[str], Entry]

Identity = tuple[int, int, int]

_SUMMARY_NAMES, _ENTRY_NAMES = FIELDS[0], FIELDS[1][1:]  # (the entry's, after the summary)
_summary_of = operator.attrgetter(*_SUMMARY_NAMES)
_rest_of = operator.attrgetter(*_ENTRY_NAMES)


class Records(MutableMapping[str, Entry]):
    """Every indexed paper's record by key; those loaded from the file are decoded when
    first asked for (one found damaged there is read from the index: ``reread``).
    ``columns``: the :class:`Columns` of the records as loaded (None once one changed, or
    when they were not loaded from the file)."""

    def __init__(
        self,
        records: Mapping[str, Entry | int],
        columns: Columns | None = None,
        stored: _Stored | None = None,
    ) -> None:
        #: A record, or its number in ``stored`` while it is not decoded yet.
        self._all: dict[str, Entry | int] = dict(records)
        self.columns = columns
        self._stored = stored
        #: Records not decoded yet: at none, the file's bytes are let go (a window's
        #: list decodes every record over time).
        self._left = sum(1 for v in self._all.values() if isinstance(v, int))
        self._singles = 0  # records decoded one by one

    def __getitem__(self, key: str) -> Entry:
        value = self._all[key]
        if isinstance(value, int):
            assert self._stored is not None
            self._singles += 1
            if self._singles > _SINGLES:  # many asked for (a list of every paper): all at once
                self._decode_all()
                return self[key]
            value = self._all[key] = self._stored.entry(key, value)
            self._one_less()
        return value

    def __setitem__(self, key: str, value: Entry) -> None:
        if isinstance(self._all.get(key), int):
            self._one_less()
        self._all[key] = value
        self.columns = None

    def __delitem__(self, key: str) -> None:
        if isinstance(self._all[key], int):
            self._one_less()
        del self._all[key]
        self.columns = None

    def _one_less(self) -> None:
        self._left -= 1
        if not self._left:
            self._stored = None

    def __contains__(self, key: object) -> bool:
        return key in self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def keys(self) -> KeysView[str]:
        return self._all.keys()  # (a dict's: its set operations run in C)

    def values(self) -> ValuesView[Entry]:
        self._decode_all()
        return cast(ValuesView[Entry], self._all.values())

    def items(self) -> ItemsView[str, Entry]:
        self._decode_all()
        return cast(ItemsView[str, Entry], self._all.items())

    def plain(self) -> dict[str, Entry]:
        """Every record decoded, as a dict: for a pass over many, without a call of
        :meth:`__getitem__` per paper (~0.4 µs each: 4 ms over 10,000 hits)."""
        self._decode_all()
        return cast(dict[str, Entry], self._all)

    def encoded(self, key: str) -> bytes:
        """The record of ``key`` as the file keeps it."""
        value = self._all[key]
        if isinstance(value, int) and self._stored is not None:
            raw = self._stored.raw(value)
            if raw is not None:
                return raw
        return _encoded(self[key])

    def _decode_all(self) -> None:
        stored = self._stored
        if stored is None:
            return
        entry = stored.entry
        for key, value in self._all.items():
            if isinstance(value, int):
                self._all[key] = entry(key, value)  # (a value replaced: not a resize)
        settle(self._left)
        self._left, self._stored = 0, None


#: Records decoded at once from which :func:`settle` collects (fewer cost the young
#: collections little, less than a full one).
SETTLE_FROM = 1000


def settle(decoded: int) -> None:
    """Walk the records just decoded with the collector now, once, in the call that decoded
    them, rather than in the collections that would come later, wherever they came (the
    next edit, the next keystroke's search).

    Decoded with the collector paused (a search's ``gc_paused``), all of them (~30,000
    tracked objects at 10,000 papers) were left in the youngest generation: each of the
    next two young collections walked them (8-17 ms each), and then, as they outnumbered
    a quarter of the objects already in the oldest generation, a full collection (44-67
    ms, in the first edit after a list of every paper). A full collection here leaves them
    in the oldest generation, where they count as long-lived: the next full collection
    waits for a quarter as many new ones. Only for ``decoded`` of :data:`SETTLE_FROM` or
    more: a small library's few records cost the young collections little."""
    if decoded >= SETTLE_FROM:
        gc.collect()


#: Records decoded one by one, after which the rest are decoded at once (a search decodes
#: its hits, a quick sync a few more; a list of every paper, all).
_SINGLES = 256


class _Stored:
    """The records as the file holds them: one after the other, each with its CRC-32."""

    def __init__(
        self,
        data: bytes | mmap.mmap,
        start: int,
        offsets: array[int],
        crcs: array[int],
        reread: Reread,
    ) -> None:
        self.data, self.start, self.offsets, self.crcs = data, start, offsets, crcs
        self.reread = reread

    def raw(self, number: int) -> bytes | None:
        """Record ``number``'s bytes; None when they are damaged."""
        raw = self.data[self.start + self.offsets[number] : self.start + self.offsets[number + 1]]
        return raw if zlib.crc32(raw) == self.crcs[number] else None

    def entry(self, key: str, number: int) -> Entry:
        raw = self.raw(number)
        entry = _decoded(raw) if raw is not None else None
        if entry is None or entry.summary.key != key:
            log.info("%s: the record of %s is damaged in the records file", RECORDS, key)
            return self.reread(key)
        return entry


def _encoded(entry: Entry) -> bytes:
    return marshal.dumps((_summary_of(entry.summary), *_rest_of(entry)))


def _decoded(raw: bytes) -> Entry:
    """A record made as pickle makes objects (its fields put in its ``__dict__``, not
    through the frozen classes' ``__init__``: half the time)."""
    values, *rest = marshal.loads(raw)
    summary = object.__new__(PaperSummary)
    summary.__dict__.update(zip(_SUMMARY_NAMES, values, strict=True))
    entry = object.__new__(Entry)
    entry.__dict__["summary"] = summary
    entry.__dict__.update(zip(_ENTRY_NAMES, rest, strict=True))
    return entry


def _identity(folder: Path, generation: int) -> Identity | None:
    """The commit ``generation`` of the papers index in ``folder``: its TOC file's size and
    mtime (None when that TOC is gone: a later commit replaced it)."""
    try:
        st = (folder / f"_{PAPERS}_{generation}.toc").stat()
    except OSError:
        return None
    return generation, st.st_size, st.st_mtime_ns


def load(folder: Path, generation: int, reread: Reread) -> Records | None:
    """The records of commit ``generation``, if the file holds them; else None. A record
    found damaged when it is decoded is read with ``reread`` (from the index)."""
    identity = _identity(folder, generation)
    if identity is None:
        return None
    try:
        data = _contents(folder / RECORDS)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:  # (mmap: ValueError for an empty file)
        log.info("%s: not used: %s", folder / RECORDS, e)
        return None
    try:
        crc, size = _PREFIX.unpack_from(data)
        head = memoryview(data)[_PREFIX.size : _PREFIX.size + size]
        if len(head) != size or zlib.crc32(head) != crc:
            raise ValueError("its checksum does not match")
        header, of, keys, offsets, crcs, view_columns = marshal.loads(head)
        if header != HEADER or of != identity:
            return None
        stored = _Stored(data, _PREFIX.size + size, array("Q"), array("I"), reread)
        stored.offsets.frombytes(offsets)
        stored.crcs.frombytes(crcs)
        if not len(keys) == len(stored.crcs) - 1 == len(stored.offsets) - 2:
            raise ValueError("its parts differ in length")
        numbers = dict(zip(keys, range(len(keys)), strict=True))
        titles = partial(stored.raw, len(keys))  # (after the records)
        by_newest, year, tags, status, pending, made_under = view_columns
        columns = Columns(keys, by_newest, year, tags, status, pending, titles, made_under)
        return Records(numbers, columns, stored)
    except Exception as e:  # any damage: marshal raises EOFError, ValueError, TypeError …
        log.info("%s: not used: %s", folder / RECORDS, e)
        return None


def _contents(path: Path) -> bytes | mmap.mmap:
    """The file's bytes; on POSIX, a read-only map of them: a search reads the head (~7% of
    the file at 10,000 papers) and its hits' records, not the ~7 MB that reading the whole
    file copied (~3.5 ms of every ``papershelf search``). The file is only ever replaced
    whole (:func:`save` writes a new one and renames it), so a map stays the file it was.
    Elsewhere (Windows), a mapped file cannot be replaced: read whole."""
    if os.name != "posix":
        return path.read_bytes()
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def save(folder: Path, generation: int, entries: Mapping[str, Entry]) -> None:
    """Keep ``entries``, the records of commit ``generation``, for the next process."""
    identity = _identity(folder, generation)
    if identity is None:
        return
    columns = entries.columns if isinstance(entries, Records) else None
    columns = columns or Columns.of(entries)
    encode = entries.encoded if isinstance(entries, Records) else lambda k: _encoded(entries[k])
    titles, made_under = _titles(entries, columns)
    raws = [*(encode(k) for k in columns.keys), titles]  # (the titles' keys last)
    offsets = array("Q", [0])
    offsets.extend(itertools.accumulate(map(len, raws)))
    # Equal tags, statuses and years as one object each: marshal writes each once, and a
    # reference to it after (a smaller file, loaded faster, that takes less memory).
    same: dict[Any, Any] = {}
    head = marshal.dumps(
        (
            HEADER,
            identity,
            columns.keys,
            offsets.tobytes(),
            array("I", map(zlib.crc32, raws)).tobytes(),
            (
                columns.by_newest,
                [same.setdefault(y, y) for y in columns.year],
                [same.setdefault(t, tuple(map(sys.intern, t))) for t in columns.tags],
                [sys.intern(s) for s in columns.status],
                columns.pending,
                made_under,
            ),
        )
    )
    data = b"".join([_PREFIX.pack(zlib.crc32(head), len(head)), head, *raws])
    try:
        atomic_write_bytes(folder / RECORDS, data, durable=False)
    except (OSError, ValueError) as e:  # a cache folder that cannot be written: next time
        log.info("%s: not written: %s", folder / RECORDS, e)


def _titles(entries: Mapping[str, Entry], columns: Columns) -> tuple[bytes, str]:
    """The titles' sort keys under the collation in use, in the columns' order, as the file
    keeps them (those loaded with the columns, when of that collation): a sort by title in
    a new process then reads them rather than making 10,000 (15-20 ms)."""
    now = collation()
    titles = columns.titles_under(now)
    if titles is not None:
        return titles, now
    return marshal.dumps([title_sort_key(entries[k].summary.title) for k in columns.keys]), now
