"""Benchmark: the search index over a generated library of 10,000 papers with full text.

Run with ``make bench BENCH_ARGS=tests/bench/test_bench_index.py`` (several minutes at full
size); ``BENCH_PAPERS=1000`` runs a smaller library. The figures go to the "Search index"
section of tests/bench/RESULTS.md. Targets (issue #3, 10,000 papers, 2 cores): query p95
at most 50 ms, a tag change searchable within 150 ms, open within 300 ms, rebuild at least
50 papers/s.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.library import Library
from desktop_app.core.search.api import SortOrder
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.bench.genlib import generate
from tests.bench.results import write_section

SECTION = "Search index"
PAPERS = int(os.environ.get("BENCH_PAPERS", "10000"))
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_index.py"
#: The fixed query set: one term, two terms, a phrase, a prefix, field filters, sorted.
QUERIES: list[tuple[str, SortOrder]] = [
    ("retrieval", SortOrder.RELEVANCE),
    ("transformer", SortOrder.RELEVANCE),
    ("dense retrieval", SortOrder.RELEVANCE),
    ("contrastive distillation", SortOrder.RELEVANCE),
    ('"neural network"', SortOrder.RELEVANCE),
    ('"hard negatives"', SortOrder.RELEVANCE),
    ("retriev*", SortOrder.RELEVANCE),
    ("multiling*", SortOrder.RELEVANCE),
    ("tag:rag", SortOrder.RELEVANCE),
    ("author:gomez", SortOrder.RELEVANCE),
    ("title:graph year:2020..2025", SortOrder.RELEVANCE),
    ("status:unread has:notes", SortOrder.ADDED),
    ("retrieval", SortOrder.YEAR),
    ("colbert -tag:survey", SortOrder.TITLE),
    ("", SortOrder.ADDED),
]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1f} ms"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _gauge() -> float:
    """Seconds a fixed pure-Python loop takes (best of 5): the shared VM's speed changes
    from hour to hour, by up to 2x; this puts each run's figures in proportion."""
    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.timeout(7200)
