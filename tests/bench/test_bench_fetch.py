"""Benchmark: a generated 1,000-paper digest imported offline, then every PDF fetched.

The papers come from a local arXiv (tests/helpers/arxiv_server.py) on loopback, so the figures
measure Papershelf (queue, spacing gate, streaming, checks, atomic writes, paper.json
updates), not a network. The intervals are set small (see API_INTERVAL / DOWNLOAD_INTERVAL)
so the run takes seconds; against arxiv.org the settings cannot go below 3 s per API
request and 1 s per PDF, which then dominate. The server's log is checked: no two requests
overlapped and none started sooner than the interval after the previous one.
The figures go to the "Fetching from arXiv" section of tests/bench/RESULTS.md.
"""

from __future__ import annotations

import itertools
import os
import platform
import time
from pathlib import Path

import pytest

from desktop_app.core.arxiv.api import ArxivClient
from desktop_app.core.arxiv.fetch import Fetcher, queue_pdfs
from desktop_app.core.interop.digest import import_digest
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState
from tests.bench.results import write_section
from tests.bench.test_bench_import import generated_digest
from tests.helpers.arxiv_server import ArxivServer, Request
from tests.helpers.pdfgen import make_pdf

COUNT = 1000
API_INTERVAL = 0.2  # seconds; arXiv itself: 3 s
DOWNLOAD_INTERVAL = 0.01  # seconds; arXiv itself: 1 s
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_fetch.py"


def _gaps(requests: list[Request]) -> list[float]:
    """Seconds between the starts of consecutive requests, as the server saw them."""
    starts = sorted(r.at for r in requests)
    return [b - a for a, b in itertools.pairwise(starts)]


def _overlaps(requests: list[Request]) -> int:
    ordered = sorted(requests, key=lambda r: r.at)
    return sum(1 for a, b in itertools.pairwise(ordered) if a.ended is None or a.ended > b.at)


def test_bench_fetch_a_thousand_papers(
    arxiv_server: ArxivServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = make_pdf([f"page {n} " + "lorem ipsum dolor sit amet " * 150 for n in range(25)])
    library = Library.open(tmp_path / "library")

    start = time.perf_counter()
    report = import_digest(library, generated_digest(COUNT))
    imported_s = time.perf_counter() - start
    keys = queue_pdfs(library, report.added)
    queued_s = time.perf_counter() - start - imported_s
    assert len(keys) == COUNT
    for i, key in enumerate(keys):
        arxiv_server.add_paper(key, versions=1 + i % 2, pdfs={1: pdf, 2: pdf})

    settings = arxiv_server.settings(
        api_interval_s=API_INTERVAL, download_interval_s=DOWNLOAD_INTERVAL, timeout_s=10
    )
    fetcher = Fetcher(library, ArxivClient(settings), settings)
    start = time.perf_counter()
    result = fetcher.run()
    fetch_s = time.perf_counter() - start

    assert result.failed == [] and result.stopped is None and result.pending == 0
    assert len(result.metadata) == len(result.pdfs) == COUNT
    papers = library.papers()
    assert all(p.pdf_state is FetchState.DONE and library.pdf_path(p) for p in papers)

    api = arxiv_server.requests_of("api")
    pdfs = arxiv_server.requests_of("pdf")
    api_gaps, pdf_gaps = _gaps(api), _gaps(pdfs)
    # The server stamps a request when it arrives: allow 2 ms of scheduling jitter.
    assert min(api_gaps) >= API_INTERVAL - 0.002
    assert min(pdf_gaps) >= DOWNLOAD_INTERVAL - 0.002
    assert _overlaps(api) == 0 and _overlaps(pdfs) == 0
    first_pdf = min(r.at for r in pdfs)
    pdf_s = max(r.ended or r.at for r in pdfs) - first_pdf
    megabytes = COUNT * len(pdf) / 2**20
    arxiv_pace_min = (len(api) * 3 + COUNT * 1) / 60

    lines = [
        f"Command: `{COMMAND}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. A generated {COUNT:,}-paper digest (no "
        "versions given) is imported offline and every PDF queued, as `import-digest "
        "--fetch --offline` does; then `papershelf fetch` drains the queue from a local "
        f"server on loopback. Intervals set small so it finishes: {API_INTERVAL} s between "
        f"API requests, {DOWNLOAD_INTERVAL} s between downloads (arXiv itself: 3 s and 1 s, "
        "which the settings cannot go below for arxiv.org). Each PDF is "
        f"{len(pdf) / 1024:.0f} KB. One run, on a machine shared with other jobs (load "
        f"{os.getloadavg()[0]:.1f} at the end).",
        "",
        "| what | figure |",
        "|---|---|",
        f"| import the digest, offline | {imported_s:.1f} s |",
        f"| queue the {COUNT:,} PDFs (one paper.json write each) | {queued_s:.1f} s |",
        f"| drain the queue: metadata ({len(api)} API requests of up to 100 IDs) "
        f"+ {COUNT:,} PDFs | {fetch_s:.1f} s |",
        f"| PDF throughput | {COUNT / pdf_s:.0f} papers/s, {megabytes / pdf_s:.1f} MB/s |",
        f"| smallest gap between API requests (start to start) | {min(api_gaps):.3f} s "
        f"(rule: ≥ {API_INTERVAL} s) |",
        f"| smallest gap between downloads (start to start) | {min(pdf_gaps):.3f} s "
        f"(rule: ≥ {DOWNLOAD_INTERVAL} s) |",
        f"| requests in flight at once | 1 (0 overlaps among {len(api) + len(pdfs):,}) |",
        f"| same queue at arXiv's pace (3 s per API request, 1 s per PDF) | at least "
        f"{arxiv_pace_min:.0f} min, bound by the spacing |",
    ]
    write_section("Fetching from arXiv", lines)
    print("\n".join(lines))
