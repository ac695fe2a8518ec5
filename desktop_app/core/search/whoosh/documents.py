"""Per-paper documents: what the index keeps of a paper and how it is made from its folder.

Each paper has a document in the ``papers`` index (metadata, tags, status, notes,
annotations, filters) carrying, in a column, its :class:`Entry`: the record a list row shows
(:class:`PaperSummary`) and the fingerprint of the paper's files (name, size, mtime of
paper.json, notes.md, annotations.json and the PDF), which a sync compares with the folder.
An annotation changed is a change of the ``papers`` document only: the PDF is not read. A
paper's PDF text goes into the ``fulltext`` index, from the text cache
(:mod:`desktop_app.core.pdf.text`).
:class:`Views` derives from the entries what sorting and counting look up per paper.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import json
import logging
import marshal
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core import textfiles
from desktop_app.core.annotations.model import Annotation
from desktop_app.core.annotations.store import ANNOTATIONS_FILE, read_file
from desktop_app.core.errors import DamagedFile, PaperNotFound
from desktop_app.core.library import NOTES_FILE, PAPER_FILE, Library
from desktop_app.core.paper import Paper, parse_time
from desktop_app.core.pdf.text import PdfText, file_sha256, load_cached
from desktop_app.core.search.api import PaperSummary, SortOrder
from desktop_app.core.search.whoosh.analysis import exact_name, join_keywords
from desktop_app.core.search.whoosh.store import EXACT_FIELDS
from desktop_app.core.words import collation, title_sort_key

log = logging.getLogger(__name__)

#: Reads a PDF's text (the PDF, its SHA-256, whether to read a failed one again).
Extract = Callable[[Path, str, bool], PdfText]


@dataclass(frozen=True)
class Entry:
    """A paper as indexed: its list row and the state of its files and text."""

    summary: PaperSummary
    stamp: str  # fingerprint of paper.json, notes.md and the PDFs in the folder
    pdf_stamp: str = ""  # fingerprint of the PDF the text was taken from
    text_sha: str = ""  # SHA-256 of that PDF
    #: none | ok | failed | pending (written by a first build's first phase: its abstract and
    #: its PDF's text are indexed by the second, see :func:`prepare`)
    text_state: str = "none"
    text_error: str | None = None
    text_pages: int = 0
    #: Its place in the digest that brought it (0: none): ties of ``added`` break by it.
    digest_position: int = 0

    def to_bytes(self) -> bytes:
        data = {
            "s": dict(vars(self.summary)),  # its fields are flat: asdict's deep copy is slow
            "stamp": self.stamp,
            "pdf": self.pdf_stamp,
            "sha": self.text_sha,
            "text": self.text_state,
            "err": self.text_error,
            "pages": self.text_pages,
            "pos": self.digest_position,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Entry:
        data = json.loads(raw)
        s = data["s"]
        for name in ("authors", "tags", "categories"):
            s[name] = tuple(s[name])
        return cls(
            summary=PaperSummary(**s),
            stamp=data["stamp"],
            pdf_stamp=data["pdf"],
            text_sha=data["sha"],
            text_state=data["text"],
            text_error=data["err"],
            text_pages=data["pages"],
            digest_position=data.get("pos", 0),
        )


@dataclass
class Prepared:
    """One paper's documents, made ready outside the writers' lock."""

    key: str
    entry: Entry | None = None  # None: remove the paper from the index
    doc: dict[str, Any] | None = None
    #: the SHA-256 of the PDF whose cached text to index; "" to remove it; None: leave it
    text_from: str | None = None


@dataclass(frozen=True)
class Columns:
    """What :class:`Views` derive from every record, as lists in the records' order: kept
    beside the records in the records file (:mod:`.records`), so that a new process
    derives its views without decoding every record."""

    keys: list[str]
    by_newest: list[str]  # the papers, the one added last first (:func:`newest_order`)
    year: list[int]  # 0: none
    tags: list[tuple[str, ...]]
    status: list[str]
    pending: int  # papers whose document is not whole yet
    #: Reads every title's sort key (:func:`title_sort_key`) under ``collation``
    #: (:func:`words.collation`) as marshal data (None when damaged), when a sort by title
    #: asks; None when not at hand.
    titles: Callable[[], bytes | None] | None = None
    collation: str = ""

    @classmethod
    def of(cls, entries: Mapping[str, Entry]) -> Columns:
        summaries = [e.summary for e in entries.values()]
        return cls(
            keys=list(entries),
            by_newest=newest_order(entries),
            year=[s.year or 0 for s in summaries],
            tags=[s.tags for s in summaries],
            status=[s.status for s in summaries],
            pending=sum(1 for e in entries.values() if e.text_state == PENDING),
        )

    def titles_under(self, now: str) -> bytes | None:
        """The stored titles' sort keys (:attr:`titles`) when made under the collation
        ``now`` and readable; else None."""
        if self.titles is None or self.collation != now:
            return None
        return self.titles()


#: Past this many papers read at once, the records are read as a plain dict.
MANY = 256


class _Summaries(Mapping[str, PaperSummary]):
    """Every paper's list row, read through its record (made when first asked for:
    :class:`.records.Records`)."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries

    def __getitem__(self, key: str) -> PaperSummary:
        return self.entries[key].summary

    def _many(self, n: int) -> Mapping[str, Entry]:
        """The entries, as a plain dict (``Records.plain``) when ``n`` of them are read:
        a lookup through two methods per paper costs ~4 ms over 10,000 hits."""
        plain = getattr(self.entries, "plain", None)
        return plain() if plain is not None and n > MANY else self.entries

    def of(self, keys: Sequence[str]) -> list[PaperSummary]:
        """The list rows of ``keys``, in their order."""
        entries = self._many(len(keys))
        return [entries[k].summary for k in keys]

    def pairs(self) -> Iterator[tuple[str, PaperSummary]]:
        """Every paper's key and list row."""
        return ((k, e.summary) for k, e in self._many(len(self)).items())

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class Views:
    """What sorting and counting look up per paper, derived from the entries once."""

    newest: dict[str, int]  # 0 for the paper added last
    by_newest: list[str]  # the papers, the one added last first
    tags: dict[str, tuple[str, ...]]
    status: dict[str, str]
    summary: _Summaries  # through the entries, which stay in step
    pending: int  # papers whose document is not whole yet (their PDF text is indexed next)
    #: What the years and the counts over every paper (made when first asked: a search
    #: with few hits sorted by relevance never does) are made from.
    columns: Columns = field(repr=False)
    #: range field -> paper -> value (None: none indexed), made when a range asks
    numbers: dict[str, dict[str, int | None]] = field(default_factory=dict)
    #: sort order -> every paper in that order, newest first among equals; made when a
    #: sort asks (sorting 5,000 titles anew cost each query sorted by title ~4 ms)
    orders: dict[SortOrder, list[str]] = field(default_factory=dict)
    #: The titles' sort keys as the records file keeps them (:attr:`Columns.titles`), until
    #: :attr:`title` is made from them or a record changes.
    stored_titles: Columns | None = field(default=None, repr=False)

    @classmethod
    def of(cls, entries: Mapping[str, Entry], columns: Columns | None = None) -> Views:
        """The views of ``entries``; from ``columns``, their columns, when at hand (else
        derived from every entry)."""
        c = columns or Columns.of(entries)
        return cls(
            newest={k: i for i, k in enumerate(c.by_newest)},
            by_newest=list(c.by_newest),
            tags=dict(zip(c.keys, c.tags, strict=True)),
            status=dict(zip(c.keys, c.status, strict=True)),
            summary=_Summaries(entries),
            pending=c.pending,
            columns=c,
            stored_titles=c if c.titles is not None else None,
        )

    # Made from the columns, before any record is replaced (:meth:`replace` takes each in).

    @functools.cached_property
    def year(self) -> dict[str, int]:
        return dict(zip(self.columns.keys, self.columns.year, strict=True))

    @functools.cached_property
    def all_tags(self) -> Counter[str]:  # over every paper
        return Counter(itertools.chain.from_iterable(self.columns.tags))

    @functools.cached_property
    def all_status(self) -> Counter[str]:
        return Counter(self.columns.status)

    @functools.cached_property
    def title(self) -> dict[str, str]:
        """Every title's sort key (:func:`title_sort_key`), made when a sort by title asks:
        from the records file when it keeps them under the collation in use (~1 ms for
        10,000 papers), else from every title (15-20 ms, which a search in a new process
        would pay for nothing)."""
        c, self.stored_titles = self.stored_titles, None
        titles = c.titles_under(collation()) if c is not None else None
        if c is not None and titles is not None:
            return dict(zip(c.keys, marshal.loads(titles), strict=True))
        return {k: title_sort_key(s.title) for k, s in self.summary.pairs()}

    def replace(self, key: str, old: Entry | None, new: Entry | None) -> bool:
        """Take in one paper's new record; False when the views must be derived anew (a
        paper added or removed, or its date added changed: the order by date moves)."""
        if old is None or new is None or old.summary.added != new.summary.added:
            return False
        before, after = old.summary, new.summary
        self.year[key] = after.year or 0
        if "title" in self.__dict__:  # (made: kept in step)
            self.title[key] = title_sort_key(after.title)
        else:
            self.stored_titles = None  # (of the records before: made from the titles)
        self.tags[key] = after.tags
        self.status[key] = after.status
        self.numbers.clear()
        self.pending += (new.text_state == PENDING) - (old.text_state == PENDING)
        for sort, order in self.orders.items():
            if sort in _ORDER_KEYS:  # the paper moves to its new place
                order.remove(key)
                bisect.insort(order, key, key=_ORDER_KEYS[sort](self))
        for counter, gone, come in (
            (self.all_tags, before.tags, after.tags),
            (self.all_status, (before.status,), (after.status,)),
        ):
            counter.subtract(gone)
            counter.update(come)
            for name in gone:
                if counter[name] <= 0:
                    del counter[name]
        return True

    def values(self, name: str) -> dict[str, int | None] | None:
        """Every paper's value of a range field as the index holds it (None for a field
        the records do not carry)."""
        found = self.numbers.get(name)
        if found is None:
            if name == "year":
                found = {k: s.year for k, s in self.summary.pairs()}
            elif name == "rating":
                found = {k: s.rating for k, s in self.summary.pairs()}
            elif name == "added":
                found = {k: _epoch(s.added) for k, s in self.summary.pairs()}
            else:
                return None
            self.numbers[name] = found
        return found

    def in_order(self, sort: SortOrder) -> list[str]:
        """Every paper, in the order asked for (newest first among equals)."""
        found = self.orders.get(sort)
        if found is None:
            # Stable sorts of the newest-first list (the order of _ORDER_KEYS, twice faster).
            if sort in _ORDER_KEYS:
                found = _sort_newest_first(list(self.by_newest), self, sort)
            else:
                found = self.by_newest
            self.orders[sort] = found
        return found

    def counts(self, keys: list[str]) -> tuple[Counter[str], Counter[str]]:
        """Papers per tag and per status among ``keys`` (counting the fewer of the keys or
        the others: a broad query matches most of the library)."""
        if 2 * len(keys) <= len(self.status):
            tags = Counter(itertools.chain.from_iterable(map(self.tags.__getitem__, keys)))
            return tags, Counter(map(self.status.__getitem__, keys))
        matched = set(keys)
        others = [k for k in self.status if k not in matched]
        tags = self.all_tags - Counter(
            itertools.chain.from_iterable(map(self.tags.__getitem__, others))
        )
        return tags, self.all_status - Counter(map(self.status.__getitem__, others))


