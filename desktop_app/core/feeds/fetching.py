"""Fetching the followed feeds: each day's new papers of a category or a search, into the Inbox.

For each feed, :func:`fetch_feeds` asks the arXiv API (``search_query=…&sortBy=submittedDate
&sortOrder=descending``, :data:`PAGE_SIZE` per page) through the same client as every other
request, so the same gate keeps requests one at a time and 3 s apart, passing failures are
retried with backoff and a 403 stops all fetching. It asks only for what is newer than the
newest submission the feed has seen (``newest`` in feeds.json; the first fetch goes back
``Settings.feeds_first_days``), page after page, and stops at the first page holding anything
older (the rest is older still) or a short one. A paper on those pages submitted up to
:data:`LATE_DAYS` before the newest seen but not known yet (announced late, after
moderation) is brought too.

Each new paper lands in the Inbox (``new``) with the feed and the day as its ``source``, as a
digest's papers do. A paper dismissed before never comes back; a paper in the library already
is not added twice: the feed is added to its ``feeds``, a newer version is noted
(``latest_version``, as ``check-updates`` does) and a DOI or journal reference it lacked is
recorded (``published_found``).

Offline, or when arXiv cannot be reached, the feeds are marked ``queued`` in feeds.json and
the next drain of the fetch queue (``papershelf fetch``, the app's fetch queue) runs them. A
feed whose fetch failed half-way keeps the papers that arrived but not a newer ``newest``, so
the next fetch asks for the gap again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from desktop_app.core.arxiv.api import ArxivClient, ArxivEntry, entry_values
from desktop_app.core.arxiv.fetch import ANOTHER_FETCHER, note_published, only_fetcher
from desktop_app.core.errors import (
    AccessDenied,
    Cancelled,
    DamagedFile,
    DuplicatePaper,
    NetworkError,
    PaperNotFound,
    Unreachable,
)
from desktop_app.core.feeds import specs
from desktop_app.core.feeds.specs import Feed
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status, now_iso, parse_time
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural

log = logging.getLogger(__name__)

#: Entries per request (arXiv's manual suggests pages of 100 to 200 for a paged search).
PAGE_SIZE = 100
#: A feed brings at most this many papers per fetch (a mistyped query such as ``all:the``
#: would otherwise page through arXiv for hours).
MAX_PER_FETCH = 2000
#: Days before a feed's newest submission within which a paper seen late is still brought.
LATE_DAYS = 3
#: Papers written under one hold of the library's lock.
WRITE_BATCH = 50

FeedProgress = Callable[[int, int, str], None]


@dataclass
class FeedResult:
    """What one feed's fetch did (keys of papers)."""

    name: str
    added: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # in the library already: feed recorded
    dismissed: list[str] = field(default_factory=list)  # dismissed before: left out
    versions: list[str] = field(default_factory=list)  # a newer version noted
    published: list[str] = field(default_factory=list)  # a DOI or journal ref recorded
    requests: int = 0
    error: str | None = None
    capped: bool = False

    def summary(self) -> str:
        parts = [f"{len(self.added)} new"]
        if self.also:
            parts.append(f"{len(self.also)} in the library already")
        if self.dismissed:
            parts.append(f"{len(self.dismissed)} dismissed before")
        if self.versions:
            parts.append(plural(len(self.versions), "new version"))
        if self.published:
            parts.append(f"{len(self.published)} published")
        return ", ".join(parts)


@dataclass
class FeedReport:
    """What a fetch of feeds did; ``stopped`` says why it stopped early (offline, no
    network, access denied, cancelled) and ``queued`` which feeds wait for the next drain."""

    feeds: list[FeedResult] = field(default_factory=list)
    stopped: str | None = None
    denied: bool = False
    queued: list[str] = field(default_factory=list)

    @property
    def added(self) -> list[str]:
        """The papers this fetch brought into the Inbox, each once, in arrival order."""
        return list(dict.fromkeys(k for r in self.feeds for k in r.added))

    @property
    def failed(self) -> list[FeedResult]:
        return [r for r in self.feeds if r.error]

    def summary(self) -> str:
        parts = [plural(len(self.added), "new paper")]
        parts += [f"{r.name}: {r.summary()}" for r in self.feeds]
        return "; ".join(parts)


