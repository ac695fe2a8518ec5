"""Every paper's record (:class:`Entry`) as of one commit of the papers index, in a file a
new process loads in a fifth of the time decoding them from the index's column takes
(~20 ms rather than ~110 ms for 5,000 papers): ``papershelf search`` reads every record
before its first query (the quick sync compares fingerprints, hits show summaries).

The file, ``.records.marshal`` in the index folder (a dot name: :func:`store.record_files`
leaves it out of the sizes it checks), is marshal data (which runs no code, unlike pickle)
of the records and the identity of the commit they are of: the generation of the papers
index and the size and mtime of that generation's TOC file. It is used only when that is
the commit a searcher reads, so it can never give the records of another commit; written
by the first process that decodes them from the index after a commit, and by one that
updated them in memory after its own commit. A file that is missing, damaged or of another
commit is just not used.
"""

from __future__ import annotations

import dataclasses
import logging
import marshal
import operator
from pathlib import Path
from typing import Any

from desktop_app.core.search.api import PaperSummary
from desktop_app.core.search.whoosh.documents import Entry
from desktop_app.core.search.whoosh.store import PAPERS
from desktop_app.core.storage import atomic_write_bytes

log = logging.getLogger(__name__)

RECORDS = ".records.marshal"
#: What a record holds, in order (the summary first): a file written with other fields is
#: not used.
FIELDS = (
    tuple(f.name for f in dataclasses.fields(PaperSummary)),
    tuple(f.name for f in dataclasses.fields(Entry)),
)

Identity = tuple[int, int, int]


def _identity(folder: Path, generation: int) -> Identity | None:
    """The commit ``generation`` of the papers index in ``folder``: its TOC file's size and
    mtime (None when that TOC is gone: a later commit replaced it)."""
    try:
        st = (folder / f"_{PAPERS}_{generation}.toc").stat()
    except OSError:
        return None
    return generation, st.st_size, st.st_mtime_ns


def load(folder: Path, generation: int) -> dict[str, Entry] | None:
    """The records of commit ``generation``, if the file holds them; else None."""
    identity = _identity(folder, generation)
    if identity is None:
        return None
    try:
        data = marshal.loads((folder / RECORDS).read_bytes())
        if data[0] != identity or data[1] != FIELDS:
            return None
        return _entries(data[2])
    except FileNotFoundError:
        return None
    except Exception as e:  # any damage: marshal raises EOFError, ValueError, TypeError …
        log.info("%s: not used: %s", folder / RECORDS, e)
        return None


def _entries(rows: list[tuple[Any, ...]]) -> dict[str, Entry]:
    """The records of the file's rows, made as pickle makes objects (their fields put in
    their ``__dict__``, not through the frozen classes' ``__init__``: half the time)."""
    new = object.__new__
    summary_names, entry_names = FIELDS[0], FIELDS[1][1:]
    entries = {}
    for key, values, *rest in rows:
        summary = new(PaperSummary)
        summary.__dict__.update(zip(summary_names, values, strict=True))
        entry = new(Entry)
        entry.__dict__["summary"] = summary
        entry.__dict__.update(zip(entry_names, rest, strict=True))
        entries[key] = entry
    return entries


def save(folder: Path, generation: int, entries: dict[str, Entry]) -> None:
    """Keep ``entries``, the records of commit ``generation``, for the next process."""
    identity = _identity(folder, generation)
    if identity is None:
        return
    summary_of = operator.attrgetter(*FIELDS[0])
    rest_of = operator.attrgetter(*FIELDS[1][1:])  # after the summary
    rows = [(key, summary_of(e.summary), *rest_of(e)) for key, e in entries.items()]
    try:
        atomic_write_bytes(folder / RECORDS, marshal.dumps((identity, FIELDS, rows)), durable=False)
    except (OSError, ValueError) as e:  # a cache folder that cannot be written: next time
        log.info("%s: not written: %s", folder / RECORDS, e)