def cached_text(sha: str) -> str | None:
    """A PDF's text from the text cache, pages separated by form feeds."""
    cached = load_cached(sha)
    if cached is None or not cached.ok:
        log.warning("the cached text of PDF %s is gone; its text is not indexed", sha[:12])
        return None
    return cached.text


def fingerprint(folder: Path) -> str:
    """Name, size and mtime of a paper folder's paper.json, notes.md and PDFs; "" if gone."""
    return _stamped(folder)[0]


def _stamped(folder: Path) -> tuple[str, set[str]]:
    """The folder's :func:`fingerprint`, and the names of the files it stamps."""
    parts: list[str] = []
    names: set[str] = set()
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                name = e.name
                if name in _STAMPED or name.lower().endswith(".pdf"):
                    with contextlib.suppress(FileNotFoundError):
                        st = e.stat()
                        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
                        names.add(name)
    except (FileNotFoundError, NotADirectoryError):
        return "", names
    parts.sort()
    return "|".join(parts), names


_STAMPED = (PAPER_FILE, NOTES_FILE, ANNOTATIONS_FILE)
#: The text state of a paper whose PDF's text is still to be indexed (``defer_text``).
PENDING = "pending"


def _annotations(folder: Path) -> list[Annotation]:
    """The paper's annotations (none when the file is damaged: it is reported where used)."""
    try:
        return read_file(folder / ANNOTATIONS_FILE).live
    except DamagedFile as e:
        log.warning("annotations not indexed: %s", e)
        return []