def fetch_feeds(
    library: Library,
    client: ArxivClient,
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    queued_only: bool = False,
    progress: FeedProgress | None = None,
    cancel: threading.Event | None = None,
    now: Callable[[], dt.datetime] | None = None,
) -> FeedReport:
    """Fetch the feeds named (all when None), or only the queued ones; never raises for a
    fetch that fails: the report says what happened.

    Raises:
        InvalidValue: a name that is no feed.
        DamagedFile: feeds.json cannot be read.
    """
    now = now or (lambda: dt.datetime.now(dt.UTC))
    feeds = specs.select(library, list(names or []))
    if queued_only:
        feeds = [f for f in feeds if f.queued]
    report = FeedReport()
    if not feeds:
        return report
    if settings.offline:
        report.stopped = "offline mode is on: the feeds wait in the queue"
        _queue(library, feeds, report)
        return report
    with only_fetcher() as alone:
        if not alone:
            report.stopped = ANOTHER_FETCHER
            _queue(library, feeds, report)
            return report
        for index, feed in enumerate(feeds):
            if progress is not None:
                progress(index, len(feeds), feed.name)
            try:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("fetch cancelled")
                client.block.check()
                report.feeds.append(_fetch_one(library, client, settings, feed, now(), cancel))
            except AccessDenied as e:
                report.stopped, report.denied = str(e), True
            except Unreachable as e:
                report.stopped = f"arXiv cannot be reached: {e}; the feeds wait in the queue"
            except Cancelled:
                report.stopped = "cancelled; the feeds wait in the queue"
            if report.stopped:
                _queue(library, feeds[index:], report)
                break
        else:
            if progress is not None:
                progress(len(feeds), len(feeds), "")
    return report


def queue(library: Library, names: Iterable[str] | None = None) -> list[str]:
    """Mark feeds (all when ``names`` is None) to be fetched by the next drain of the fetch
    queue; returns their names."""
    report = FeedReport()
    _queue(library, specs.select(library, list(names or [])), report)
    return report.queued


def due(feeds: Iterable[Feed], every_h: int, now: dt.datetime) -> list[str]:
    """The feeds whose last fetch is older than ``every_h`` hours (or that never ran)."""
    if every_h <= 0:
        return []
    limit = _iso(now - dt.timedelta(hours=every_h))
    return [f.name for f in feeds if not f.queued and (f.fetched or "") <= limit]


def _queue(library: Library, feeds: list[Feed], report: FeedReport) -> None:
    when = now_iso()
    names = {f.name.casefold() for f in feeds}

    def edit(current: list[Feed]) -> list[Feed]:
        return [
            replace(f, queued=f.queued or when) if f.name.casefold() in names else f
            for f in current
        ]

    specs.change(library, edit)
    report.queued = [f.name for f in feeds]


def submitted(entry: ArxivEntry) -> str:
    """When the paper's first version was submitted, as a sortable UTC time."""
    if entry.submitted and entry.submitted[:4].isdigit():
        return entry.submitted
    return f"{entry.published or '0000-00-00'}T00:00:00Z"


