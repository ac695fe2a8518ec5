"""Segment readers reused from one searcher of an index to the next.

After a commit the searcher is opened anew (:func:`opened.fresh`). An edit's commit adds
one small segment and marks one document deleted in another, so opening a reader for every
segment again (~0.5 ms each; ~18 segments at 10,000 papers, each edit adds one until they
are merged) was most of a tag change's time. A reader is reused while its segment is in the
index with the same deleted documents: a segment's files never change once written, and its
deletions live in the index's table of contents, so such a reader reads what a new one
would. A segment whose deletions changed gets a new reader.

Whoosh's own reuse (``Searcher.refresh``) keys on the segment alone and keeps the reader of
a segment that lost documents since (with its deletions as they were): a replaced or
deleted paper would still be found.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher


class Readers:
    """The open segment readers of one index, by segment id, with the deleted documents
    each was opened with."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[frozenset[int], SegmentReader]] = {}

    def searcher(self, ix: whoosh_index.FileIndex, generation: int | None = None) -> Searcher:
        """A searcher of the index's commit ``generation`` (None: the latest), on the
        readers of its segments that are unchanged since the last call; the readers no
        longer needed are closed."""
        toc = _toc(ix, generation)
        if ix._schema is None:
            # A folder's schema never changes (another schema is another folder, store.py):
            # later reads of the table of contents, here and by writers, skip unpickling it.
            ix._schema = toc.schema
        segments = toc.segments
        kept: dict[str, tuple[frozenset[int], SegmentReader]] = {}
        readers: list[SegmentReader] = []
        try:
            for segment in segments:
                deleted = frozenset(segment.deleted_docs())
                found = self._open.get(segment.segid)
                if found is not None and found[0] == deleted and len(segments) > 1:
                    reader = found[1]
                else:  # (a lone segment's reader carries the generation: a new one)
                    reader = SegmentReader(
                        ix.storage, toc.schema, segment, generation=toc.generation
                    )
                kept[segment.segid] = (deleted, reader)
                readers.append(reader)
        except BaseException:
            _close(_but(readers, self._readers()))  # those opened here
            raise
        before = self._readers()
        self._open = kept
        _close(_but(before, readers))  # those of segments merged away or changed
        whole: IndexReader
        if not readers:
            whole = EmptyReader(toc.schema)
        elif len(readers) == 1:
            whole = readers[0]
        else:
            whole = MultiReader(readers, generation=toc.generation)
        return Searcher(whole, weighting=BM25F(), fromindex=ix, closereader=False)

    def _readers(self) -> list[SegmentReader]:
        return [reader for _, reader in self._open.values()]

    def close(self) -> None:
        _close(self._readers())
        self._open = {}


def generations(folder: Path) -> dict[str, int]:
    """The latest commit of each index in the folder, by index name, from one listing of
    it (Whoosh's ``latest_generation`` lists the folder and matches a pattern against each
    of its hundreds of files, per index and per call)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    found: dict[str, int] = {}
    for name in names:
        if name.startswith("_") and name.endswith(".toc"):
            indexname, _, generation = name[1:-4].rpartition("_")
            if generation.isdigit():
                found[indexname] = max(found.get(indexname, -1), int(generation))
    return found


def _toc(ix: whoosh_index.FileIndex, generation: int | None) -> Any:
    """The index's table of contents of commit ``generation``, or of the latest one (also
    when that commit's was removed meanwhile by another program's next one)."""
    if generation is not None:
        with contextlib.suppress(FileNotFoundError):
            return whoosh_index.TOC.read(ix.storage, ix.indexname, generation, ix._schema)
    return ix._read_toc()


def _but(these: list[SegmentReader], kept: list[SegmentReader]) -> list[SegmentReader]:
    """The readers of ``these`` that are not in ``kept``."""
    held = {id(reader) for reader in kept}
    return [reader for reader in these if id(reader) not in held]


def _close(readers: list[SegmentReader]) -> None:
    for reader in readers:
        with contextlib.suppress(Exception):
            reader.close()
