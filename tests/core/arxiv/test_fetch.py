"""The fetch queue: kept in paper.json, drained by the Fetcher, with clear per-paper states."""

from __future__ import annotations

import threading

import pytest
from filelock import FileLock

from desktop_app.core import paths
from desktop_app.core.arxiv.api import ArxivClient
from desktop_app.core.arxiv.fetch import (
    ANOTHER_FETCHER,
    FETCH_LOCK,
    Fetcher,
    FetchProgress,
    Stage,
    check_updates,
    keep_paper,
    pending,
    queue,
    queue_pdfs,
    requeue_failed,
)
from desktop_app.core.arxiv.ids import ArxivId, parse
from desktop_app.core.arxiv.net import AccessBlock
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.settings import Settings
from tests.helpers.arxiv_server import ArxivServer, FakeClock, Fault


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fetcher(library: Library, server: ArxivServer, clock: FakeClock, **settings: object) -> Fetcher:
    s = server.settings(**settings)
    return Fetcher(library, ArxivClient(s, clock=clock, sleep=clock.sleep), s)


def add(library: Library, ref: str, *, pdf: bool = True, **values: object) -> Paper:
    """What ``papershelf add`` does offline: the paper, its fetches queued."""
    paper, _ = library.add_arxiv(parse(ref), **values)  # type: ignore[arg-type]
    return library.update(paper.key, lambda p: queue(p, metadata=True, pdf=pdf))


