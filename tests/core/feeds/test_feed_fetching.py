"""Fetching feeds from the local arXiv: only what is new, politely, into the Inbox."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_app.core.arxiv.api import ArxivClient
from desktop_app.core.arxiv.fetch import check_updates
from desktop_app.core.arxiv.net import AccessBlock, RateGate
from desktop_app.core.feeds import fetching, specs
from desktop_app.core.feeds.fetching import FeedReport, fetch_feeds
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Status
from tests.helpers.arxiv_server import ArxivServer, FakeClock, Fault

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def day(n: int, hour: int = 10) -> str:
    """A submission time ``n`` days before NOW."""
    return (NOW - dt.timedelta(days=n)).replace(hour=hour).strftime("%Y-%m-%dT%H:%M:%SZ")


def submit(
    server: ArxivServer, number: int, days_ago: int, cats: list[str] | None = None, **values: object
) -> str:
    ref = f"2612.{number:05d}"
    server.add_paper(
        ref, published=day(days_ago, 10 + number % 10), categories=cats or ["cs.IR"], **values
    )
    return ref


class Run:
    """Fetches feeds with a fake clock (no waiting) and records when each request went out."""

    def __init__(self, library: Library, server: ArxivServer, interval: float = 0.0) -> None:
        self.library, self.server = library, server
        self.clock = FakeClock()
        self.settings = server.settings(api_interval_s=interval)
        self.sent: list[float] = []

    def __call__(self, *names: str, now: dt.datetime = NOW, **settings: object) -> FeedReport:
        s = self.settings
        for name, value in settings.items():
            setattr(s, name, value)
        client = ArxivClient(s, clock=self.clock, sleep=self.clock.sleep, gate=RateGate())
        client.on_request = lambda url: self.sent.append(self.clock())
        return fetch_feeds(self.library, client, s, list(names) or None, now=lambda: now)


@pytest.fixture
def run(library: Library, arxiv_server: ArxivServer) -> Run:
    return Run(library, arxiv_server)


def inbox(library: Library) -> list[str]:
    return sorted(p.key for p in library.papers() if p.status is Status.NEW)


def test_the_first_fetch_brings_the_last_seven_days_into_the_inbox(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    recent = [submit(arxiv_server, n, n % 7) for n in range(1, 8)]
    submit(arxiv_server, 20, 9)  # too old for a first fetch
    submit(arxiv_server, 21, 1, cats=["cs.CL"])  # another category
    specs.add(library, "cs.IR")
    report = run()
    assert sorted(report.added) == sorted(recent) == inbox(library)
    paper = library.get(recent[0])
    assert paper.status is Status.NEW and paper.feeds == ["cs.IR"]
    assert paper.source == "feed cs.IR, 2026-12-03"
    assert paper.metadata_state is FetchState.DONE and paper.title == "Paper 2612.00001"
    assert paper.pdf_state is FetchState.NONE  # the PDF comes when the paper is kept
    feed = specs.load(library)[0]
    assert feed.newest == max(day(n % 7, 10 + n % 10) for n in range(1, 8))
    assert feed.fetched == "2026-12-03T12:00:00Z" and feed.queued is None
    request = arxiv_server.requests_of("api")[0]
    assert request.query["search_query"] == ["cat:cs.IR"]
    assert request.query["sortBy"] == ["submittedDate"]
    assert request.query["sortOrder"] == ["descending"]
    assert request.query["max_results"] == [str(fetching.PAGE_SIZE)]


def test_the_first_fetch_goes_back_as_far_as_set(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    submit(arxiv_server, 2, 9)
    specs.add(library, "cs.IR")
    assert sorted(run(feeds_first_days=10).added) == ["2612.00001", "2612.00002"]


def test_a_second_fetch_adds_nothing_and_asks_one_page(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    for n in range(1, 6):
        submit(arxiv_server, n, n)
    specs.add(library, "cs.IR")
    assert len(run().added) == 5
    before = len(arxiv_server.requests_of("api"))
    report = run()
    assert report.added == [] and inbox(library) == [f"2612.0000{n}" for n in range(1, 6)]
    assert len(arxiv_server.requests_of("api")) == before + 1


def test_a_fetch_after_new_submissions_adds_only_them_and_pages_until_the_known(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    for n in range(1, 4):
        submit(arxiv_server, n, 3)
    specs.add(library, "cs.IR")
    run()
    library.set_status("2612.00001", Status.UNREAD)  # kept meanwhile
    # 250 new papers arrive: three pages of 100, and the third holds the known ones.
    new = [submit(arxiv_server, 100 + n, 1) for n in range(250)]
    requests = len(arxiv_server.requests_of("api"))
    report = run(now=NOW + dt.timedelta(hours=1))
    assert sorted(report.added) == sorted(new)
    pages = arxiv_server.requests_of("api")[requests:]
    assert [r.query["start"] for r in pages] == [["0"], ["100"], ["200"]]
    assert library.get("2612.00001").status is Status.UNREAD  # a kept paper stays kept
    assert len(inbox(library)) == 252


def test_a_dismissed_paper_never_comes_back(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    submit(arxiv_server, 2, 1)
    specs.add(library, "cs.IR")
    run()
    library.dismiss("2612.00001")
    library.empty_trash()
    specs.add(library, "au:Lovelace", name="Ada")  # a new feed finds it again
    report = run("Ada")
    assert report.feeds[0].dismissed == ["2612.00001"]
    assert not library.exists("2612.00001") and inbox(library) == ["2612.00002"]


def test_a_paper_found_by_two_feeds_is_added_once_and_records_both(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    both = submit(
        arxiv_server, 1, 1, cats=["cs.IR", "cs.CL"], abstract="Retrieval augmented generation."
    )
    submit(arxiv_server, 2, 1, cats=["cs.CL"])
    specs.add(library, "cs.IR")
    specs.add(library, 'cat:cs.CL AND abs:"retrieval augmented"', name="RAG")
    report = run()
    assert [r.added for r in report.feeds] == [[both], []]
    assert report.feeds[1].also == [both]
    assert library.get(both).feeds == ["cs.IR", "RAG"]
    assert inbox(library) == [both]


def test_a_new_version_of_a_kept_paper_is_noted(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    ref = submit(arxiv_server, 1, 1)
    specs.add(library, "cs.IR")
    run()
    library.set_status(ref, Status.UNREAD)
    arxiv_server.papers["2612.00001"].versions = 2
    specs.add(library, "au:Turing", name="Turing")
    report = run("Turing")
    assert report.feeds[0].versions == [ref]
    paper = library.get(ref)
    assert (paper.arxiv_version, paper.latest_version, paper.has_update) == (1, 2, True)


def test_a_doi_appearing_upstream_is_recorded_by_feeds_and_check_updates(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    submit(arxiv_server, 2, 1)
    specs.add(library, "cs.IR")
    run()
    assert library.get("2612.00001").published_found is None
    arxiv_server.papers["2612.00001"].doi = "10.1145/3626772.1"
    arxiv_server.papers["2612.00001"].journal_ref = "SIGIR 2026, 12(3):45-67"
    arxiv_server.papers["2612.00002"].doi = "10.1145/3626772.2"
    specs.add(library, "au:Lovelace", name="Ada")
    assert run("Ada").feeds[0].published == ["2612.00001", "2612.00002"]
    paper = library.get("2612.00001")
    assert paper.doi == "10.1145/3626772.1" and paper.journal_ref == "SIGIR 2026, 12(3):45-67"
    assert paper.published_found is not None
    # check-updates records one too.
    submit(arxiv_server, 3, 1)
    run("cs.IR", now=NOW + dt.timedelta(hours=1))
    arxiv_server.papers["2612.00003"].journal_ref = "ECIR 2027"
    client = ArxivClient(arxiv_server.settings(), clock=run.clock, sleep=run.clock.sleep)
    assert check_updates(library, client).published == ["2612.00003"]
    assert library.get("2612.00003").journal_ref == "ECIR 2027"


def test_requests_are_spaced_three_seconds_apart(
    library: Library, arxiv_server: ArxivServer
) -> None:
    for n in range(230):
        submit(arxiv_server, n + 1, 1)
    submit(arxiv_server, 900, 1, cats=["cs.CL"])
    specs.add(library, "cs.IR")
    specs.add(library, "cs.CL")
    run = Run(library, arxiv_server, interval=3.0)
    run()
    assert len(run.sent) == 4  # three pages of cs.IR, one of cs.CL
    gaps = [b - a for a, b in zip(run.sent, run.sent[1:], strict=False)]
    assert min(gaps) >= 3.0


def test_a_403_stops_every_feed_until_resumed(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    submit(arxiv_server, 2, 1, cats=["cs.CL"])
    specs.add(library, "cs.IR")
    specs.add(library, "cs.CL")
    arxiv_server.fail_next("api", Fault.http(403))
    report = run()
    assert report.denied and "HTTP 403" in (report.stopped or "")
    assert len(arxiv_server.requests_of("api")) == 1  # cs.CL was not asked
    assert report.queued == ["cs.IR", "cs.CL"] and inbox(library) == []
    report = run()
    assert report.denied and len(arxiv_server.requests_of("api")) == 1
    AccessBlock().resume()
    assert sorted(run().added) == ["2612.00001", "2612.00002"]


def test_offline_the_feeds_wait_in_the_queue_and_run_with_it(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    specs.add(library, "cs.IR")
    specs.add(library, "cs.CL")
    report = run("cs.IR", offline=True)
    assert report.queued == ["cs.IR"] and "offline" in (report.stopped or "")
    assert arxiv_server.requests_of("api") == []
    assert [bool(f.queued) for f in specs.load(library)] == [True, False]
    # Back online, the queue's drain runs the queued feed only.
    client = ArxivClient(run.settings, clock=run.clock, sleep=run.clock.sleep, gate=RateGate())
    run.settings.offline = False
    report = fetch_feeds(library, client, run.settings, queued_only=True, now=lambda: NOW)
    assert [r.name for r in report.feeds] == ["cs.IR"] and report.added == ["2612.00001"]
    assert not any(f.queued for f in specs.load(library))


def test_without_network_the_feeds_are_queued(
    library: Library, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs.add(library, "cs.IR")
    monkeypatch.setenv("PAPERSHELF_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    report = run()
    assert report.queued == ["cs.IR"] and "cannot be reached" in (report.stopped or "")
    assert specs.load(library)[0].queued


def test_a_query_arxiv_refuses_fails_that_feed_only(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    specs.add(library, "ti:x AND AND ti:y", name="broken")  # arXiv answers 400
    specs.add(library, "cs.IR")
    report = run()
    assert "arXiv refused the search" in (report.feeds[0].error or "")
    assert report.added == ["2612.00001"]
    assert specs.load(library)[0].fetched is None  # asked again next time


def test_inbox_counts_per_feed(library: Library, arxiv_server: ArxivServer, run: Run) -> None:
    submit(arxiv_server, 1, 1, cats=["cs.IR", "cs.CL"])
    submit(arxiv_server, 2, 1)
    specs.add(library, "cs.IR")
    specs.add(library, "cs.CL")
    specs.add(library, "cs.AI")
    run()
    library.set_status("2612.00002", Status.UNREAD)
    feeds = specs.load(library)
    assert fetching.inbox_counts(library.papers(), feeds) == {"cs.IR": 1, "cs.CL": 1, "cs.AI": 0}


def test_a_doi_a_digest_did_not_give_is_filled_but_is_no_news(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    from desktop_app.core.interop.digest import import_digest

    ref = submit(arxiv_server, 1, 1, doi="10.1145/1.1")
    import_digest(library, f"# A paper\n\n**Link**: https://arxiv.org/abs/{ref}\n")
    client = ArxivClient(arxiv_server.settings(), clock=run.clock, sleep=run.clock.sleep)
    assert check_updates(library, client).published == []
    paper = library.get(ref)
    assert paper.doi == "10.1145/1.1" and paper.published_found is None


def test_a_paper_announced_late_is_still_brought(
    library: Library, arxiv_server: ArxivServer, run: Run
) -> None:
    submit(arxiv_server, 1, 1)
    specs.add(library, "cs.IR")
    run()
    # Submitted two days ago but announced only now (held in moderation), with a new one.
    late = submit(arxiv_server, 2, 2)
    fresh = submit(arxiv_server, 3, 0)
    report = run(now=NOW + dt.timedelta(hours=1))
    assert sorted(report.added) == [late, fresh]
    assert len(arxiv_server.requests_of("api")) == 2
    # Older than that is left to the first fetch's window: not brought again.
    submit(arxiv_server, 4, 6)
    assert run(now=NOW + dt.timedelta(hours=2)).added == []
