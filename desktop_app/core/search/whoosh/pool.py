"""A segment writer's postings in memory, in columns, grouped by term at C speed (written a
term at a time by ``codec.write_grouped``: the files Whoosh writes, see
``tests/core/search/whoosh/test_codec.py``).

Whoosh's pool keeps a tuple per posting (~140 bytes; a paper's full text makes ~2,800) and
sorts them all before they are written, then writes them one call per posting. Here a
field's postings are columns (each one's document, weight, and value's bytes end to end,
~20 bytes a posting with its positions), and each term keeps the numbers of its postings in
an array: a document's field is added by a few calls that run in C over all its postings
(a Python loop per posting was a quarter of a rebuild's time). A segment's cost is mostly
per term (a full-text index has ~50,000), so the fewer bytes a term and a posting take, the
more papers a rebuild's segment holds in the same memory, and the less each paper costs.
"""

from __future__ import annotations

import io
import itertools
from array import array
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from whoosh.writing import PostingPool

#: What a pool counts (bytes), as measured: a posting's items in the columns (and its
#: value's bytes on top), a term's own entry (its key, its array of postings).
POSTING_BYTES = 13
VALUED_BYTES = 4
TERM_BYTES = 200

_numbers = partial(array, "I")  # a term's postings, by their numbers in the field
_append = array.append


class FieldPostings:
    """One field's postings as they came, in columns: posting ``n``'s document
    ``docs[n]``, weight ``weights[n]`` and (a format with values) value
    ``values.getvalue()[ends[n]:ends[n + 1]]``; each term's postings' numbers in
    ``places``, in the order they came (the documents' order).

    The weights are kept as 32-bit floats, as Whoosh's writer keeps a block's, while each
    is one exactly (the frequencies that all the schemas' fields weigh postings by), else
    as they came."""

    __slots__ = ("docs", "ends", "places", "values", "weights")

    def __init__(self, valued: bool) -> None:
        self.places: defaultdict[bytes, array[int]] = defaultdict(_numbers)
        self.docs = array("I")
        self.weights = array("f")
        # (getvalue() hands over its bytes without a copy: a segment's values are ~10 MB)
        self.values = io.BytesIO() if valued else None
        self.ends = array("I", (0,)) if valued else None

    def add(
        self,
        docnum: int,
        terms: Sequence[bytes],
        weights: Sequence[float],
        values: Sequence[bytes] | None,
    ) -> tuple[int, int]:
        """Add a document's postings (the terms all different): the terms new to the
        field, and the bytes of the values."""
        count = len(terms)
        if len(weights) != count or (values is not None and len(values) != count):
            raise ValueError("a posting's term, weight and value do not match")
        places = self.places
        known = len(places)
        first = len(self.docs)
        # places[term].append(n) for each posting, in C.
        deque(map(_append, map(places.__getitem__, terms), range(first, first + count)), 0)
        self.docs.extend(itertools.repeat(docnum, count))
        self._add_weights(weights)
        if values is None:
            return len(places) - known, 0
        kept, ends = self.values, self.ends
        if kept is None or ends is None:
            raise ValueError("postings with and without values")
        start = kept.tell()
        kept.writelines(values)
        ends.extend(
            itertools.islice(itertools.accumulate(map(len, values), initial=start), 1, None)
        )
        return len(places) - known, kept.tell() - start

    def add_one(self, docnum: int, term: bytes, weight: float, value: bytes) -> bool:
        """Add a posting (``value`` empty for a format without values): whether its term
        is new to the field."""
        places = self.places
        new = term not in places
        places[term].append(len(self.docs))
        self.docs.append(docnum)
        self._add_weights((weight,))
        kept, ends = self.values, self.ends
        if kept is not None and ends is not None:
            kept.write(value)
            ends.append(kept.tell())
        return new

    def _add_weights(self, weights: Sequence[float]) -> None:
        kept = self.weights
        if kept.typecode == "f":
            single = array("f", weights)
            if single.tolist() == list(weights):
                kept.extend(single)
                return
            kept = self.weights = array("d", kept)  # (from now on as they come)
        kept.extend(weights)

    def __len__(self) -> int:
        return len(self.docs)


class GroupedPool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool, keeping the postings in columns by field and the numbers of
    each term's postings as they come (a writer adds them in document order, so only the
    terms are left to sort). A pool over its limit writes a run to disk as Whoosh's does
    (the same order)."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._fields: dict[str, FieldPostings] = {}

    def _field(self, fieldname: str, valued: bool) -> FieldPostings:
        field = self._fields.get(fieldname)
        if field is None:
            field = self._fields[fieldname] = FieldPostings(valued)
            self.fieldnames.add(fieldname)
        elif (field.values is not None) != valued:
            raise ValueError(f"{fieldname}: postings with and without values")
        return field

    def add(self, item: tuple[Any, ...]) -> None:
        """Add one posting: (fieldname, term, docnum, weight, value bytes), as Whoosh's
        pool takes them (segments merged, spelling words)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        valued = bool(vbytes)
        field = self._fields.get(fieldname)
        if field is None or (field.values is not None) != valued:
            field = self._field(fieldname, valued)
        size = POSTING_BYTES + (VALUED_BYTES + len(vbytes) if valued else 0)
        if field.add_one(docnum, tbytes, weight, vbytes):
            size += TERM_BYTES
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
        """Add a document's postings in one field: its terms (all different), their
        weights and (but for a format without) their values."""
        if not terms:  # (nothing to write: a field given no terms is left out)
            self.fieldnames.add(fieldname)
            return
        new_terms, value_bytes = self._field(fieldname, values is not None).add(
            docnum, terms, weights, values
        )
        self.currentsize += (
            POSTING_BYTES * len(terms)
            + TERM_BYTES * new_terms
            + (VALUED_BYTES * len(terms) + value_bytes if values is not None else 0)
        )
        if self.currentsize > self.limit:
            self.save()

    def grouped(self) -> Iterator[tuple[str, FieldPostings]]:
        """The postings by field, in order (and the pool emptied)."""
        fields, self._fields = self._fields, {}
        self.currentsize = 0
        for fieldname in sorted(fields):
            yield fieldname, fields.pop(fieldname)

    def _in_order(self) -> Iterator[tuple[Any, ...]]:
        """The postings as Whoosh's pool holds them: (field, term, docnum, weight, value)."""
        for fieldname, field in self.grouped():
            docs, weights, ends = field.docs, field.weights, field.ends
            data = field.values.getvalue() if field.values is not None else b""
            for text in sorted(field.places):
                for n in field.places[text]:
                    vbytes = data[ends[n] : ends[n + 1]] if ends is not None else b""
                    yield fieldname, text, docs[n], weights[n], vbytes

    def save(self) -> None:
        self.current = list(self._in_order())
        super().save()  # its sort finds the list in order (linear)

    def items(self, maxfiles: int = 128) -> Iterator[tuple[Any, ...]]:
        if not self.runs:
            return self._in_order()
        # (Whoosh's items() saves what is left in memory as a last run: :meth:`save`.)
        return super().items(maxfiles)  # type: ignore[no-any-return]