def _file_stamp(path: Path) -> str:
    st = path.stat()
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"


def _epoch(iso: str) -> int | None:
    when = parse_time(iso)
    return int(when.timestamp()) if when is not None else None


def _tag_values(tags: Iterable[str]) -> set[str]:
    """Each tag and its ancestors (``ml/rag`` is found by ``tag:ml`` too)."""
    values: set[str] = set()
    for tag in tags:
        parts = tag.split("/")
        for i in range(1, len(parts) + 1):
            values.add("/".join(parts[:i]))
    return values


def _categories(cats: Iterable[str]) -> set[str]:
    """Each category and its archive (``cs.IR`` is found by ``cat:cs`` too)."""
    values: set[str] = set()
    for cat in cats:
        values.add(cat)
        if "." in cat:
            values.add(cat.split(".", 1)[0])
    return values


def _summary(paper: Paper, has_notes: bool, text_pages: int, annotations: int) -> PaperSummary:
    return PaperSummary(
        key=paper.key,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=tuple(paper.authors),
        year=paper.year,
        status=paper.status.value,
        tags=tuple(paper.tags),
        added=paper.added,
        rating=paper.rating,
        pdf_state=paper.pdf_state.value,
        has_notes=has_notes,
        last_page=paper.last_page,
        page_count=paper.page_count or (text_pages or None),
        categories=tuple(paper.categories),
        metadata_state=paper.metadata_state.value,
        annotations=annotations,
    )


