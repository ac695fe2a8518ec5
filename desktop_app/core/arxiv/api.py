"""The arXiv API client: metadata of papers by ID, asked for politely.

arXiv's terms of use ask for at most one request every three seconds, one connection at a
time, batched ID lists and a client that names itself (../shared/testdata/arxiv-rules.md).
:class:`ArxivClient` obeys: requests pass through a process-wide gate
(:data:`desktop_app.core.arxiv.net.API_GATE`), up to :data:`BATCH_SIZE` IDs per request, with a
``Papershelf/<version> (+<home page>)`` User-Agent, retried with backoff after a passing
failure. A 403 stops every fetch until the user resumes (see ``net.AccessBlock``).

The Atom answer is parsed with defusedxml (no DTD, so no entity expansion: an XML bomb is
refused). What arXiv answers, and how it is read:

- an entry per paper found (:class:`ArxivEntry`);
- an ID that does not exist is simply missing from a 200 answer (an error for that ID);
- a malformed ID gets HTTP 400 and one "Error" entry naming it (an error for that ID; the
  rest of the batch is asked again without it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import requests
from defusedxml import DefusedXmlException

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.arxiv.net import (
    API_GATE,
    PoliteClient,
    check_status,
    classify,
)
from desktop_app.core.errors import BadResponse, NetworkError

log = logging.getLogger(__name__)

#: arXiv's requested acknowledgement, for the About box (api/index.md).
ACKNOWLEDGEMENT = "Thank you to arXiv for use of its open access interoperability."
#: IDs per request: long enough to be few requests, short enough for any URL length limit.
BATCH_SIZE = 100

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ERROR_ID = re.compile(r"/api/errors#")
_ERROR_FOR = re.compile(r"(?:for|id)\s+(\S+)\s*$")


@dataclass(frozen=True)
class ArxivEntry:
    """One paper as the API describes it (the version it returned, usually the latest).

    Dates are days (``2017-07-27``): ``published`` is when v1 was submitted, ``updated``
    when the returned version was.
    """

    arxiv_id: ArxivId
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    categories: tuple[str, ...] = ()
    published: str | None = None
    updated: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    pdf_url: str | None = None

    @property
    def version(self) -> int | None:
        return self.arxiv_id.version


@dataclass
class Lookup:
    """The answer for a list of IDs: entries and per-ID errors, both keyed by ID sans version."""

    entries: dict[str, ArxivEntry] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class ArxivClient(PoliteClient):
    """Asks the arXiv API for papers by ID (arguments: see ``net.PoliteClient``)."""

    default_gate = API_GATE
    #: Called with each request's URL just before it is sent (for tests and logs).
    on_request: Callable[[str], None] | None = None

    # -- public ---------------------------------------------------------------------------

    def lookup(self, ids: Iterable[ArxivId]) -> Lookup:
        """Metadata for every ID, :data:`BATCH_SIZE` per request.

        An ID without version gets the latest version; with one, that version.

        Raises:
            AccessDenied: arXiv answered 403 (nothing more is asked until resumed).
            Unreachable: arXiv cannot be reached (no network).
            NetworkError: a batch failed for good (its message says why); the entries of
                batches answered before are lost, so callers wanting progress call
                :meth:`lookup_batch` batch by batch.
        """
        result = Lookup()
        for batch in batches(list(ids)):
            one = self.lookup_batch(batch)
            result.entries.update(one.entries)
            result.errors.update(one.errors)
        return result

    def lookup_batch(self, ids: Sequence[ArxivId]) -> Lookup:
        """Metadata for up to :data:`BATCH_SIZE` IDs (one request, more for malformed IDs)."""
        if len(ids) > BATCH_SIZE:
            raise ValueError(f"{len(ids)} IDs in one batch (at most {BATCH_SIZE})")
        result = Lookup()
        todo = list(dict.fromkeys(ids))
        while todo:
            status, feed = self._query(todo)
            if status == 400:
                bad = _error_ids(feed, todo)
                if not bad:
                    message = "; ".join(_error_messages(feed)) or "HTTP 400"
                    for aid in todo:
                        result.errors[aid.id] = f"arXiv refused the request: {message}"
                    break
                for aid, message in bad.items():
                    result.errors[aid.id] = f"arXiv: {message}"
                todo = [aid for aid in todo if aid not in bad]
                continue
            found = {e.arxiv_id.id: e for e in parse_entries(feed)}
            for aid in todo:
                entry = found.get(aid.id)
                if entry is None:
                    result.errors[aid.id] = f"arXiv has no paper {aid.canonical}"
                else:
                    result.entries[aid.id] = entry
            break
        return result

    def get(self, ref: str | ArxivId) -> ArxivEntry:
        """One paper's metadata; raises NetworkError naming the ID when arXiv has none."""
        aid = ref if isinstance(ref, ArxivId) else arxiv_id.parse(ref)
        result = self.lookup_batch([aid])
        if aid.id in result.entries:
            return result.entries[aid.id]
        raise NetworkError(result.errors.get(aid.id, f"arXiv has no paper {aid.canonical}"))

    # -- one request ----------------------------------------------------------------------

    def _query(self, ids: Sequence[ArxivId]) -> tuple[int, Element]:
        params = {
            "id_list": ",".join(aid.canonical for aid in ids),
            "start": "0",
            "max_results": str(len(ids)),
        }
        url = self.settings.api_url()
        what = f"arXiv API ({len(ids)} IDs)" if len(ids) > 1 else f"arXiv API ({ids[0]})"

        def attempt() -> tuple[int, Element]:
            self.block.check()
            with self.gate.slot(self.settings.api_interval(), self.clock, self.sleep):
                if self.on_request is not None:
                    self.on_request(url)
                try:
                    response = self.session.get(
                        url, params=params, timeout=self.settings.timeout_s, stream=True
                    )
                except requests.RequestException as e:
                    raise classify(e) from e
                body = self.read_answer(response, what)
            if response.status_code != 400:
                check_status(response, self.block)
            return response.status_code, parse_feed(body, what)

        return self.retrying(attempt, what)


