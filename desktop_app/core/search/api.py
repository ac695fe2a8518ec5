"""The search interface the CLI and the GUI use; the Whoosh index (search/whoosh/) implements it.

Keeping the engine behind this small interface (add/update, delete, search, rebuild) lets it
be swapped. Results carry a :class:`PaperSummary` per hit with every field a list shows, so
listing 10,000 papers never reads 10,000 paper.json files.

Query syntax (documented in the README and ``papershelf search --help``):
free text; ``title:`` ``author:`` ``abstract:`` ``tag:`` ``status:`` ``cat:`` ``year:2025``
``year:2020..2025`` ``note:`` ``fulltext:``; ``"phrases"``, ``prefix*``, ``fuzzy~``;
``AND`` ``OR`` ``NOT`` ``-term``, parentheses; and the filters ``has:notes``, ``has:pdf``,
``pdf:pending|done|failed``, ``added:7d`` (added in the last 7 days; also ``30d``, ``1y``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, overload

from desktop_app.core.progress import Progress

#: Markers around matched words in :attr:`Snippet.text` (plain text, for the CLI).
HIGHLIGHT_START = "\x1b[1m"
HIGHLIGHT_END = "\x1b[0m"


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    ADDED = "added"  # newest first
    YEAR = "year"  # newest first
    TITLE = "title"  # A to Z


@dataclass(frozen=True)
class PaperSummary:
    """What a list row shows of a paper, as stored in the index."""

    key: str
    arxiv_id: str | None
    title: str
    authors: tuple[str, ...]
    year: int | None
    status: str
    tags: tuple[str, ...]
    added: str
    rating: int
    pdf_state: str
    has_notes: bool
    last_page: int
    page_count: int | None
    categories: tuple[str, ...] = ()
    annotations: int = 0  # highlights, notes and areas (annotations.json)
    metadata_state: str = "none"  # FetchState of the paper's arXiv metadata

    @property
    def fetch_failed(self) -> bool:
        """Its metadata or its PDF could not be fetched (the "Fetch failed" view)."""
        return "failed" in (self.pdf_state, self.metadata_state)


@dataclass(frozen=True)
class Snippet:
    """A piece of text around matched words.

    ``html`` is escaped HTML with matches in ``<b>`` (for Qt widgets); ``text`` is plain
    with matches between HIGHLIGHT_START and HIGHLIGHT_END. ``page`` (1-based) is set for
    full-text and annotation snippets.
    """

    field: str
    html: str
    text: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    summary: PaperSummary
    score: float
    snippets: tuple[Snippet, ...] = ()

    @property
    def key(self) -> str:
        return self.summary.key


_set_summary = Hit.__dict__["summary"].__set__  # the slots' descriptors
_set_score = Hit.__dict__["score"].__set__
_set_snippets = Hit.__dict__["snippets"].__set__


def _make_hits(summaries: Iterable[PaperSummary], scores: Iterable[float]) -> Iterator[Hit]:
    """Hits without snippets, made through their slots: a frozen dataclass's __init__
    goes through object.__setattr__ per field, twice as slow."""
    new = object.__new__
    for summary, score in zip(summaries, scores, strict=True):
        hit = new(Hit)
        _set_summary(hit, summary)
        _set_score(hit, score)
        _set_snippets(hit, ())
        yield hit


class HitList(Sequence[Hit]):
    """Hits without snippets, each made when it is looked at: a search answers with every
    paper it matches (10,000 of them), and a list shows their :attr:`summaries` only."""

    __slots__ = ("scores", "summaries")

    def __init__(self, summaries: list[PaperSummary], scores: list[float]) -> None:
        self.summaries = summaries
        self.scores = scores

    def __len__(self) -> int:
        return len(self.summaries)

    @overload
    def __getitem__(self, i: int) -> Hit: ...

    @overload
    def __getitem__(self, i: slice) -> list[Hit]: ...

    def __getitem__(self, i: int | slice) -> Hit | list[Hit]:
        if isinstance(i, slice):
            return list(_make_hits(self.summaries[i], self.scores[i]))
        return Hit(self.summaries[i], self.scores[i])

    def __iter__(self) -> Iterator[Hit]:
        return _make_hits(self.summaries, self.scores)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HitList({len(self)} hits)"


@dataclass
class SearchResults:
    """One page of results with the counts the sidebar shows for the whole query."""

    query: str
    hits: Sequence[Hit]
    total: int
    tag_counts: dict[str, int] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", set when nothing matched
    terms: tuple[str, ...] = ()  # the words the query matched on, for highlighting
    #: Papers whose PDF text (and abstract) is not indexed yet, when the query reads them
    #: (a build's second phase is under way): more hits may come.
    texts_pending: int = 0

    @property
    def summaries(self) -> Sequence[PaperSummary]:
        """The papers of the hits, in order (without making a Hit of each)."""
        if isinstance(self.hits, HitList):
            return self.hits.summaries
        return [h.summary for h in self.hits]


#: The reason of a rebuild that built an index where there was none: no news to a user.
FIRST_BUILD = "no index yet"


@dataclass
class SyncReport:
    """What a scan of the library folder changed in the index."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    rebuilt: bool = False
    reason: str | None = None  # why a full rebuild happened (missing, corrupt, old schema)
    #: Papers whose PDF text (and abstract) is still to be indexed: a build's second phase
    #: (``SearchIndex.index_texts``) was left to the background or is under way elsewhere.
    texts_pending: int = 0

    @property
    def rebuilt_for_a_reason(self) -> bool:
        """A rebuild worth a word to the user: a damaged or outdated index, not a first build."""
        return self.rebuilt and bool(self.reason) and self.reason != FIRST_BUILD


