"""The stored index: where its files live, its schemas, and their integrity.

Layout, under :func:`paths.library_cache_dir` (one folder per library)::

    index.lock            the writers' lock (one writer at a time, across processes)
    CURRENT               {"schema": SCHEMA_VERSION, "dir": "index-<hex>", "library": "..."}
    index-<hex>/          the Whoosh storage: the "papers" and "fulltext" indexes
    index-<hex>/files.json  the size of every index file after the last commit

Two indexes, so that a change of tags, status, rating or notes never re-indexes a PDF's text:
``papers``, one small document per paper (metadata, tags, status, notes, filters, and the
record a list row shows), and ``fulltext``, one document per paper with its PDF's text.

An index of another schema, or damaged (a file shorter than recorded, a TOC that does not
load) is rebuilt; the files are read through memory maps (:class:`MappedFile`).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb import filetables
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.system import _INT_SIZE

from desktop_app.core.search.query import FULLTEXT
from desktop_app.core.search.whoosh.analysis import (
    PLAIN,
    STEMMED,
    KeywordAnalyzer,
    exact_field,
    exact_name,
    frequency_field,
    text_field_format,
)
from desktop_app.core.storage import atomic_write_bytes

#: Bump on any change to the schemas or to what goes into them: old indexes are rebuilt.
SCHEMA_VERSION = 7  # 2: postings blocks keep their positions apart (the own codec); 3: the
#                     codec moved: segments name desktop_app.core.search.whoosh.codec.Codec;
#                     4: stop words keep their positions (exact phrases), and each stemmed
#                     field has a twin of exact forms (``<field>_exact``)
#                     5: "annotation" (annotations' text and comments, by page)
#                     6: positions as arrays, with the mark of the next term (phrases)
#                     7: numbers (year, rating, added) as one term each, no trie
#: Schemas whose indexes this code can still search while their replacement is built
#: (schema 1 differs in its postings layout only, and each segment names its codec: Whoosh's
#: own; schema 2's segments name the codec by its old module path, which no longer exists;
#: schemas 1 and 3 lack the exact forms, which then add nothing, and their phrases match
#: across a stop word, as they did; schema 5 differs in its positions' format only, which
#: its table of contents names: analysis.TermPositions).
READABLE_SCHEMAS = frozenset({1, 3, 5, 6, SCHEMA_VERSION})
#: The stemmed text fields of the papers index that have a twin of exact forms.
EXACT_FIELDS = ("title", "tags_text", "abstract", "note")
#: The two Whoosh indexes: the papers' records, and the PDFs' text (``query.FULLTEXT``, the
#: name of its one field too, as of the query field it serves).
PAPERS = "papers"
POINTER = "CURRENT"
#: In an index folder: the first phase of its build left papers to complete (their PDF
#: text, their abstract); removed once the second phase is done. (A name starting with a
#: dot: not an index file, see :func:`record_files`.)
TEXTS_PENDING = ".texts-pending"
#: In the cache folder: held by the one program doing a build's second phase.
TEXTS_LOCK = "texts.lock"
FILES = "files.json"
#: Errors that mean the stored index is damaged (Whoosh reads files with struct/pickle/zlib).
DAMAGE = (
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
    kw = KeywordAnalyzer()
    return Schema(
        key=ID(stored=True, unique=True, sortable=True),
        id=KEYWORD(analyzer=kw, scorable=True),
        title=text_field_format(TEXT(analyzer=STEMMED)),
        author=text_field_format(TEXT(analyzer=PLAIN)),
        tags_text=text_field_format(TEXT(analyzer=STEMMED)),
        abstract=text_field_format(TEXT(analyzer=STEMMED, stored=True)),
        note=text_field_format(TEXT(analyzer=STEMMED, stored=True)),
        # One block per annotation (its text, then its comment), blocks separated by form
        # feeds; annotation_pages holds each block's page, so a snippet names its page.
        annotation=text_field_format(TEXT(analyzer=STEMMED, stored=True)),
        annotation_pages=STORED(),
        tag=KEYWORD(analyzer=kw),
        cat=KEYWORD(analyzer=kw),
        status=KEYWORD(analyzer=kw),
        has=KEYWORD(analyzer=kw),
        pdf=KEYWORD(analyzer=kw),
        # One term per value (Whoosh's default writes a trie of 8 or 16 terms per value for
        # fast ranges): ranges are answered from the records in memory (Views.values), and
        # the trie made most of a record's terms, each a block written at every rebuild.
        year=NUMERIC(int, bits=32, shift_step=32),
        rating=NUMERIC(int, bits=32, shift_step=32),
        added=NUMERIC(int, bits=64, shift_step=64),
        words=frequency_field(PLAIN),  # the vocabulary for "did you mean"
        record=COLUMN(VarBytesColumn()),
        **{exact_name(f): exact_field() for f in EXACT_FIELDS},
    )


def fulltext_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True, sortable=True),
        fulltext=text_field_format(TEXT(analyzer=STEMMED)),
        fulltext_exact=exact_field(),
    )


def text_doc(key: str, text: str) -> dict[str, str]:
    """The full-text index's document of a paper's PDF text."""
    return {"key": key, FULLTEXT: text, exact_name(FULLTEXT): text}


class Storage(FileStorage):  # type: ignore[misc]
    """Whoosh's file storage, with temp folders of each process's own.

    A Whoosh writer keeps its temp files in a folder named after the index
    ("fulltext.tmp") and deletes it when done: the worker processes of a rebuild, writing
    at the same time, would delete each other's files. (Within one process the name must
    stay the same: a writer and its per-document writer share the folder.)
    """

    def temp_storage(self, name: str | None = None) -> FileStorage:
        """The folder made here, not by Whoosh's ``FileStorage.create``: the second writer
        to ask for it (the per-document writer of every writer) found it there, and
        ``create`` kept the error in a local variable. The error's traceback held that
        frame, which held the frames of its callers, with their locals, up to the code
        that wrote (``writing.write_prepared``): the writer, its postings and its terms'
        hash tables (~80,000 objects for 1,000 records) stayed in memory as cyclic garbage
        after every commit, until the collector walked them all (up to ~140 ms, in
        whichever thread it ran: the UI thread waits for the GIL meanwhile). Nor are
        the folders above it made again: a worker left at work by a killed app does not
        bring back the scratch index the next run removed (:mod:`.texts`)."""
        path = os.path.join(self.folder, f"{name or 'temp'}-{os.getpid()}")
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
        return FileStorage(path)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        """An index file to read, mapped into memory (:class:`MappedFile`); an empty
        one (it cannot be mapped) opened as Whoosh does."""
        path = self._fpath(name)
        try:
            if os.path.getsize(path) > 0:
                return MappedFile(path, name, **kwargs)
        except (OSError, ValueError):
            pass
        return super().open_file(name, **kwargs)


class MappedFile(StructFile):  # type: ignore[misc]
    """A finished index file, read through a memory map.

    Whoosh reads terms and postings by seeking and reading a few bytes at a time: through
    a buffered file each costs a system call (~25 µs each on a small VM, a third of the
    first search for a common word); from a map it is a slice. Index files never change
    once written (a rebuild writes a new folder), and a file that is shorter than recorded
    is found before it is opened (:func:`check_files`).
    """

    def __init__(self, path: str, name: str, **kwargs: Any) -> None:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        super().__init__(mapped, name=name, **kwargs)
        # The map's own methods, not StructFile's that pass each call on to them: opening a
        # segment reads its terms' directory 8 bytes at a time (256 reads), and a search at
        # 10,000 papers opens ~40 segments.
        self.read, self.seek, self.tell = mapped.read, mapped.seek, mapped.tell

    def get(self, position: int, length: int) -> bytes:
        return self.file[position : position + length]  # type: ignore[no-any-return]


class _TermsTable(filetables.OrderedHashReader):  # type: ignore[misc]
    """A segment's table of terms (Whoosh's ordered hash file), its directory of 256 hash
    tables read in one slice: Whoosh reads it 12 bytes at a time, 256 reads a segment
    (~2 ms of a search in a new process, which opens ~40 segments at 10,000 papers)."""

    def __init__(self, dbfile: Any, length: int) -> None:
        self.dbfile, self.startoffset, self.is_closed = dbfile, 0, False
        dbfile.seek(0)
        if dbfile.read(4) != b"HSH3":
            raise filetables.FileFormatError(f"{dbfile}: not a Whoosh hash file")
        self.hashtype = dbfile.read_byte()
        self.hashfn = filetables._hash_functions[self.hashtype]
        dbfile.read_int()  # (two ints Whoosh keeps for later versions)
        dbfile.read_int()
        self.startofdata = dbfile.tell()
        end = length - _INT_SIZE  # (the extras' length is the last int)
        extras = end - dbfile.get_int(end)
        dbfile.seek(extras)
        self._read_extras()
        size = filetables._directory_size
        entries = dbfile.get(extras - size, size)
        self.tables = list(filetables._dir_entry.iter_unpack(entries))
        self.endofdata = self.tables[0][0]


class TermsReader(W3TermsReader):  # type: ignore[misc]
    """Whoosh 3's terms reader over a :class:`_TermsTable`."""

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        self._tindex = _TermsTable(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, num in self._fieldmap.items():
            self._fieldunmap[num] = fieldname


def terms_reader(codec: Any, storage: Any, segment: Any) -> TermsReader:
    """A segment's terms, as ``W3Codec.terms_reader`` opens them (:class:`TermsReader`)."""
    name = segment.make_filename(codec.TERMS_EXT)
    length = storage.file_length(name)
    return TermsReader(
        codec, storage.open_file(name), length, segment.open_file(storage, codec.POSTS_EXT)
    )


def read_pointer(cache_dir: Path) -> dict[str, Any] | None:
    """What CURRENT says (None when it is missing or unreadable)."""
    try:
        data = json.loads((cache_dir / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def record_files(folder: Path) -> None:
    """Note every index file's size, so a truncated one is found on the next open.

    An index file never changes once written (segments are named at random, a table of
    contents by its generation), so the sizes noted before are kept and only the files new
    since are looked at: after an edit, a few of the hundreds there (a stat of each again
    took 2-8 ms of a tag change with 10,000 papers on a loaded machine)."""
    noted = _noted(folder)
    sizes: dict[str, int] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.endswith("WRITELOCK") or name.startswith(".") or name == FILES:
                continue
            size = noted.get(name)
            if size is None:
                if not entry.is_file():
                    continue
                size = entry.stat().st_size
            sizes[name] = size
    path = folder / FILES
    atomic_write_bytes(path, json.dumps(sizes).encode("utf-8"), durable=False)
    _last_noted.clear()  # (one folder's: the one written to now)
    with contextlib.suppress(OSError):
        _last_noted[folder] = (_signature(path), sizes)


#: The sizes this process noted last, by index folder, with the signature of the file they
#: were written to (:func:`_signature`): read again only when another process wrote it.
#: (A stale one would do no harm either: a name noted keeps its size, index files never
#: change; names gone are left out, and new ones are looked at.)
_last_noted: dict[Path, tuple[tuple[int, int, int], dict[str, int]]] = {}


def _signature(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _noted(folder: Path) -> dict[str, int]:
    """The sizes :func:`record_files` noted last (none if unreadable)."""
    path = folder / FILES
    last = _last_noted.pop(folder, None)
    try:
        if last is not None and last[0] == _signature(path):
            return last[1]
        sizes = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(sizes, dict):
        return {}
    return {k: v for k, v in sizes.items() if isinstance(k, str) and type(v) is int}


def check_files(folder: Path) -> str | None:
    """What is wrong with the index files (missing, shorter or longer than recorded)."""
    try:
        sizes = json.loads((folder / FILES).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{FILES} missing"
    except (OSError, ValueError) as e:
        return f"{FILES} unreadable: {e}"
    if not isinstance(sizes, dict):
        return f"{FILES} unreadable"
    base = os.fspath(folder)  # (a stat by a joined string: half the time of a Path's)
    for name, size in sizes.items():
        try:
            actual = os.stat(os.path.join(base, name)).st_size
        except FileNotFoundError:
            return f"{name} missing"
        if actual != size:
            return f"{name} is {actual} bytes, {size} expected"
    return None
