"""PDF downloads from a local arXiv: progress, checks, resume with Range, cancel, spacing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_app.core.arxiv.download import PdfDownloader, part_path
from desktop_app.core.arxiv.net import AccessBlock
from desktop_app.core.errors import AccessDenied, BadResponse, Cancelled, NetworkError
from tests.helpers.arxiv_server import ArxivServer, FakeClock, Fault
from tests.helpers.pdfgen import make_pdf

# About 190 KB: several chunks of 64 KiB, so progress and resuming show.
BIG_PDF = make_pdf([f"page {n} " + "lorem ipsum dolor sit amet " * 150 for n in range(48)])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(arxiv_server: ArxivServer) -> ArxivServer:
    arxiv_server.add_paper("2504.05220", versions=2, pdfs={2: BIG_PDF})
    return arxiv_server


def downloader(server: ArxivServer, clock: FakeClock, **settings: object) -> PdfDownloader:
    return PdfDownloader(server.settings(**settings), clock=clock, sleep=clock.sleep)


def url(server: ArxivServer, ref: str = "2504.05220v2") -> str:
    return server.pdf_url + ref


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_pdf_is_streamed_with_progress_and_lands_whole(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    dest = tmp_path / "2504.05220" / "2504.05220v2.pdf"
    seen: list[tuple[int, int | None]] = []
    result = downloader(server, clock).download(
        url(server), dest, progress=lambda d, t: seen.append((d, t))
    )
    assert dest.read_bytes() == BIG_PDF
    assert (result.path, result.size, result.resumed) == (dest, len(BIG_PDF), False)
    assert len(seen) >= 3 and seen[-1] == (len(BIG_PDF), len(BIG_PDF))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert leftovers(dest.parent) == []  # no temp file left behind
    assert server.requests_of("pdf")[0].headers["User-Agent"].startswith("Papershelf/")


def test_a_connection_dropped_mid_body_is_resumed_with_a_range_request(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.fail_next("pdf", Fault.drop(after=70_000))
    dest = tmp_path / "2504.05220v2.pdf"
    result = downloader(server, clock).download(url(server), dest)
    assert result.resumed and dest.read_bytes() == BIG_PDF
    first, second = server.requests_of("pdf")
    assert "Range" not in first.headers
    assert second.headers["Range"].startswith("bytes=")
    assert int(second.headers["Range"][6:-1]) >= 65_536  # what arrived was kept
    assert second.headers["If-Range"].startswith('"')


def test_a_server_without_ranges_makes_the_download_restart(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.ranges = False
    server.fail_next("pdf", Fault.drop(after=70_000))
    dest = tmp_path / "2504.05220v2.pdf"
    result = downloader(server, clock).download(url(server), dest)
    assert not result.resumed and dest.read_bytes() == BIG_PDF


def test_an_html_page_is_never_saved_as_a_pdf(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.fail_next("pdf", Fault.html())
    dest = tmp_path / "2504.05220v2.pdf"
    with pytest.raises(BadResponse, match=r"^not a PDF \(got text/html\)$"):
        downloader(server, clock).download(url(server), dest)
    assert list(tmp_path.iterdir()) == []
    assert len(server.requests_of("pdf")) == 1  # not retried


def test_a_captcha_claiming_to_be_a_pdf_is_refused(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.fail_next("pdf", Fault(body=b"<html>captcha</html>", content_type="application/pdf"))
    with pytest.raises(BadResponse, match="not a PDF"):
        downloader(server, clock).download(url(server), tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_pdf_is_refused(server: ArxivServer, clock: FakeClock, tmp_path: Path) -> None:
    server.fail_next("pdf", Fault(truncate=len(BIG_PDF) // 2))
    with pytest.raises(BadResponse, match=r"truncated PDF \(no %%EOF"):
        downloader(server, clock).download(url(server), tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_over_the_size_cap_is_refused(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.papers["2504.05220"].pdfs[2] = BIG_PDF + b"%" + b" " * (2 * 2**20) + b"\n%%EOF\n"
    with pytest.raises(BadResponse, match=r"too large \(2\.2 MB; the limit is 1 MB\)"):
        downloader(server, clock, max_pdf_mb=1).download(url(server), tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_pdf_is_http_404_without_retries(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(NetworkError, match=r"^HTTP 404$"):
        downloader(server, clock).download(url(server, "2504.05220v9"), tmp_path / "x.pdf")
    assert len(server.requests_of("pdf")) == 1


def test_503_and_429_are_tried_again_honouring_retry_after(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.fail_next("pdf", Fault.http(503, Retry_After="30"), Fault.http(429))
    dest = tmp_path / "x.pdf"
    downloader(server, clock).download(url(server), dest)
    assert dest.read_bytes() == BIG_PDF
    assert clock.sleeps == [30.0, 4.0]


def test_a_server_too_slow_times_out_after_the_tries(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.fail_next("pdf", *[Fault.slow(1.0)] * 4)
    with pytest.raises(NetworkError, match=r"^timed out after 4 tries$"):
        downloader(server, clock, timeout_s=0.1).download(url(server), tmp_path / "x.pdf")


def test_a_cancelled_download_keeps_its_part_and_resumes_later(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    dest = tmp_path / "2504.05220v2.pdf"
    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done >= 65_536:
            cancel.set()

    with pytest.raises(Cancelled):
        downloader(server, clock).download(url(server), dest, progress=progress, cancel=cancel)
    assert not dest.exists() and part_path(dest).stat().st_size >= 65_536
    result = downloader(server, clock).download(url(server), dest)
    assert result.resumed and dest.read_bytes() == BIG_PDF
    assert leftovers(tmp_path) == []


def test_a_changed_file_on_the_server_is_downloaded_afresh(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    dest = tmp_path / "2504.05220v2.pdf"
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        downloader(server, clock).download(
            url(server), dest, progress=lambda done, total: cancel.set(), cancel=cancel
        )
    new_pdf = make_pdf(["a replaced file"] * 60)
    server.papers["2504.05220"].pdfs[2] = new_pdf
    result = downloader(server, clock).download(url(server), dest)
    # If-Range no longer matches: the server sent the whole new file, nothing was spliced.
    assert not result.resumed and dest.read_bytes() == new_pdf


def test_403_blocks_all_fetching(server: ArxivServer, clock: FakeClock, tmp_path: Path) -> None:
    server.fail_next("pdf", Fault.http(403))
    with pytest.raises(AccessDenied):
        downloader(server, clock).download(url(server), tmp_path / "x.pdf")
    with pytest.raises(AccessDenied):
        downloader(server, clock).download(url(server), tmp_path / "x.pdf")
    assert len(server.requests_of("pdf")) == 1
    assert AccessBlock().info() is not None


def test_downloads_are_spaced_by_the_interval(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.add_paper("2504.05221")
    d = downloader(server, clock, download_interval_s=1.0)
    for i in range(3):
        d.download(url(server, "2504.05221v1"), tmp_path / f"{i}.pdf")
    assert clock.sleeps == [1.0, 1.0]


def test_a_pdf_trickling_in_fails_with_a_reason(
    server: ArxivServer, clock: FakeClock, tmp_path: Path
) -> None:
    # Issue #19, D11: a stalled paper fails with a reason, so the queue moves on.
    server.fail_next("pdf", Fault.trickling(0.02))
    client = downloader(server, clock)
    client.stall_window_s, client.stall_min_bytes = 0.5, 10_000
    with pytest.raises(NetworkError, match="the server sends too slowly"):
        client.download(url(server), tmp_path / "paper.pdf")
    assert not (tmp_path / "paper.pdf").exists()