def _paper_doc(
    paper: Paper, notes: str, entry: Entry, marks: list[Annotation], slim: bool = False
) -> dict[str, Any]:
    """The papers index's document; ``slim`` (a first build's first phase) leaves out the
    abstract and the vocabulary of "did you mean", most of a record's indexing time, and
    the numeric fields (ranges are looked up in the records: ``Views.values``); the second
    phase writes the whole document."""
    ids = {paper.key}
    if paper.arxiv_id:
        ids.add(paper.arxiv_id)
        if paper.arxiv_version:
            ids.add(f"{paper.arxiv_id}v{paper.arxiv_version}")
    if paper.doi:
        ids.add(paper.doi)
    has = set()
    if notes.strip():
        has.add("notes")
    if entry.pdf_stamp:
        has.add("pdf")
    if entry.text_state == "ok":
        has.add("text")
    if paper.tags:
        has.add("tags")
    if paper.rating:
        has.add("rating")
    if marks:
        has.add("annotations")
    # One block per annotation, in page order: its text, then its comment.
    blocks = [f"{a.text}\n{a.comment}".strip() for a in marks]
    marked = "\f".join(blocks)
    tag_words = " ".join(t.replace("/", " ") for t in paper.tags)
    doc: dict[str, Any] = {
        "key": paper.key,
        "id": join_keywords(ids),
        "title": paper.title,
        "author": "\n".join(paper.authors),
        "tags_text": tag_words,
        "abstract": paper.abstract,
        "note": notes,
        "annotation": marked,
        "annotation_pages": [a.page for a in marks],
        "tag": join_keywords(_tag_values(paper.tags)),
        "cat": join_keywords(_categories(paper.categories)),
        "status": paper.status.value,
        "has": join_keywords(has),
        "pdf": paper.pdf_state.value,
        "rating": paper.rating,
        "words": "\n".join(
            [paper.title, *paper.authors, paper.abstract, tag_words, notes, *blocks]
        ),
        "record": entry.to_bytes(),
    }
    if slim:
        del doc["abstract"], doc["words"], doc["rating"]
    for name in EXACT_FIELDS:
        if name in doc:
            doc[exact_name(name)] = doc[name]
    if paper.year is not None and not slim:
        doc["year"] = paper.year
    added = _epoch(paper.added)
    if added is not None and not slim:
        doc["added"] = added
    return doc