def test_queued_papers_get_their_metadata_and_pdf(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220", versions=2, title="Dense retrieval", doi="10.1/d")
    arxiv_server.add_paper("hep-th/9901001", title="Old strings", categories=["hep-th"])
    add(library, "2504.05220")
    add(library, "hep-th/9901001v1")
    events: list[FetchProgress] = []
    report = fetcher(library, arxiv_server, clock).run(events.append)
    assert report.stopped is None and report.failed == [] and report.pending == 0
    assert sorted(report.metadata) == sorted(report.pdfs) == ["2504.05220", "hep-th_9901001"]
    new = library.get("2504.05220")
    assert (new.title, new.doi, new.arxiv_version, new.latest_version) == (
        "Dense retrieval",
        "10.1/d",
        2,
        2,
    )
    assert new.metadata_state is FetchState.DONE and new.pdf_state is FetchState.DONE
    assert new.pdf_file == "2504.05220v2.pdf"
    assert library.pdf_path(new) == library.paper_dir(new.key) / "2504.05220v2.pdf"
    old = library.get("hep-th/9901001")
    assert old.pdf_file == "hep-th_9901001v1.pdf" and old.categories == ["hep-th"]
    assert library.pdf_path(old) is not None
    assert {e.stage for e in events} == {Stage.METADATA, Stage.PDF}
    assert any(e.bytes_done for e in events)
    # One API request for both papers: a batch.
    assert len(arxiv_server.requests_of("api")) == 1


def test_metadata_never_overwrites_what_the_user_edited(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220", title="arXiv's title", abstract="arXiv's abstract")
    paper = add(library, "2504.05220", pdf=False, title="My title")
    library.update(paper.key, lambda p: p.edited.append("title"))
    fetcher(library, arxiv_server, clock).run()
    paper = library.get("2504.05220")
    assert paper.title == "My title" and paper.abstract == "arXiv's abstract"
    assert paper.pdf_state is FetchState.NONE  # --no-pdf
    assert arxiv_server.requests_of("pdf") == []


def test_a_newer_version_is_recorded_and_the_held_one_downloaded(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220", versions=3)
    add(library, "2504.05220v1")
    fetcher(library, arxiv_server, clock).run()
    paper = library.get("2504.05220")
    assert (paper.arxiv_version, paper.latest_version, paper.has_update) == (1, 3, True)
    assert paper.pdf_file == "2504.05220v1.pdf"
    assert [r.path for r in arxiv_server.requests_of("pdf")] == ["/pdf/2504.05220v1"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.http(404), "HTTP 404"),
        (Fault.html(), "not a PDF (got text/html)"),
        (Fault(truncate=300), "truncated PDF (no %%EOF at its end)"),
    ],
)
def test_a_pdf_that_cannot_be_had_is_failed_with_its_reason(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock, fault: Fault, reason: str
) -> None:
    arxiv_server.add_paper("2504.05220")
    arxiv_server.fail_next("pdf", fault)
    add(library, "2504.05220")
    report = fetcher(library, arxiv_server, clock).run()
    paper = library.get("2504.05220")
    assert paper.metadata_state is FetchState.DONE
    assert (paper.pdf_state, paper.pdf_error, paper.pdf_file) == (FetchState.FAILED, reason, None)
    assert [(f.key, f.stage, f.reason) for f in report.failed] == [
        ("2504.05220", Stage.PDF, reason)
    ]
    assert list(library.paper_dir(paper.key).glob("*.pdf")) == []


def test_a_pdf_timing_out_is_failed_after_the_tries(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    add(library, "2504.05220")
    arxiv_server.fail_next("pdf", *[Fault.slow(1.0)] * 4)
    fetcher(library, arxiv_server, clock, timeout_s=0.1).run()
    assert library.get("2504.05220").pdf_error == "timed out after 4 tries"


def test_an_unknown_id_fails_its_metadata_and_its_pdf(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    add(library, "2504.05220")
    add(library, "2504.99999")
    report = fetcher(library, arxiv_server, clock).run()
    bad = library.get("2504.99999")
    assert bad.metadata_state is FetchState.FAILED
    assert bad.metadata_error == "arXiv has no paper 2504.99999"
    assert bad.pdf_error == "no version to download: arXiv has no paper 2504.99999"
    assert library.get("2504.05220").pdf_state is FetchState.DONE
    assert len(report.failed) == 2


def test_offline_mode_only_queues(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    add(library, "2504.05220")
    report = fetcher(library, arxiv_server, clock, offline=True).run()
    assert report.stopped == "offline mode is on: nothing was fetched"
    assert report.pending == 2
    assert arxiv_server.requests == []


def test_without_network_the_queue_waits_and_survives_a_restart(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    add(library, "2504.05220")
    dead = Settings(api_interval_s=0, download_interval_s=0)  # the conftest's dead port
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERSHELF_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
        client = ArxivClient(dead, clock=clock, sleep=clock.sleep)
        report = Fetcher(library, client, dead).run()
    assert report.stopped and "cannot be reached" in report.stopped
    assert report.pending == 2 and report.failed == []
    paper = library.get("2504.05220")
    assert (paper.metadata_state, paper.pdf_state) == (FetchState.PENDING, FetchState.PENDING)
    # Later, another program run, the network is back.
    arxiv_server.add_paper("2504.05220")
    again = Library.open(library.root)
    report = fetcher(again, arxiv_server, clock).run()
    assert report.pending == 0 and again.get("2504.05220").pdf_state is FetchState.DONE


def test_403_stops_everything_until_resumed(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    arxiv_server.add_paper("2504.05221")
    add(library, "2504.05220")
    add(library, "2504.05221")
    arxiv_server.fail_next("pdf", Fault.http(403))
    report = fetcher(library, arxiv_server, clock).run()
    assert report.denied and report.stopped and "HTTP 403" in report.stopped
    assert report.pdfs == [] and report.pending == 2  # both PDFs still queued
    assert len(arxiv_server.requests_of("pdf")) == 1  # nothing after the 403
    report = fetcher(library, arxiv_server, clock).run()
    assert report.denied and "papershelf fetch --resume" in (report.stopped or "")
    assert len(arxiv_server.requests) == 2
    AccessBlock().resume()
    report = fetcher(library, arxiv_server, clock).run()
    assert sorted(report.pdfs) == ["2504.05220", "2504.05221"]


def test_cancel_leaves_the_rest_in_the_queue(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    for n in range(3):
        arxiv_server.add_paper(f"2504.0522{n}")
        add(library, f"2504.0522{n}")
    cancel = threading.Event()

    def progress(p: FetchProgress) -> None:
        if p.stage is Stage.PDF and p.done == 1:
            cancel.set()

    report = fetcher(library, arxiv_server, clock).run(progress, cancel)
    assert report.stopped == "cancelled; the rest waits in the queue"
    assert len(report.pdfs) == 1 and report.pending == 2


def test_only_the_given_papers_are_fetched(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    arxiv_server.add_paper("2504.05221")
    add(library, "2504.05220")
    add(library, "2504.05221")
    report = fetcher(library, arxiv_server, clock).run(keys=["2504.05221"])
    assert report.pdfs == ["2504.05221"] and report.pending == 0
    assert len(pending(library)[1]) == 1


def test_keeping_a_paper_from_the_inbox_queues_its_pdf(library: Library) -> None:
    library.add(Paper.from_arxiv(ArxivId("2504.05220", 1), title="T", status=Status.NEW))
    paper = keep_paper(library, "2504.05220", Settings())
    assert paper.status is Status.UNREAD and paper.pdf_state is FetchState.PENDING
    assert paper.metadata_state is FetchState.NONE  # the version is known: no lookup needed
    library.add(Paper.from_arxiv(ArxivId("2504.05221"), title="T", status=Status.NEW))
    paper = keep_paper(library, "2504.05221", Settings(fetch_pdfs_automatically=False))
    assert paper.status is Status.UNREAD and paper.pdf_state is FetchState.NONE
    library.add(Paper.from_arxiv(ArxivId("2504.05222", 1), title="T", status=Status.READ))
    paper = keep_paper(library, "2504.05222", Settings())
    assert paper.status is Status.READ and paper.pdf_state is FetchState.NONE  # not in the inbox


def test_queueing_a_pdf_without_a_version_queues_the_metadata_too(library: Library) -> None:
    library.add(Paper.from_arxiv(ArxivId("2504.05220"), title="From a digest"))
    [key] = queue_pdfs(library, ["2504.05220"])
    paper = library.get(key)
    assert (paper.pdf_state, paper.metadata_state) == (FetchState.PENDING, FetchState.PENDING)


def test_a_local_paper_has_nothing_to_fetch(library: Library) -> None:
    paper = Paper(key="local-x-12345678", title="x")
    queue(paper, metadata=True, pdf=True)
    assert paper.pdf_state is FetchState.NONE and paper.metadata_state is FetchState.NONE


def test_failed_fetches_can_be_queued_again(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    add(library, "2504.05220")
    arxiv_server.fail_next("pdf", Fault.http(404))
    fetcher(library, arxiv_server, clock).run()
    assert requeue_failed(library) == 1
    assert fetcher(library, arxiv_server, clock).run().pdfs == ["2504.05220"]


def test_check_updates_records_new_versions_in_batches(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    for n in range(150):
        aid = ArxivId(f"2504.{n + 1:05d}", 1)
        arxiv_server.add_paper(aid.id, versions=3 if n % 50 == 0 else 1)
        library.add(Paper.from_arxiv(aid, title=f"paper {n}", latest_version=1))
    client = ArxivClient(arxiv_server.settings(), clock=clock, sleep=clock.sleep)
    seen: list[tuple[int, int]] = []
    report = check_updates(library, client, lambda d, t: seen.append((d, t)))
    assert report.checked == 150 and seen[-1] == (150, 150)
    assert len(arxiv_server.requests_of("api")) == 2
    assert [str(u) for u in report.new] == [
        "2504.00001: v3 available (you have v1)",
        "2504.00051: v3 available (you have v1)",
        "2504.00101: v3 available (you have v1)",
    ]
    assert library.get("2504.00051").latest_version == 3
    again = check_updates(library, client)
    assert again.new == [] and len(again.updates) == 3  # known now, still listed


def test_only_one_program_fetches_at_a_time(
    library: Library, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    add(library, "2504.05220")
    paths.cache_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(paths.cache_dir() / FETCH_LOCK)):  # as another program would
        report = fetcher(library, arxiv_server, clock).run()
    assert report.stopped == ANOTHER_FETCHER and report.pending == 2
    assert arxiv_server.requests == []