def test_bench_index(tmp_path: Path) -> None:
    gauge = _gauge()
    start = time.perf_counter()
    library = generate(tmp_path / "library", PAPERS)
    generated = time.perf_counter() - start
    print(f"\ngenerated {PAPERS} papers in {generated:.0f} s", file=sys.stderr)

    with WhooshIndex(library, observe=False) as index:
        start = time.perf_counter()
        index.rebuild()
        rebuild = time.perf_counter() - start
        stats = index.stats()
        size = _folder_bytes(stats.index_dir)
    assert stats.papers == PAPERS and stats.pdfs_indexed == PAPERS
    print(f"rebuilt in {rebuild:.0f} s", file=sys.stderr)

    # Open: a new process's first look (the index exists), then its first query.
    fresh = Library.open(library.root)
    start = time.perf_counter()
    index = WhooshIndex(fresh)
    assert index.exists()
    opened = time.perf_counter() - start
    start = time.perf_counter()
    first = index.search("retrieval", limit=20)
    first_query = time.perf_counter() - start
    assert first.total > 0
    start = time.perf_counter()
    report = index.sync()
    synced = time.perf_counter() - start
    assert not report.rebuilt and report.updated == 0

    # Queries as the GUI runs them (every hit, no snippets) and as the CLI does (20 hits
    # with snippets).
    gui_times: list[float] = []
    cli_times: list[float] = []
    per_query: dict[str, list[float]] = {}  # round 1 first: the query's first run
    totals: dict[str, int] = {}
    for _round in range(5):
        for query, sort in QUERIES:
            name = f"`{query}`" + (f" by {sort.value}" if sort != SortOrder.RELEVANCE else "")
            t0 = time.perf_counter()
            results = index.search(query, sort=sort)
            gui_times.append(time.perf_counter() - t0)
            per_query.setdefault(name, []).append(gui_times[-1])
            totals[name] = results.total
            t0 = time.perf_counter()
            index.search(query, sort=sort, limit=20, snippets=True)
            cli_times.append(time.perf_counter() - t0)

    # A tag change, from the library call to the search that finds it.
    tag_times: list[float] = []
    keys = fresh.keys()
    for i in range(10):
        key = keys[(i * 997) % len(keys)]
        t0 = time.perf_counter()
        fresh.add_tags(key, [f"bench-tag-{i}"])
        found = index.search(f"tag:bench-tag-{i}")
        tag_times.append(time.perf_counter() - t0)
        assert [h.key for h in found.hits] == [key]
    index.close()

    # Rounds 2-5 repeat each query: the index keeps each word's scores per searcher (until
    # the next commit), as when the GUI runs a query again (another sort, another view).
    first_times = [times[0] for times in per_query.values()]
    repeated_times = [t for times in per_query.values() for t in times[1:]]
    query_p95 = _percentile(gui_times, 0.95)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gauge = min(gauge, _gauge())
    figures = [
        ("machine speed gauge: `sum(range(10**7))`, best of 10 (lower is faster)", _ms(gauge)),
        ("papers (≈6,000 words of full text each)", f"{PAPERS:,}"),
        ("full rebuild", f"{rebuild:.0f} s, {PAPERS / rebuild:.0f} papers/s"),
        ("index size on disk", f"{size / 1e6:.0f} MB"),
        ("open (a new process, index there)", _ms(opened)),
        ("first query after open (reads the paper records)", _ms(first_query)),
        ("sync when nothing changed (fingerprints of every folder)", _ms(synced)),
        ("query, every hit, no snippets (GUI): median", _ms(statistics.median(gui_times))),
        ("query, every hit, no snippets (GUI): p95", _ms(query_p95)),
        (
            "query, every hit, no snippets (GUI), rounds 2-5 (run before): p95",
            _ms(_percentile(repeated_times, 0.95)),
        ),
        (
            "query, every hit, no snippets (GUI), first run of each query: median",
            _ms(statistics.median(first_times)),
        ),
        (
            "query, every hit, no snippets (GUI), first run of each query: max",
            _ms(max(first_times)),
        ),
        ("query, 20 hits with snippets (CLI): median", _ms(statistics.median(cli_times))),
        ("query, 20 hits with snippets (CLI): p95", _ms(_percentile(cli_times, 0.95))),
        ("tag change to searchable: median", _ms(statistics.median(tag_times))),
        ("tag change to searchable: max", _ms(max(tag_times))),
        ("peak memory of the benchmark process (RSS)", f"{peak_mb:.0f} MB"),
    ]
    for name, value in figures:
        print(f"{name}: {value}", file=sys.stderr)
    query_rows = [
        f"| {name} | {totals[name]:,} | {_ms(times[0])} | {_ms(statistics.median(times))} |"
        for name, times in per_query.items()
    ]
    print("\n".join(query_rows), file=sys.stderr)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    targets = [
        ("query p95 at most 50 ms", query_p95 <= 0.050, _ms(query_p95)),
        ("a tag change searchable within 150 ms", max(tag_times) <= 0.150, _ms(max(tag_times))),
        ("open within 300 ms", opened <= 0.300, _ms(opened)),
        ("rebuild at least 50 papers/s", PAPERS / rebuild >= 50, f"{PAPERS / rebuild:.0f}/s"),
    ]
    verdicts = [f"{what}: {got}, {'met' if ok else 'missed'}" for what, ok, got in targets]
    if PAPERS != 10000:
        return  # RESULTS.md holds the full-size figures only
    write_section(
        SECTION,
        [
            f"Command: `{COMMAND}`. Machine: {machine}. A generated library "
            "(tests/bench/genlib.py: realistic titles, 3-9 authors, ~200-word abstracts, "
            "~6,000 words of full text in 12 pages per paper, Zipf-distributed vocabulary); the "
            "PDF text is put in the text cache as pypdfium2 would have left it. Fixed query "
            f"set of {len(QUERIES)} queries (one term, two terms, phrases, prefixes, field "
            "filters, sorted), 5 rounds; the first round runs each query for the first time, "
            "the later ones find its words' scores kept by the index (until its next commit).",
            "",
            "| what | figure |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in figures],
            "",
            "Against the targets of issue #3 (this run): " + "; ".join(verdicts) + ".",
            "",
            "Per query (every hit, no snippets):",
            "",
            "| query | hits | first run | median of 5 |",
            "|---|---|---|---|",
            *query_rows,
        ],
    )
