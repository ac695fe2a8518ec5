"""The paper record: metadata from arXiv and the reader's own data, as kept in paper.json.

``paper.json`` is a plain JSON object (documented in the README). Keys this version does not
know are kept in ``Paper.extra`` and written back unchanged, so a newer version's data
survives an edit made by an older one.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cache
from typing import Any

from desktop_app.core.arxiv import ids as arxiv_ids
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import InvalidValue

PAPER_FORMAT = "papershelf-paper"
PAPER_FORMAT_VERSION = 1


class Status(StrEnum):
    """The read status. ``new`` is the inbox: arrived with a digest, not triaged yet."""

    NEW = "new"
    UNREAD = "unread"
    READING = "reading"
    READ = "read"

    @classmethod
    def parse(cls, text: str) -> Status:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise InvalidValue(f"unknown status {text!r} (choose one of {choices})") from None

    @property
    def rank(self) -> int:
        """How far along the paper is (used when merging: the furthest status wins)."""
        return list(Status).index(self)


class FetchState(StrEnum):
    """Where a fetch (metadata or PDF) stands."""

    NONE = "none"  # nothing asked for
    PENDING = "pending"  # queued, waits for the network
    DONE = "done"
    FAILED = "failed"


def now_iso() -> str:
    """The current time in UTC, ISO 8601 to the second (``2025-04-07T09:30:00Z``)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(iso: str) -> dt.datetime | None:
    """An ISO 8601 time as written by :func:`now_iso` (or by hand) with its zone, UTC when
    it names none; None when it is not one."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def normalize_tag(tag: str) -> str:
    """Trim a tag and the parts of a hierarchical tag (``" rag / eval "`` -> ``rag/eval``)."""
    parts = [" ".join(p.split()) for p in tag.split("/")]
    return "/".join(p for p in parts if p)


def tag_filter(tag: str) -> Callable[[Iterable[str]], bool]:
    """A test of a paper's tags: whether they hold ``tag`` or a tag below it (``rag`` finds
    ``rag/eval``), case aside."""
    want = normalize_tag(tag).casefold()
    below = want + "/"
    return lambda tags: any(t.casefold() == want or t.casefold().startswith(below) for t in tags)


def slugify(text: str, max_len: int = 40) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "paper"


def local_key(title: str, seed: str = "") -> str:
    """The key of a paper without arXiv ID: ``local-<slug>-<8 hex>``."""
    digest = hashlib.sha256(f"{title}\0{seed}".encode()).hexdigest()[:8]
    return f"local-{slugify(title)}-{digest}"


def pinned_version(aid: ArxivId) -> list[str]:
    """The ``edited`` list of a paper the user added as ``aid``: a version typed by hand
    (``2504.05220v2``) is pinned, and exports cite that version rather than the latest."""
    return ["arxiv_version"] if aid.version is not None else []


@dataclass
class Paper:
    """One paper of the library.

    Dates are ISO 8601 strings: ``published``/``updated`` are days (``2025-04-07``), the
    rest are UTC times. ``edited`` lists metadata fields the user changed by hand; fetched
    metadata never overwrites them.
    """

    key: str
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    categories: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    source: str | None = None
    added: str = field(default_factory=now_iso)
    status: Status = Status.UNREAD
    status_changed: str | None = None
    started: str | None = None
    finished: str | None = None
    tags: list[str] = field(default_factory=list)
    rating: int = 0
    last_page: int = 0
    page_count: int | None = None
    pdf_file: str | None = None
    pdf_state: FetchState = FetchState.NONE
    pdf_error: str | None = None
    metadata_state: FetchState = FetchState.NONE
    metadata_error: str | None = None
    latest_version: int | None = None
    citation_key: str | None = None
    edited: list[str] = field(default_factory=list)
    #: The followed feeds (core.feeds) that brought this paper, by name.
    feeds: list[str] = field(default_factory=list)
    #: When arXiv first reported a DOI or journal reference the paper did not have.
    published_found: str | None = None
    #: Its place in the digest that brought it (1: the first entry; 0: not from a digest).
    #: The papers of one digest share their second added: lists keep the digest's order.
    digest_position: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    # -- identity -------------------------------------------------------------------------

    @property
    def arxiv(self) -> ArxivId | None:
        """The paper's arXiv ID with the version held, or None for a local paper."""
        if not self.arxiv_id:
            return None
        return ArxivId(self.arxiv_id, self.arxiv_version)

    @property
    def year(self) -> int | None:
        if self.published and self.published[:4].isdigit():
            return int(self.published[:4])
        aid = self.arxiv
        return aid.year if aid else None

    @property
    def display_id(self) -> str:
        aid = self.arxiv
        return aid.canonical if aid else self.key

    @property
    def has_update(self) -> bool:
        """A newer arXiv version than the one held is known ("v3 available")."""
        return bool(
            self.latest_version and self.arxiv_version and self.latest_version > self.arxiv_version
        )

    @classmethod
    def from_arxiv(cls, aid: ArxivId, **values: Any) -> Paper:
        return cls(key=aid.key, arxiv_id=aid.id, arxiv_version=aid.version, **values)

    # -- user data ------------------------------------------------------------------------

    def set_status(self, status: Status, when: str | None = None) -> None:
        """Change the status and record when: ``started`` on reading, ``finished`` on read."""
        when = when or now_iso()
        if status == self.status:
            return
        self.status = status
        self.status_changed = when
        if status is Status.READING:
            self.started = self.started or when
            self.finished = None  # reading it again
        if status is Status.READ:
            self.started = self.started or when
            self.finished = when
        if status in (Status.NEW, Status.UNREAD):
            self.finished = None
        if status is Status.UNREAD or status is Status.NEW:
            self.started = None

    def set_rating(self, rating: int) -> None:
        if not 0 <= int(rating) <= 5:
            raise InvalidValue(f"rating {rating} is out of range (0 to 5)")
        self.rating = int(rating)

    def add_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        """Add tags, trimmed; a tag already there in another case is not added twice."""
        have = {t.casefold() for t in self.tags}
        for tag in tags:
            tag = normalize_tag(tag)
            if tag and tag.casefold() not in have:
                self.tags.append(tag)
                have.add(tag.casefold())

    def remove_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        drop = {normalize_tag(t).casefold() for t in tags}
        self.tags = [t for t in self.tags if t.casefold() not in drop]

    def rename_tag(self, old: str, new: str) -> bool:
        """Rename ``old`` (and its children ``old/...``) to ``new``; True when anything changed.

        Renaming onto a tag the paper already has merges the two.
        """
        old_cf = normalize_tag(old).casefold()
        new = normalize_tag(new)
        changed = False
        result: list[str] = []
        for tag in self.tags:
            cf = tag.casefold()
            if cf == old_cf:
                tag, changed = new, True
            elif cf.startswith(old_cf + "/"):
                tag, changed = new + tag[len(old_cf) :], True
            result.append(tag)
        if changed:
            self.tags = []
            self.add_tags(result)
        return changed

    # -- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of paper.json: a copy that shares no list with the paper.

        (Library.update compares this before and after a change made in place, such as a
        tag appended: shared lists would hide the change.)
        """
        data: dict[str, Any] = copy.deepcopy(self.extra)
        data["format"] = PAPER_FORMAT
        data["format_version"] = PAPER_FORMAT_VERSION
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, list):
                value = list(value)
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """Build a paper from paper.json's object; raises ValueError/TypeError on bad shape."""
        if not isinstance(data, dict):
            raise TypeError("paper.json must hold a JSON object")
        known, checked = _paper_fields()
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for k, v in data.items():
            if k in known:
                values[k] = v
            elif k not in ("format", "format_version"):
                extra[k] = v
        if not isinstance(values.get("key"), str) or not values["key"]:
            raise ValueError("missing 'key'")
        values["status"] = Status.parse(str(values.get("status", "unread")))
        values["pdf_state"] = FetchState(values.get("pdf_state", "none"))
        values["metadata_state"] = FetchState(values.get("metadata_state", "none"))
        for list_field in ("authors", "categories", "tags", "edited", "feeds"):
            v = values.get(list_field, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise TypeError(f"{list_field!r} must be a list of strings")
            values[list_field] = list(v)
        for int_field in ("rating", "last_page", "digest_position"):
            values[int_field] = _whole(int_field, values.get(int_field) or 0)
        values["rating"] = min(max(values["rating"], 0), 5)  # edited by hand out of range
        for int_field in ("page_count", "arxiv_version", "latest_version"):
            if values.get(int_field) is not None:
                values[int_field] = _whole(int_field, values[int_field])
        for name in ("title", "abstract"):
            if values.get(name) is None:
                values[name] = ""
        if values.get("arxiv_id") is not None:
            _arxiv_fields(values)
        for name, kind in checked:
            value = values.get(name)
            if value is None:
                continue
            if kind in ("str", "str | None") and not isinstance(value, str):
                raise TypeError(f"{name!r} must be a string, not {value!r}")
            if kind == "int | None" and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name!r} must be a whole number, not {value!r}")
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise ValueError(f"{name!r} is longer than {MAX_TEXT:,} characters")
            if isinstance(value, list) and len(value) > MAX_ITEMS:
                raise ValueError(f"{name!r} holds more than {MAX_ITEMS:,} items")
        return cls(**values, extra=extra)