@dataclass(frozen=True)
class IndexStats:
    """Coverage of the index, for ``papershelf stats``."""

    papers: int
    pdfs: int  # papers with a PDF file
    pdfs_indexed: int  # ... whose text is in the index
    failures: list[tuple[str, str]]  # (key, reason) of PDFs whose text could not be read
    pending: int  # papers whose PDF is queued for download
    index_bytes: int
    index_dir: Path


class SearchIndex(Protocol):
    """The search engine behind the CLI and the GUI."""

    def search(
        self,
        query: str = "",
        *,
        sort: SortOrder = SortOrder.RELEVANCE,
        limit: int | None = None,
        snippets: bool = False,
        stale_ok: bool = False,
    ) -> SearchResults:
        """Run a query (empty: everything). Raises QueryError for a malformed query. With
        ``stale_ok``, an index of an older version is searched while a sync replaces it."""
        ...

    def searchable(self) -> bool:
        """An index can be searched now (perhaps an older one: ``stale_ok``)."""
        ...

    def fulltext_hits(self, key: str, query: str, limit: int = 20) -> list[Snippet]:
        """The full-text matches of ``query`` in one paper's PDF, each with its page."""
        ...

    def more_like_this(self, key: str, limit: int = 10) -> list[Hit]: ...

    def update(self, key: str) -> None:
        """Re-read one paper from the library and index it (its PDF text only if changed)."""
        ...

    def update_many(self, keys: Sequence[str], progress: Progress | None = None) -> None:
        """Bring these papers in step with their folders (gone ones leave the index), in a
        few batched commits."""
        ...

    def delete(self, key: str) -> None: ...

    def sync(
        self,
        progress: Progress | None = None,
        *,
        quick: bool = False,
        built: Callable[[], None] | None = None,
    ) -> SyncReport:
        """Bring the index in step with the library folder (rebuilding it when needed);
        ``quick``: from cheap signals only (the change journal, the papers folder's mtime),
        not a look at every paper folder; ``built``: called once a rebuild's first phase
        is live (the index can be searched), before the rest."""
        ...

    def rebuild(
        self, progress: Progress | None = None, *, retry_failed: bool = False
    ) -> SyncReport: ...

    def stats(self) -> IndexStats:
        """Papers, PDFs, PDFs indexed and the reasons of the failures (``papershelf stats``)."""
        ...

    def texts_pending(self) -> int:
        """Papers whose PDF text (and abstract) a build left to its second phase."""
        ...

    def index_texts(
        self,
        progress: Progress | None = None,
        committed: Callable[[int, int], None] | None = None,
    ) -> int:
        """A build's second phase: index the PDF text of the papers a first build left
        pending, in batches searchable as they come (``committed`` hears each: papers done,
        of how many); the papers still pending."""
        ...

    def close(self) -> None: ...
