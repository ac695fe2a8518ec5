"""A segment writer's postings in memory, grouped by term in arrays (written a term at a time by
``codec.write_grouped``: the files Whoosh writes, see ``tests/core/search/whoosh/test_codec.py``).

Whoosh's pool keeps a tuple per posting (~140 bytes; a paper's full text makes ~2,800) and
sorts them all before they are written, then writes them one call per posting. Here a
term's postings are arrays (its documents, weights, and its values' bytes end to end, ~20
bytes a posting with its positions), added a document's field at a time, so a rebuild's
writers hold segments of many more papers in the same memory: a segment's cost is mostly
per term (a full-text index has ~50,000), so larger segments cost less per paper.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

from whoosh.writing import PostingPool

#: What a pool counts (bytes), as measured: a posting's items in the arrays (and its
#: value's bytes on top), a term's own entry (its bytes on top).
POSTING_BYTES = 16
VALUED_BYTES = 4
TERM_BYTES = 300
VALUED_TERM_BYTES = 440


class Postings:
    """One term's postings: document numbers, weights, and (for a format with values) the
    values' bytes end to end with where each ends."""

    __slots__ = ("ends", "ids", "values", "weights")

    def __init__(self, valued: bool) -> None:
        self.ids = array("I")
        self.weights = array("d")
        self.values = bytearray() if valued else None
        self.ends = array("I") if valued else None

    def value_list(self, start: int = 0, end: int | None = None) -> list[bytes]:
        """The values of postings ``start:end`` (none if the format keeps none)."""
        ends = self.ends
        if not ends or self.values is None:
            return []
        end = len(ends) if end is None else min(end, len(ends))
        view = memoryview(self.values)
        first = ends[start - 1] if start else 0
        return [
            view[a:b].tobytes()
            for a, b in itertools.pairwise(itertools.chain((first,), ends[start:end]))
        ]


class GroupedPool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool, keeping the postings grouped by term, in arrays, as they come
    (a writer adds them in document order, so only the terms are left to sort). A pool
    over its limit writes a run to disk as Whoosh's does (the same order)."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._terms: dict[str, dict[bytes, Postings]] = {}

    def add(self, item: tuple[Any, ...]) -> None:
        """Add one posting: (fieldname, term, docnum, weight, value bytes), as Whoosh's
        pool takes them (segments merged, spelling words)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        postings_of = self._terms.get(fieldname)
        if postings_of is None:
            postings_of = self._terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        found = postings_of.get(tbytes)
        size = POSTING_BYTES
        if found is None:
            found = postings_of[tbytes] = Postings(bool(vbytes))
            size += (VALUED_TERM_BYTES if vbytes else TERM_BYTES) + len(tbytes)
        found.ids.append(docnum)
        found.weights.append(weight)
        if found.values is not None:
            if not vbytes:
                raise ValueError(f"{fieldname}: postings with and without values")
            found.values += vbytes
            found.ends.append(len(found.values))  # type: ignore[union-attr]
            size += VALUED_BYTES + len(vbytes)
        elif vbytes:
            raise ValueError(f"{fieldname}: postings with and without values")
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def add_field(
        self,
        fieldname: str,
        docnum: int,
        terms: Sequence[bytes],
        weights: Sequence[float],
        values: Sequence[bytes] | None,
    ) -> None:
        """Add a document's postings in one field: its terms, their weights and (but for a
        format without) their values."""
        postings_of = self._terms.get(fieldname)
        if postings_of is None:
            postings_of = self._terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        size = POSTING_BYTES * len(terms)
        get = postings_of.get
        if values is None:
            for tbytes, weight in zip(terms, weights, strict=True):
                found = get(tbytes)
                if found is None:
                    found = postings_of[tbytes] = Postings(False)
                    size += TERM_BYTES + len(tbytes)
                found.ids.append(docnum)
                found.weights.append(weight)
        else:
            for tbytes, weight, vbytes in zip(terms, weights, values, strict=True):
                found = get(tbytes)
                if found is None:
                    found = postings_of[tbytes] = Postings(True)
                    size += VALUED_TERM_BYTES + len(tbytes)
                found.ids.append(docnum)
                found.weights.append(weight)
                kept = found.values
                if kept is None:  # (a format keeps values for all its postings or none)
                    raise ValueError(f"{fieldname}: postings with and without values")
                kept += vbytes
                found.ends.append(len(kept))  # type: ignore[union-attr]
                size += VALUED_BYTES + len(vbytes)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def grouped(self) -> Iterator[tuple[str, Iterator[tuple[bytes, Postings]]]]:
        """The postings by field and term, in order (and the pool emptied)."""
        terms_of, self._terms = self._terms, {}
        self.currentsize = 0
        for fieldname in sorted(terms_of):
            terms = terms_of[fieldname]
            if terms:  # (a field given no terms has none to write, as in Whoosh's pool)
                yield fieldname, ((text, terms.pop(text)) for text in sorted(terms))

    def _in_order(self) -> Iterator[tuple[Any, ...]]:
        """The postings as Whoosh's pool holds them: (field, term, docnum, weight, value)."""
        for fieldname, terms in self.grouped():
            for text, postings in terms:
                values = postings.value_list() or [b""] * len(postings.ids)
                for docnum, weight, vbytes in zip(
                    postings.ids, postings.weights, values, strict=True
                ):
                    yield fieldname, text, docnum, weight, vbytes

    def save(self) -> None:
        self.current = list(self._in_order())
        super().save()  # its sort finds the list in order (linear)

    def items(self, maxfiles: int = 128) -> Iterator[tuple[Any, ...]]:
        if not self.runs:
            return self._in_order()
        self.current = list(self._in_order())
        return super().items(maxfiles)  # type: ignore[no-any-return]