@cache
def _paper_fields() -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """The field names paper.json is read into, and those whose type ``from_dict`` checks,
    with their declared types (worked out once, not for each paper read)."""
    names = frozenset(f.name for f in fields(Paper)) - {"extra"}
    skipped = ("status", "pdf_state", "metadata_state", "extra")
    return names, tuple((f.name, str(f.type)) for f in fields(Paper) if f.name not in skipped)


MAX_TEXT = 1_000_000
"""Characters in one text field of paper.json (an abstract has a few thousand)."""
MAX_ITEMS = 10_000
"""Items in one list field (authors of the largest collaborations: about 5,000)."""
MAX_WHOLE = 1_000_000
"""Largest page number, page count or arXiv version a record may hold."""


def _whole(name: str, value: Any) -> int:
    """A whole number of paper.json within 0..MAX_WHOLE (4.0 is taken as 4)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name!r} must be a whole number, not {value!r}")
    if not 0 <= value <= MAX_WHOLE:
        raise ValueError(f"{name!r} is out of range: {value}")
    return value


_ID_SHAPE = re.compile(
    r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?/\d{7})\Z"
)


def _arxiv_fields(values: dict[str, Any]) -> None:
    """The arXiv ID as the rest of the program expects it (``2504.03947``), whatever form
    a hand or another program wrote (``arXiv:2504.03947v2``, a link); raises ValueError
    when it is not an arXiv ID."""
    raw = values["arxiv_id"]
    if not isinstance(raw, str):
        raise TypeError(f"'arxiv_id' must be a string, not {raw!r}")
    if _ID_SHAPE.match(raw):  # as written by this program (tests' own IDs, such as 2402.00000)
        return
    try:
        aid = arxiv_ids.parse(raw)
    except ValueError as e:
        raise ValueError(f"'arxiv_id' is not an arXiv ID: {raw[:80]!r}") from e
    values["arxiv_id"] = aid.id
    if values.get("arxiv_version") is None and aid.version is not None:
        values["arxiv_version"] = aid.version
