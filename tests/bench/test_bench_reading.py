"""Benchmark: the library-wide work behind reading (issue #6) at 10,000 papers.

Scanning every paper folder for sync-tool conflict copies (what the app's background sync
does on focus and every minute), merging them, and a bulk status change of 1,000 papers
with its undo. Run with ``make bench BENCH_ARGS=tests/bench/test_bench_reading.py``; the
figures go to the "Reading and bulk work" section of tests/bench/RESULTS.md.
``BENCH_PAPERS`` sets the size of the library (default 10,000).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import time
from pathlib import Path

from desktop_app.core import bulk
from desktop_app.core.conflicts import find_conflicts, merge_all
from desktop_app.core.paper import Paper, Status
from desktop_app.core.storage import atomic_write_json
from tests.bench.genlib import generate_records
from tests.bench.results import write_section

SECTION = "Reading and bulk work"
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_reading.py"
PAPERS = int(os.environ.get("BENCH_PAPERS", "10000"))
CONFLICTS = 10
BULK = 1000


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def test_bench_reading(tmp_path: Path) -> None:
    library = generate_records(tmp_path / "library", PAPERS)
    keys = library.keys()
    assert len(keys) == PAPERS

    # Conflict copies as Syncthing leaves them, in a few folders spread over the library.
    conflicted = keys[:: PAPERS // CONFLICTS][:CONFLICTS]
    for n, key in enumerate(conflicted):
        folder = library.paper_dir(key)
        theirs = Paper.from_dict(library.get(key).to_dict())
        theirs.tags = [*theirs.tags, f"from-laptop-{n}"]
        name = f"paper.sync-conflict-20250407-0930{n:02d}-LAPTOP1.json"
        atomic_write_json(folder / name, theirs.to_dict())
    scans = []
    for _ in range(5):
        start = time.perf_counter()
        found = find_conflicts(library)
        scans.append(time.perf_counter() - start)
    assert sorted(c.key for c in found) == sorted(conflicted)
    start = time.perf_counter()
    merged = merge_all(library)
    merging = time.perf_counter() - start
    assert len(merged) == CONFLICTS and not find_conflicts(library)
    assert "from-laptop-0" in library.get(conflicted[0]).tags

    chosen = keys[:BULK]
    start = time.perf_counter()
    result = bulk.set_status(library, chosen, Status.READ)
    changing = time.perf_counter() - start
    assert len(result.done) == len(chosen)
    start = time.perf_counter()
    undone = result.undo.undo(library)
    undoing = time.perf_counter() - start
    assert len(undone.done) == len(result.undo.changes)
    assert all(library.get(c.key).status.value == c.before["status"] for c in result.undo.changes)
    shutil.rmtree(library.root)

    rows = [
        (
            f"scan {PAPERS:,} paper folders for conflict copies: median of 5 (max)",
            f"{_ms(statistics.median(scans))} ({_ms(max(scans))})",
        ),
        (f"merge {CONFLICTS} conflict copies", _ms(merging)),
        (f"set the status of {len(chosen):,} papers (one step)", _ms(changing)),
        ("undo that step", _ms(undoing)),
    ]
    for name, value in rows:
        print(f"{name}: {value}")
    if PAPERS != 10000:
        return  # RESULTS.md holds the full-size figures only
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    write_section(
        SECTION,
        [
            f"Command: `{COMMAND}`. Machine: {machine}. A generated library of {PAPERS:,} "
            "papers (tests/bench/genlib.py, no PDFs), the core calls the app makes (in a "
            "background task there).",
            "",
            "| what | time |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in rows],
        ],
    )
