"""Fuzzing the readers of outside files (digest, BibTeX, CSV, paper.json) with hypothesis,
through the command line's own entry point (in this process, for speed), and a full disk.

A reader may refuse a file or an entry with a clear line; it may not raise anything else,
hang, or leave the library damaged.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.cli import main
from tests.torture.harness import Row, Shell, Timer, audit, make_papers, write_digest_file

#: Seconds one fuzzed file may take before it counts as hung.
FUZZ_HANG_S = 10

DIGEST_PARTS = [
    "# ", "**Authors**: ", "**Link**: ", "**Abstract**: ", "**Subjects**: ", "**Date**: ",
    "[PDF](", "https://arxiv.org/abs/2504.0522", "v", "9" * 40, ")", "[", "](", "\n", "\n\n",
    "---\n", "$", "\\", "{", "}", "\\mathcal{O}", "é", "\x1b[2J", "**", "`", "2504.05220",
]  # fmt: skip
BIB_PARTS = [
    "@article{", "@string{", "@comment{", "@preamble{", "title = ", "author = ", " and ",
    "eprint = ", "doi = ", "url = ", "note = ", "{", "}", '"', "#", ",", "=", "\n",
    "2504.05220", "arXiv:2504.05220v2", "\\", "\\'e", "\\{", "Jr.", "{The Collaboration}",
    "https://doi.org/10.1145/1", "%", "@", "s1",
]  # fmt: skip
CSV_PARTS = [
    "arxiv_id", "title", "authors", "tags", "notes", "status", "rating", "url", "Key",
    "Item Type", "Manual Tags", ",", '"', "\n", "\r\n", ";", "2504.05220", "2504.0522",
    "https://arxiv.org/abs/2504.05220", "read", "5", "9" * 30, "=cmd()",
]  # fmt: skip


def _text_of(parts: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(parts), st.text(max_size=20))
    return st.lists(piece, max_size=120).map("".join)


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise _Hang

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _run(row: Row, argv: list[str], what: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    row.trials += 1
    try:
        with (
            _deadline(FUZZ_HANG_S),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            main(argv)
    except _Hang:
        row.hangs += 1
        row.problem(f"{what}: hung")
    except SystemExit as e:
        if e.code not in (0, 1, 2, None):
            row.tracebacks += 1
            row.problem(f"{what}: exit {e.code}")
    except Exception as e:
        row.tracebacks += 1
        row.problem(f"{what}: {type(e).__name__}: {str(e)[:160]}")


def fuzz(work: Path, examples: int) -> Row:
    row = Row("fuzzed digest, BibTeX, CSV and paper.json")
    logging.getLogger("desktop_app").setLevel(logging.ERROR)  # the skipped records' warnings
    lib = work / "fuzz"
    base = ["--library", str(lib), "--offline"]
    with contextlib.redirect_stdout(io.StringIO()):
        main([*base, "list"])
    many = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    counter = iter(range(10**9))

    def reader(command: str, suffix: str, parts: list[str]) -> None:
        @many
        @given(_text_of(parts))
        def one(text: str) -> None:
            path = work / f"fuzz-{next(counter)}{suffix}"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            _run(row, [*base, command, str(path)], f"{command} {text[:80]!r}")
            path.unlink()

        one()

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    )
    fields = [
        *("key", "arxiv_id", "title", "authors", "tags", "status", "rating", "last_page"),
        *("published", "added", "pdf_file", "arxiv_version", "edited", "citation_key"),
    ]

    @many
    @given(st.dictionaries(st.sampled_from(fields), json_values, max_size=8))
    def record(values: dict[str, object]) -> None:
        folder = lib / "papers" / "2504.09999"
        folder.mkdir(parents=True, exist_ok=True)
        data = {"key": "2504.09999", **values}
        (folder / "paper.json").write_text(json.dumps(data), encoding="utf-8")
        for argv in (["list", "--json"], ["export", "bibtex"], ["stats"]):
            _run(row, [*base, *argv], f"{argv[0]} with paper.json {json.dumps(data)[:120]}")
        shutil.rmtree(folder)

    with Timer() as t:
        reader("import-digest", ".md", DIGEST_PARTS)
        reader("import-bibtex", ".bib", BIB_PARTS)
        reader("import-csv", ".csv", CSV_PARTS)
        record()
    for bad in audit(lib):
        row.corrupt += 1
        row.problem(bad)
    row.seconds = t.seconds
    return row


def disk_full(work: Path) -> Row:
    """A library on a 2 MB tmpfs filled by an import, then edited (needs root)."""
    row = Row("disk full (2 MB tmpfs)")
    if os.geteuid() != 0:
        row.skipped = "needs root to mount a tmpfs"
        return row
    mount = work / "tmpfs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        row.skipped = f"mount failed: {done.stderr.decode(errors='replace').strip()}"
        return row
    try:
        shell = Shell(work)
        lib = mount / "library"
        import random

        rng = random.Random(9)
        digest = write_digest_file(work / "full.md", make_papers(rng, 2000, yymm="2508"))
        with Timer() as t:
            results = [shell.run(lib, "import-digest", str(digest))]
            keys = sorted(p.name for p in (lib / "papers").iterdir())[:5]
            for key in keys:
                results.append(shell.run(lib, "tag", key, "--add", "full"))
                results.append(shell.run(lib, "note", key, "--append", "x" * 50_000))
            results.append(shell.run(lib, "list"))
        for result in results:
            row.trials += 1
            if result.traceback or result.hung or result.returncode not in (0, 1):
                row.tracebacks += 1
                row.problem(f"exit {result.returncode}: {result.stderr.strip()[-200:]}")
        if results[0].returncode == 0:
            row.problem("the import did not report the full disk")
        for bad in audit(lib):
            row.corrupt += 1
            row.problem(bad)
        row.seconds = t.seconds
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    return row
