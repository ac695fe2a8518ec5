"""Benchmark: importing the sample digest and a generated 1,000-entry digest.

Run with ``make bench`` (or ``pytest tests/bench/test_bench_import.py -s -o addopts=""``).
The figures go to the "Digest import" section of tests/bench/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.interop.digest import import_digest, parse_digest
from desktop_app.core.library import Library
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.bench.results import write_section
from tests.helpers.files import SAMPLE_DIGEST

SECTION = "Digest import"
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_import.py"


def generated_digest(count: int) -> str:
    """A digest of ``count`` entries shaped like the sample (multi-line abstracts included)."""
    blocks = []
    for i in range(count):
        paragraphs = " ".join(f"Sentence {j} of the abstract of paper {i}." for j in range(12))
        abstract = paragraphs if i % 5 else paragraphs + "\nA second paragraph.\nAnd a third."
        blocks.append(
            f"# Paper {i}: Retrieval with $\\mathcal{{O}}(n)$ **memory**  \n\n"
            f"**Authors**: Author A{i}, Author B{i}, Author C{i}  \n\n"
            f"**Link**: [PDF](https://arxiv.org/pdf/2505.{i + 1:05d})  \n\n"
            f"**Abstract**: {abstract} \n"
        )
    return "\n---\n".join(blocks) + "\n---\n"


def _timed(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def test_bench_digest_import(tmp_path: Path) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    sample_text = SAMPLE_DIGEST.read_text(encoding="utf-8")
    big_text = generated_digest(1000)
    big_path = tmp_path / "digest-1000.md"
    big_path.write_text(big_text, encoding="utf-8")

    parse_sample = _timed(lambda: parse_digest(sample_text), 20)
    parse_big = _timed(lambda: parse_digest(big_text), 5)

    runs = iter(range(1000))

    def fresh_import(path: Path) -> Callable[[], object]:
        return lambda: import_digest(Library.open(tmp_path / f"lib-{next(runs)}"), path)

    sample_import = _timed(fresh_import(SAMPLE_DIGEST), 5)
    big_import = _timed(fresh_import(big_path), 3)
    library = Library.open(tmp_path / "reimport")
    report = import_digest(library, big_path)
    assert len(report.added) == 1000
    reimport = _timed(lambda: import_digest(library, big_path), 3)
    list_all = _timed(library.scan, 3)

    def indexed_import() -> object:
        """As the CLI does it once an index is built: the index observes the library."""
        indexed = Library.open(tmp_path / f"lib-{next(runs)}")
        with WhooshIndex(indexed) as ix:
            ix.sync()  # built (empty): each change is indexed as it is told
            report = import_digest(indexed, big_path)
            assert ix.search("retrieval").total == len(report.added) == 1000
        return report

    with_index = _timed(indexed_import, 2)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    lines = [
        f"Command: `{COMMAND}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; libraries in the pytest temp folder "
        f"({tmp_path.anchor}tmp). Median of several runs; every paper.json is fsynced. "
        f"Load average {load:.1f} at the start (the machine is shared).",
        "",
        "| what | time |",
        "|---|---|",
        f"| parse the sample digest (33 entries) | {ms(parse_sample)} |",
        f"| parse a generated 1,000-entry digest | {ms(parse_big)} |",
        f"| import the sample digest into a new library | {ms(sample_import)} |",
        f"| import the 1,000-entry digest into a new library | {ms(big_import)} |",
        f"| import it again (1,000 already present) | {ms(reimport)} |",
        f"| import it into a new library with a search index, indexed as it goes "
        f"| {ms(with_index)} ({statistics.median(with_index) / statistics.median(big_import):.1f}"
        " × without) |",
        f"| read the 1,000 papers back (`Library.scan`, what `list` does) | {ms(list_all)} |",
    ]
    write_section(SECTION, lines)
    print("\n".join(lines))
