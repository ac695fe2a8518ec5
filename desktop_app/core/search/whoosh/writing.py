"""Writing to the live index: its segments' merge policy, a batch of papers' documents
written into both indexes, and the merge of the small segments edits leave.

An edit commits a small segment of the papers index, merging only once MERGE_FANOUT
segments of one size are there (:func:`by_size`); the small segments are merged by a sync
or a batch of changes. The caller holds the writers' lock (``WhooshIndex._writing``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from desktop_app.core.search.whoosh.codec import Writer, writer
from desktop_app.core.search.whoosh.documents import Prepared, cached_text
from desktop_app.core.search.whoosh.opened import Opened, fresh, searchers_of
from desktop_app.core.search.whoosh.store import PAPERS, record_files, text_doc

#: An edit merges the small segments of one size class (1-63 papers, 64-4095, ...) once
#: there are this many of them (writing.by_size) ...
MERGE_FANOUT = 64
#: ... and those of a bigger class (each made by such a merge, ~64 papers) once there are
#: this many: the command line's edits, without the app's syncs, keep at most ~70 small
#: segments (each costs a search process a reader).
MERGE_BIGGER = 8
MERGE_AT_SYNC = 4  # small segments of the papers index (one per edit) before a sync merges
MERGE_BELOW = 500  # papers in a segment that counts as small
#: ... in the full-text index, where merging costs ~15 ms per paper: its segments are those
#: of the last rebuild (a few hundred papers each, kept) and one per later change.
TEXT_MERGE_BELOW = 50

MergePolicy = Callable[[SegmentWriter, list[Any]], list[Any]]


def small_segments(segments: list[Any], below: int = MERGE_BELOW) -> list[Any]:
    return [seg for seg in segments if seg.doc_count_all() < below]


def merging(at: int, below: int = MERGE_BELOW) -> MergePolicy:
    """The full-text index's merge policy: merge the small segments into the new one once
    ``at`` of them are there."""

    def merge(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
        small = small_segments(segments, below)
        return segments if len(small) < at else _merged(writer, segments, small)

    return merge


def by_size(at: int | None = None, below: int = MERGE_BELOW) -> MergePolicy:
    """The papers index's merge policy: the small segments of each size class (1 to
    MERGE_FANOUT-1 papers, then up to MERGE_FANOUT² - 1, ...) of which ``at`` are there
    (None: an edit's, MERGE_FANOUT, MERGE_BIGGER for the bigger classes; a sync and a
    batch of changes merge at 2) are merged into the new one.

    Whoosh's own policy merges the small segments at nearly every commit, and a merge
    costs in proportion to the papers merged (~10 ms each here: every term's postings read
    back). So an edit commits a segment of its own: a segment more costs the next edit
    little, its searcher reuses the readers of the segments it did not change (readers.py).
    Merging every small segment also merged the one a sync had left (~450 papers at
    10,000) again, each time: the edit that merged, once 64 had piled up, took 2.3 s of CPU
    on a loaded machine (0.8 s by size), and a sync seconds more.
    """
    fanout = MERGE_FANOUT
    least = fanout if at is None else at

    def merge(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
        classes: dict[int, list[Any]] = {}
        for seg in small_segments(segments, below):
            size, group = seg.doc_count_all(), 0
            while size >= fanout:
                size //= fanout
                group += 1
            classes.setdefault(group, []).append(seg)
        chosen = [
            seg
            for group, segs in classes.items()
            if len(segs) >= (least if group == 0 else min(least, MERGE_BIGGER))
            for seg in segs
        ]
        return _merged(writer, segments, chosen) if chosen else segments

    return merge


def _merged(writer: SegmentWriter, segments: list[Any], chosen: list[Any]) -> list[Any]:
    """Merge the ``chosen`` segments into the writer's new one; the segments left."""
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    ids = {seg.segid for seg in chosen}
    return [seg for seg in segments if seg.segid not in ids]


#: Papers written between two calls of a write's ``check`` (:func:`write_prepared`).
CHECK_EVERY = 20


def write_prepared(
    opened: Opened,
    prepared: list[Prepared],
    timeout: float,
    check: Callable[[], None] | None = None,
) -> None:
    """Write these papers' documents (removing those without an entry), the full text
    first, and keep the records in memory in step. ``check`` is called every CHECK_EVERY
    papers, and may raise to stop: nothing of the write is committed (a full-text batch's
    1,000 records take seconds to write, and the window closing waited for them)."""
    text_changes = [p for p in prepared if p.text_from is not None or p.entry is None]
    # The full text first: the papers index, whose records carry the fingerprints,
    # is committed last, so an interrupted write is redone by the next sync.
    if text_changes:
        tw = writer(opened.fulltext, timeout=timeout)
        try:
            found = _same_commit(opened, tw)
            for p in text_changes:
                text = cached_text(p.text_from) if p.entry and p.text_from else None
                _put(tw, found, p.key, text_doc(p.key, text) if text else None)
        except BaseException:
            tw.cancel()
            raise
        tw.commit(mergetype=merging(MERGE_AT_SYNC, TEXT_MERGE_BELOW))
    pw = writer(opened.papers, timeout=timeout)
    base_gen = pw.generation - 1
    try:
        found = _same_commit(opened, pw)
        for n, p in enumerate(prepared):
            if check is not None and n % CHECK_EVERY == 0:
                check()
            _put(pw, found, p.key, p.doc if p.entry is not None else None)
    except BaseException:
        pw.cancel()
        raise
    pw.commit(mergetype=by_size(2 if len(prepared) > 2 else None))
    record_files(opened.folder)
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
    opened.checked = False
    searchers_of(opened)


def _same_commit(opened: Opened, w: Writer) -> Searcher | None:
    """The searcher of the writer's index, brought to the commit the writer starts from
    (the writers' lock is held: no other commit meanwhile), to find the documents to delete
    (Whoosh's writer would open a reader of every segment for that); None if it reads
    another commit all the same."""
    base = w.generation - 1
    if w.indexname == PAPERS:
        opened.psearcher = found = fresh(opened.psearcher, opened.papers, opened.preaders, base)
    else:
        opened.tsearcher = found = fresh(opened.tsearcher, opened.fulltext, opened.treaders, base)
    return found if found.reader().generation() == base else None


def _put(w: Writer, found: Searcher | None, key: str, doc: dict[str, Any] | None) -> None:
    """Replace the paper's document with ``doc`` (None: delete it), its old one found by
    ``found`` (:func:`_same_commit`), else by the writer."""
    if found is None and doc is not None:
        w.update_document(**doc)
        return
    w.delete_by_term("key", key, searcher=found)
    if doc is not None:
        w.add_document(**doc)


def merge_small(opened: Opened, timeout: float) -> None:
    """Merge the papers index's small segments (one per edit), those of each size class
    into one (:func:`by_size`)."""
    pw = writer(opened.papers, timeout=timeout)
    try:
        pw.commit(mergetype=by_size(2))
    except BaseException:
        with contextlib.suppress(Exception):
            pw.cancel()
        raise
    record_files(opened.folder)
    if opened.entries is not None and opened.entries_gen == pw.generation - 1:
        opened.entries_gen = pw.generation  # the same papers, merged
    opened.checked = False
    searchers_of(opened)