def _time(iso: str) -> dt.datetime:
    when = parse_time(iso)
    return when if when is not None else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fetch_one(
    library: Library,
    client: ArxivClient,
    settings: Settings,
    feed: Feed,
    now: dt.datetime,
    cancel: threading.Event | None,
) -> FeedResult:
    """Fetch one feed; raises AccessDenied, Unreachable or Cancelled after landing what came."""
    result = FeedResult(feed.name)
    cutoff = feed.newest or _iso(now - dt.timedelta(days=settings.feeds_first_days))
    # A paper held in moderation is announced after papers submitted later: the pages asked
    # for anyway bring it if it is at most LATE_DAYS older than the newest seen (papers
    # known already are not added twice).
    late = _iso(_time(feed.newest) - dt.timedelta(days=LATE_DAYS)) if feed.newest else cutoff
    fresh: list[ArxivEntry] = []
    stragglers: list[ArxivEntry] = []
    complete = False
    try:
        start = 0
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("fetch cancelled")
            page = client.search(feed.query, start, PAGE_SIZE)
            result.requests += 1
            new = [e for e in page.entries if submitted(e) >= cutoff]
            fresh += new
            stragglers += [e for e in page.entries if late <= submitted(e) < cutoff]
            start += len(page.entries)
            if not page.entries or len(new) < len(page.entries) or len(page.entries) < PAGE_SIZE:
                break
            if page.total is not None and start >= page.total:
                break
            if len(fresh) >= MAX_PER_FETCH:
                result.capped = True
                log.warning("feed %s: stopped after %d papers", feed.name, len(fresh))
                break
        complete = True
    except (AccessDenied, Unreachable, Cancelled):
        raise
    except NetworkError as e:
        result.error = str(e)
        log.warning("feed %s: %s", feed.name, e)
    finally:
        _land(library, feed, fresh + stragglers, result, now)
    if complete:
        newest = max([cutoff, *(submitted(e) for e in fresh)])
        specs.record(library, feed.name, newest=newest, fetched=_iso(now), queued=None)
    return result


def _land(
    library: Library, feed: Feed, entries: list[ArxivEntry], result: FeedResult, now: dt.datetime
) -> None:
    """Bring the entries into the library, oldest submission first (the Inbox's arrival
    order is then arXiv's)."""
    source = f"feed {feed.name}, {now.date().isoformat()}"
    ordered = sorted(entries, key=submitted)
    for start in range(0, len(ordered), WRITE_BATCH):
        with library.batch():
            for entry in ordered[start : start + WRITE_BATCH]:
                _land_one(library, feed.name, source, entry, result)


def _land_one(
    library: Library, name: str, source: str, entry: ArxivEntry, result: FeedResult
) -> None:
    key = entry.arxiv_id.key
    if not library.exists(key):
        if library.was_dismissed(key):
            result.dismissed.append(key)
            return
        paper = Paper.from_arxiv(
            entry.arxiv_id,
            **entry_values(entry),
            source=source,
            feeds=[name],
            status=Status.NEW,
            metadata_state=FetchState.DONE,
            latest_version=entry.version,
        )
        try:
            library.add(paper)
        except DuplicatePaper:
            pass  # added meanwhile by another program: joined below
        else:
            result.added.append(key)
            return
    seen: dict[str, bool] = {}

    def join(p: Paper) -> None:
        seen.clear()
        if name not in p.feeds:
            p.feeds.append(name)
        if not p.source:
            p.source = source
        if entry.version is not None:
            held = p.latest_version or p.arxiv_version or 0
            if p.arxiv_version is None:
                p.arxiv_version = entry.version
            if entry.version > held and p.arxiv_version < entry.version:
                seen["version"] = True
            p.latest_version = max(entry.version, p.latest_version or 0)
        seen["published"] = note_published(p, entry)

    try:
        library.update(key, join)
    except (DamagedFile, PaperNotFound) as e:  # left for the user; the rest lands
        log.warning("feed %s: %s: %s", name, key, e)
        return
    result.also.append(key)
    if seen.get("version"):
        result.versions.append(key)
    if seen.get("published"):
        result.published.append(key)


# -- reading the feeds' papers ------------------------------------------------------------


def inbox_counts(papers: Iterable[Paper], feeds: Iterable[Feed]) -> dict[str, int]:
    """How many papers of each feed wait in the Inbox (by feed name, every feed listed)."""
    counts = {f.name: 0 for f in feeds}
    for paper in papers:
        if paper.status is Status.NEW:
            for name in paper.feeds:
                if name in counts:
                    counts[name] += 1
    return counts