def prepare(
    library: Library,
    key: str,
    old: Entry | None,
    extract: Extract,
    retry_failed: bool = False,
    defer_text: bool = False,
    defer_without_pdf: bool = True,
) -> Prepared:
    """One paper's documents as its folder holds them now (``old``: what the index holds;
    its text is taken over while the PDF is the same, a text still pending included).

    With ``defer_text`` (the first phase of a build) the PDF is neither hashed nor read and
    the document is slim (:func:`_paper_doc`): the paper is "pending", its whole document
    and its text written by the second phase (:meth:`WhooshIndex.index_texts`). Without
    ``defer_without_pdf``, a paper without a PDF, which has no text to wait for, is written
    whole at once (a build that completes its second phase before it returns: a second
    phase writing every record of a bibliography again made a records-only rebuild of
    10,000 papers take twice as long)."""
    folder = library.paper_dir(key)
    # Before reading: a change made meanwhile shows next time (and a notes.md or
    # annotations.json not there then is not looked for: its coming changes the stamp).
    stamp, there = _stamped(folder)
    try:
        paper = library.read(key)
    except PaperNotFound:
        return Prepared(key)
    except DamagedFile as e:
        log.warning("not indexed: %s", e)
        return Prepared(key)
    notes = ""
    if NOTES_FILE in there:
        try:
            notes = textfiles.read_text(folder / NOTES_FILE)
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("%s: notes not indexed: %s", folder / NOTES_FILE, e)
    marks = _annotations(folder) if ANNOTATIONS_FILE in there else []
    text_from: str | None = None
    pdf = library.pdf_path(paper)
    pdf_stamp = _file_stamp(pdf) if pdf else ""
    defer_text = defer_text and (pdf is not None or defer_without_pdf)
    if defer_text:
        sha, state, error, pages = "", PENDING, None, 0
    elif pdf is None:
        sha, state, error, pages = "", "none", None, 0
        text_from = "" if old is not None and old.text_state == "ok" else None
    elif old is not None and old.pdf_stamp == pdf_stamp:
        sha, state, error, pages = old.text_sha, old.text_state, old.text_error, old.text_pages
    else:
        sha = file_sha256(pdf)
        if old is not None and old.text_sha == sha:
            state, error, pages = old.text_state, old.text_error, old.text_pages
        else:
            result = extract(pdf, sha, retry_failed)
            state = "ok" if result.ok else "failed"
            error, pages = result.error, result.page_count
            text_from = sha if result.ok else ""
    entry = Entry(
        summary=_summary(paper, bool(notes.strip()), pages, len(marks)),
        stamp=stamp,
        pdf_stamp=pdf_stamp,
        text_sha=sha,
        text_state=state,
        text_error=error,
        text_pages=pages,
        digest_position=paper.digest_position,
    )
    return Prepared(key, entry, _paper_doc(paper, notes, entry, marks, defer_text), text_from)


def newest_order(entries: Mapping[str, Entry]) -> list[str]:
    """Every paper, the one added last first; papers added in the same second (a digest's)
    in the digest's order, then by key: the same order every time, whatever order the index
    holds them in (it moves a paper to its end when it is indexed again)."""
    ordered = sorted(entries, key=lambda k: (entries[k].digest_position, k))
    ordered.sort(key=lambda k: entries[k].summary.added, reverse=True)  # stable
    return ordered


#: The sort orders kept by :meth:`Views.in_order`: each one's key of a paper (the newest
#: first among equals).
_ORDER_KEYS: dict[SortOrder, Callable[[Views], Callable[[str], tuple[Any, int]]]] = {
    SortOrder.YEAR: lambda v: lambda k: (-v.year[k], v.newest[k]),
    SortOrder.TITLE: lambda v: lambda k: (v.title[k], v.newest[k]),
}


def newest_first(scores: dict[str, float], views: Views) -> list[str]:
    """The papers of ``scores`` (those in the index), the one added last first: newest first
    breaks every tie of the sorts after (they are stable)."""
    if 4 * len(scores) >= len(views.by_newest):  # most papers: one pass beats a sort
        return list(filter(scores.__contains__, views.by_newest))
    return sorted(filter(views.newest.__contains__, scores), key=views.newest.__getitem__)


def sorted_keys(scores: dict[str, float], views: Views, sort: SortOrder) -> list[str]:
    """The papers of ``scores`` (those in the index) in the order asked for, newest first
    among equals."""
    if sort != SortOrder.RELEVANCE and 4 * len(scores) >= len(views.by_newest):
        # Most papers: one pass over every paper in that order beats a sort.
        return list(filter(scores.__contains__, views.in_order(sort)))
    keys = newest_first(scores, views)
    if sort == SortOrder.RELEVANCE:
        keys.sort(key=scores.__getitem__, reverse=True)
        return keys
    return _sort_newest_first(keys, views, sort)


def _sort_newest_first(keys: list[str], views: Views, sort: SortOrder) -> list[str]:
    """``keys``, newest first, sorted in place into the order ``sort`` asks for (stable:
    newest first among equals); by year or by title, else left as they are."""
    if sort == SortOrder.YEAR:
        keys.sort(key=views.year.__getitem__, reverse=True)
    elif sort == SortOrder.TITLE:
        keys.sort(key=views.title.__getitem__)
    return keys
