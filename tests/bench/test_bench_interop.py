"""Benchmark: export and import of a 1,000-paper library, duplicates, adding 100 PDFs.

Run with ``make bench BENCH_ARGS=tests/bench/test_bench_interop.py``. The figures go to the
"Import and export" section of tests/bench/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.interop.bibtex import Dialect, export_bibtex
from desktop_app.core.interop.bibtex_import import import_bibtex
from desktop_app.core.interop.duplicates import find_duplicates
from desktop_app.core.interop.export import ExportFormat, export_papers
from desktop_app.core.interop.spreadsheet import import_csv
from desktop_app.core.library import Library
from desktop_app.core.pdf.importer import import_pdfs
from tests.bench.genlib import generate_records
from tests.bench.results import write_section
from tests.helpers.pdfgen import write_pdf

SECTION = "Import and export"
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_interop.py"
PAPERS = 1000
PDFS = 100


def _timed(func: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _library(root: Path) -> Library:
    library = generate_records(root, PAPERS)
    for i, key in enumerate(library.keys(), start=1):
        if i % 5 == 0:
            library.notes_path(key).write_text(f"Notes on paper {i}.\n", encoding="utf-8")
    return library


def test_bench_import_and_export(tmp_path: Path) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    library = _library(tmp_path / "library")
    papers = library.papers()
    rows: list[tuple[str, float]] = []

    t, first = _timed(lambda: export_bibtex(library, papers, with_notes=True))
    rows.append((f"BibTeX export of {PAPERS} papers, keys assigned and saved", t))
    papers = library.papers()
    t, bib = _timed(lambda: export_bibtex(library, papers, with_notes=True))
    rows.append((f"BibTeX export of {PAPERS} papers, keys known", t))
    assert bib == first and isinstance(bib, str)
    for fmt in (ExportFormat.BIBLATEX, ExportFormat.CSV, ExportFormat.READING_LIST):
        t, _ = _timed(lambda fmt=fmt: export_papers(library, papers, fmt))
        rows.append((f"{fmt.label} export of {PAPERS} papers", t))

    bib_path = tmp_path / "all.bib"
    bib_path.write_text(bib, encoding="utf-8")
    other = Library.open(tmp_path / "other")
    t, report = _timed(lambda: import_bibtex(other, bib_path))
    assert len(report.added) == PAPERS and not report.problems  # type: ignore[attr-defined]
    rows.append((f"BibTeX import of {PAPERS} entries into a new library", t))
    t, report = _timed(lambda: import_bibtex(other, bib_path))
    assert len(report.unchanged) == PAPERS  # type: ignore[attr-defined]
    rows.append((f"the same import again ({PAPERS} already there)", t))

    csv_path = tmp_path / "all.csv"
    csv_path.write_text(export_papers(library, papers, ExportFormat.CSV), encoding="utf-8-sig")
    third = Library.open(tmp_path / "third")
    t, _ = _timed(lambda: import_csv(third, csv_path))
    rows.append((f"CSV import of {PAPERS} rows into a new library", t))

    t, groups = _timed(lambda: find_duplicates(library.papers()))
    rows.append((f"find duplicates among {PAPERS} papers (reading them included)", t))

    pdfs = tmp_path / "pdfs"
    for i in range(PDFS):
        name = f"2601.{i + 1:05d}v1.pdf" if i % 2 else f"report-{i}.pdf"
        write_pdf(pdfs / name, [f"Title of document {i}\nBody text " * 20] * 8)
    fourth = Library.open(tmp_path / "fourth")
    t, report = _timed(lambda: import_pdfs(fourth, [pdfs]))
    assert len(report.added) == PDFS  # type: ignore[attr-defined]
    rows.append((f"add-pdf of a folder of {PDFS} PDFs (8 pages each; text read, copied)", t))

    lines = [
        f"Command: `{COMMAND}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; a generated library of {PAPERS} papers "
        "(one in five with notes) in the pytest temp folder; every paper.json write is "
        f"fsynced. One run; load average {load:.1f} at the start (the machine is shared).",
        "",
        "| what | time |",
        "|---|---|",
        *[f"| {what} | {seconds * 1000:.0f} ms |" for what, seconds in rows],
        "",
        f"{len(groups)} duplicate groups found (the generated titles are distinct).",  # type: ignore[arg-type]
    ]
    write_section(SECTION, lines)
    print("\n".join(lines))
    assert Dialect.BIBTEX  # the default dialect of the first two rows
