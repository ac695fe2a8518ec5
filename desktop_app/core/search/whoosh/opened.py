"""An open index folder: its two indexes, their reused searchers, and what a search derives
from them until they change.

One searcher per index is reused and reopened after a commit (DESIGN.md). The records
(:class:`Entry`) and per-paper views are read once per commit of the papers index (and
updated in place after an edit of this process), a query word's merged scores once per
pair of searchers.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from desktop_app.core.memory import gc_paused
from desktop_app.core.search.query import FULLTEXT, Term
from desktop_app.core.search.whoosh import records as records_file
from desktop_app.core.search.whoosh.documents import Entry, Views
from desktop_app.core.search.whoosh.folders import Hold
from desktop_app.core.search.whoosh.readers import Readers, generations
from desktop_app.core.search.whoosh.records import Records
from desktop_app.core.search.whoosh.store import PAPERS


@dataclass
class Opened:
    """The open indexes of the current index folder."""

    name: str
    folder: Path
    papers: whoosh_index.FileIndex
    fulltext: whoosh_index.FileIndex
    hold: Hold | None = None  # the folder held against removal while it is open (folders.py)
    psearcher: Searcher | None = None
    tsearcher: Searcher | None = None
    #: The searchers' segment readers, reused by the next searchers (readers.py).
    preaders: Readers = field(default_factory=Readers)
    treaders: Readers = field(default_factory=Readers)
    entries: Records | None = None
    entries_gen: int = -1
    views: Views | None = None  # derived from entries; None when entries changed
    #: A query word's scores over every field (shared: never changed), as of the searchers
    #: in ``term_scores_of``: a word searched again (the query typed on, another sort or
    #: view) is not merged again from its fields' scores.
    term_scores: OrderedDict[Term, dict[str, float]] = field(default_factory=OrderedDict)
    term_scores_of: tuple[Searcher, Searcher] | None = None
    #: The searchers were checked to be up to date during the current call of the index
    #: (:meth:`WhooshIndex._ready` clears it): Whoosh's check lists the index folder, and
    #: a search asks for the searchers dozens of times.
    checked: bool = False

    def close(self) -> None:
        for s in (self.psearcher, self.tsearcher):
            if s is not None:
                with contextlib.suppress(Exception):
                    s.close()
        self.psearcher = self.tsearcher = None
        self.preaders.close()
        self.treaders.close()
        for ix in (self.papers, self.fulltext):
            with contextlib.suppress(Exception):
                ix.storage.close()
        if self.hold is not None:
            self.hold.release()


def fresh(
    searcher: Searcher | None,
    ix: whoosh_index.FileIndex,
    readers: Readers,
    latest: int,
) -> Searcher:
    """The searcher, reopened if the index changed (one searcher is reused, DESIGN.md), on
    the readers of its unchanged segments (:class:`Readers`; not ``Searcher.refresh()``,
    which reuses the reader of a segment whose deletions changed, so documents deleted or
    replaced by the commit would still be found). ``latest``: the commit to read (the
    index's latest, as :func:`.readers.generations` found it, or a writer's base)."""
    if searcher is not None:
        if searcher.reader().generation() == latest:
            return searcher
        searcher.close()
    return readers.searcher(ix, latest)


def searchers_of(o: Opened) -> tuple[Searcher, Searcher]:
    """The searchers of the papers and the full-text index, reopened if they changed
    (looked at once per call of the index: see ``Opened.checked``)."""
    if o.checked and o.psearcher is not None and o.tsearcher is not None:
        return o.psearcher, o.tsearcher
    latest = generations(o.folder)  # both indexes' from one listing of their folder
    o.psearcher = fresh(o.psearcher, o.papers, o.preaders, latest.get(PAPERS, -1))
    o.tsearcher = fresh(o.tsearcher, o.fulltext, o.treaders, latest.get(FULLTEXT, -1))
    o.checked = True
    return o.psearcher, o.tsearcher


def entries_of(o: Opened) -> Records:
    """Every indexed paper's record, read again when the papers index changed (from the
    records file when it holds them: :mod:`.records`)."""
    psearcher, _ = searchers_of(o)
    gen = psearcher.reader().generation()
    if o.entries is None or o.entries_gen != gen:
        reader = psearcher.reader()
        if reader.doc_count_all() == 0:  # an empty index has no columns
            o.entries, o.entries_gen, o.views = Records({}), gen, None
            return o.entries
        with gc_paused():
            loaded = records_file.load(o.folder, gen, partial(_one_decoded, o))  # 50x faster
            if loaded is None:
                loaded = Records(_decoded(reader))
                records_file.settle(len(loaded))
                records_file.save(o.folder, gen, loaded)
        # Not gc.freeze(): it froze whatever else was alive or awaiting collection at that
        # moment too (searchers, their readers' caches, cyclic garbage), never to be
        # collected: a window's memory grew at every commit of another program and every
        # batch of a first build's full text (a 2,000-paper index changed by another
        # program 60 times, searched after each: 35 -> 48 MB with it, 40 -> 41 MB without).
        # Searches run with the collector paused (gc_paused) instead.
        o.entries, o.entries_gen, o.views = loaded, gen, None
    return o.entries


def _one_decoded(o: Opened, key: str) -> Entry:
    """One paper's record, decoded from the papers index's column (one found damaged in
    the records file)."""
    psearcher, _ = searchers_of(o)
    docnum = psearcher.document_number(key=key)
    if docnum is None:
        raise KeyError(key)
    return Entry.from_bytes(psearcher.reader().column_reader("record")[docnum])


def _decoded(reader: IndexReader) -> dict[str, Entry]:
    """Every live document's record, decoded from the papers index's column."""
    live = reader.all_doc_ids()
    records = zip(reader.column_reader("key"), reader.column_reader("record"), strict=True)
    if reader.has_deletions():
        live_set = set(live)
        records = (r for d, r in enumerate(records) if d in live_set)  # type: ignore[assignment]
    return {key: Entry.from_bytes(raw) for key, raw in records}


def views_of(o: Opened) -> Views:
    """The per-paper views of the records (:class:`Views`)."""
    records = entries_of(o)
    if o.views is None:
        o.views = Views.of(records, records.columns)
    return o.views