# -- parsing ------------------------------------------------------------------------------


def batches(ids: Sequence[ArxivId], size: int = BATCH_SIZE) -> list[list[ArxivId]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def parse_feed(body: bytes, what: str = "arXiv's answer") -> Element:
    """The root of an Atom feed, parsed safely.

    Raises:
        BadResponse: not XML, not an Atom feed, or XML declaring a DTD or entities (an XML
            bomb among others: nothing from the network is expanded).
    """
    if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise BadResponse(f"{what}: the answer is an HTML page, not an Atom feed")
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as e:
        raise BadResponse(f"{what}: refused an answer declaring a DTD or entities ({e})") from e
    except ParseError as e:
        head = body[:60].decode("utf-8", "replace").strip()
        raise BadResponse(f"{what}: the answer is not XML ({e}; it starts {head!r})") from e
    if root.tag != f"{ATOM}feed":
        raise BadResponse(f"{what}: the answer is not an Atom feed (root <{root.tag}>)")
    return root


def _text(elem: Element | None) -> str:
    """An element's text with whitespace runs (line breaks of the feed) made single spaces."""
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def _is_error(entry: Element) -> bool:
    return bool(_ERROR_ID.search(_text(entry.find(f"{ATOM}id")))) or (
        _text(entry.find(f"{ATOM}title")) == "Error" and entry.find(f"{ATOM}published") is None
    )


def _error_messages(feed: Element) -> list[str]:
    return [
        _text(e.find(f"{ATOM}summary")) or "error"
        for e in feed.iter(f"{ATOM}entry")
        if _is_error(e)
    ]


def _error_ids(feed: Element, asked: Sequence[ArxivId]) -> dict[ArxivId, str]:
    """The asked IDs that arXiv's error entries name (``incorrect id format for abc``)."""
    by_text = {aid.canonical: aid for aid in asked} | {aid.id: aid for aid in asked}
    bad: dict[ArxivId, str] = {}
    for message in _error_messages(feed):
        m = _ERROR_FOR.search(message)
        if m and m.group(1) in by_text:
            bad[by_text[m.group(1)]] = message
    return bad


def parse_entries(feed: Element) -> list[ArxivEntry]:
    """The papers of an Atom feed (error entries and unreadable entries are left out)."""
    entries = []
    for elem in feed.iter(f"{ATOM}entry"):
        if _is_error(elem):
            continue
        try:
            entries.append(parse_entry(elem))
        except ValueError as e:
            log.warning("arXiv entry skipped: %s", e)
    return entries


def parse_entry(entry: Element) -> ArxivEntry:
    """One paper of the feed.

    Raises:
        ValueError: the entry has no readable arXiv ID.
    """
    pdf_url = None
    for link in entry.findall(f"{ATOM}link"):
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf_url = link.get("href")
            break
    entry_id = _text(entry.find(f"{ATOM}id"))
    aid = arxiv_id.try_parse(entry_id)
    if aid is None:
        raise ValueError(f"no arXiv ID in the entry's <id> {entry_id!r}")
    if aid.version is None and pdf_url:
        # The 2007-era manual's entries carry the version only in their links.
        from_link = arxiv_id.try_parse(pdf_url)
        if from_link is not None and from_link.id == aid.id:
            aid = from_link
    primary = entry.find(f"{ARXIV}primary_category")
    categories: list[str] = []
    if primary is not None and primary.get("term"):
        categories.append(str(primary.get("term")))
    for cat in entry.findall(f"{ATOM}category"):
        term = cat.get("term")
        if term and term not in categories:
            categories.append(term)
    return ArxivEntry(
        arxiv_id=aid,
        title=_text(entry.find(f"{ATOM}title")),
        authors=tuple(
            name
            for author in entry.findall(f"{ATOM}author")
            if (name := _text(author.find(f"{ATOM}name")))
        ),
        abstract=_text(entry.find(f"{ATOM}summary")),
        categories=tuple(categories),
        published=_day(entry.find(f"{ATOM}published")),
        updated=_day(entry.find(f"{ATOM}updated")),
        doi=_text(entry.find(f"{ARXIV}doi")) or None,
        journal_ref=_text(entry.find(f"{ARXIV}journal_ref")) or None,
        comment=_text(entry.find(f"{ARXIV}comment")) or None,
        pdf_url=pdf_url,
    )


def _day(elem: Element | None) -> str | None:
    text = _text(elem)
    return text[:10] if re.match(r"\d{4}-\d\d-\d\d", text) else None


def entry_values(entry: ArxivEntry) -> dict[str, Any]:
    """The entry as values of :class:`~desktop_app.core.paper.Paper` fields."""
    return {
        "title": entry.title,
        "authors": list(entry.authors),
        "abstract": entry.abstract,
        "categories": list(entry.categories),
        "published": entry.published,
        "updated": entry.updated,
        "doi": entry.doi,
        "journal_ref": entry.journal_ref,
        "comment": entry.comment,
    }
