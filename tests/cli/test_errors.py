"""Every failure is one clear line, never a traceback: a full disk, a read-only library, an
unusable cache, a bug; and a batch stopped part-way says how far it got.

These run the real program in a subprocess: the full disk is a file-size limit
(``RLIMIT_FSIZE``, which holds for root too), the read-only library a read-only mount or
cleared write bits (tests/helpers/readonly.py).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.core import paths
from tests.helpers.files import ROOT, SAMPLE_DIGEST
from tests.helpers.pdfgen import write_pdf
from tests.helpers.readonly import run_read_only
from tests.helpers.shelf import Shelf

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX limits and mounts")


def _digest(tmp_path: Path, abstracts: list[str]) -> Path:
    """A digest of one entry per abstract (IDs 2504.00001, 2504.00002, ...)."""
    blocks = [
        f"# Paper number {n}\n\n**Authors**: Ada Lovelace\n\n"
        f"**Link**: [PDF](https://arxiv.org/pdf/2504.{n:05d})\n\n**Abstract**: {abstract}\n"
        for n, abstract in enumerate(abstracts, 1)
    ]
    path = tmp_path / "digest.md"
    path.write_text("\n---\n".join(blocks), encoding="utf-8")
    return path


def _run_with_file_limit(shelf: Shelf, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """The program, unable to write a file bigger than ``limit`` bytes (a disk that is full
    for any bigger file): writes fail with EFBIG as they would with ENOSPC."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # No bytecode written under the limit: with SIGXFSZ ignored, a write past the limit is
    # cut short rather than failed, and Python would leave truncated .pyc files behind.
    env = dict(shelf.env, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        shelf.command(*args),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_files,
    )


def test_a_full_disk_stops_an_import_with_one_line_saying_how_far(
    shelf: Shelf, tmp_path: Path
) -> None:
    """The 5th paper's record is too big to write: four are in, the line says so, and the
    library holds exactly those four, whole (it was a traceback after 4 papers)."""
    digest = _digest(tmp_path, ["Short."] * 4 + ["Long. " * 1000] + ["Short."] * 28)
    result = _run_with_file_limit(shelf, 3000, "import-digest", str(digest))
    assert result.returncode == 1
    paper_json = shelf.library / "papers" / "2504.00005" / "paper.json"
    assert result.stderr == (
        f"papershelf: error: {digest}: added 4 of 33 papers before: "
        f"{paper_json}: File too large (EFBIG)\n"
    )
    papers = shelf.json("list")
    assert [p["key"] for p in papers] == [f"2504.{n:05d}" for n in range(1, 5)]  # type: ignore[union-attr,index]
    assert shelf("list").stderr == ""  # no half-made paper folder to warn about
    log = (paths.log_dir() / paths.LOG_FILE).read_text(encoding="utf-8")
    assert "Traceback" in log and "EFBIG" not in result.stdout
    # Importing again, with room, adds the rest.
    assert shelf("import-digest", str(digest)).stdout.startswith("digest.md: 29 added, 4 already")


def test_a_full_disk_on_a_single_write_names_the_file(shelf: Shelf) -> None:
    shelf("add", "2504.05220")
    result = _run_with_file_limit(shelf, 10, "note", "2504.05220", "--set", "A long note. " * 5)
    notes = shelf.library / "papers" / "2504.05220" / "notes.md"
    assert result.returncode == 1
    assert result.stderr == f"papershelf: error: {notes}: File too large (EFBIG)\n"
    assert not notes.exists()


def test_verbose_shows_the_traceback(shelf: Shelf) -> None:
    shelf("add", "2504.05220")
    result = _run_with_file_limit(shelf, 10, "-v", "note", "2504.05220", "--set", "x" * 100)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("papershelf: error: ")


def _read_only(shelf: Shelf, *args: str) -> subprocess.CompletedProcess[str]:
    return run_read_only(shelf.library, shelf.command(*args), shelf.env, ROOT)


def test_a_read_only_library_can_be_read_searched_and_exported(
    imported: Shelf, tmp_path: Path
) -> None:
    """Reading needs no lock (it was `[Errno 30] … .papershelf.lock` for export), and a
    change says in one line why it cannot be made."""
    shelf = imported
    shelf("tag", "2504.05220", "--add", "algo")
    out = tmp_path / "out"
    out.mkdir()
    for command in (
        ("list",),
        ("inbox",),
        ("show", "2504.05220"),
        ("search", "dense", "retrieval"),
        ("tags",),
        ("stats",),
        ("export", "bibtex"),
        ("export", "csv", "-o", str(out / "papers.csv")),
        ("export", "bibtex", "tag:algo", "-o", str(out / "refs.bib")),
        ("duplicates",),
        ("trash",),
    ):
        result = _read_only(shelf, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
    assert (out / "refs.bib").read_text(encoding="utf-8").startswith("@misc{zhang2025")
    assert _read_only(shelf, "export", "bibtex").stdout.count("\n@misc{") == 32  # 33 papers
    result = _read_only(shelf, "tag", "2504.05220", "--add", "x")
    assert result.returncode == 1
    assert result.stderr.startswith(f"papershelf: error: {shelf.library}/.papershelf.lock: ")
    read_only = ("Read-only file system (EROFS)\n", "Permission denied (EACCES)\n")
    assert result.stderr.endswith(read_only)


def test_an_unusable_cache_is_one_line_and_attach_works_without_it(
    imported: Shelf, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    env = {paths.ENV_CACHE: str(blocked / "cache")}
    for command in (("search", "dense"), ("stats",), ("reindex",)):
        result = imported(*command, code=1, env=env)
        assert result.stderr.startswith(
            "papershelf: error: the search index cannot be kept in the cache folder: "
        ), result.stderr
        assert "Not a directory (ENOTDIR)" in result.stderr
    pdf = write_pdf(tmp_path / "paper.pdf", ["Attached without a cache."])
    result = imported("attach", "2504.05220", str(pdf), env=env)
    assert "Attached " in result.stdout and "indexed by the next search" in result.stdout
    assert "the search index cannot be kept in the cache folder" in result.stderr
    assert (imported.library / "papers" / "2504.05220" / "2504.05220.pdf").exists()
    # With a cache again, the search finds the PDF's text.
    hits = imported.json("search", "attached", "without")
    assert [h["key"] for h in hits["hits"]] == ["2504.05220"]  # type: ignore[index]


def test_a_bug_is_one_line_pointing_at_the_log(
    shelf: Shelf, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error nobody foresaw (here in the standard library's text wrapping) is one line
    that names it and where its traceback went."""
    shelf("add", "2504.05220")

    def broken(*args: object, **kwargs: object) -> list[str]:
        raise ValueError("the terminal lied")

    monkeypatch.setattr(textwrap, "wrap", broken)
    result = shelf("show", "2504.05220", code=1)
    log_file = paths.log_dir() / paths.LOG_FILE
    assert result.stderr == (
        "papershelf: error: ValueError: the terminal lied "
        f"(a bug? the details are in {log_file}; -v shows them)\n"
    )
    assert "ValueError: the terminal lied" in log_file.read_text(encoding="utf-8")


def test_json_output_is_not_mixed_with_the_error(shelf: Shelf, tmp_path: Path) -> None:
    digest = _digest(tmp_path, ["Short."] * 2 + ["Long. " * 1000])
    result = _run_with_file_limit(shelf, 3000, "import-digest", "--json", str(digest))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"papershelf: error: {digest}: added 2 of 3 papers before: ")
    assert json.loads(shelf("list", "--json").stdout)[0]["key"] == "2504.00001"


def _commands_taking_a_paper() -> list[list[str]]:
    """Each command with a paper reference argument, as argv with a 300-byte reference."""
    from tests.cli.test_parser import _commands, _value

    long_ref = "x" * 150 + "é" * 75  # 300 bytes in UTF-8, 225 characters
    commands = []
    for name, parser in sorted(_commands().items()):
        positionals = [a for a in parser._actions if not a.option_strings]
        if not any(a.dest in ("ref", "refs") for a in positionals) or name == "add":
            continue  # add takes IDs and links to parse, not papers of the library
        argv = [name]
        for action in positionals:
            argv.append(long_ref if action.dest in ("ref", "refs") else _value(action))
        argv += {"note": ["--set", "x"], "tag": ["--add", "x"]}.get(name, [])
        commands.append(argv)
    return commands


@pytest.mark.parametrize("argv", _commands_taking_a_paper(), ids=lambda argv: argv[0])
def test_a_reference_over_255_bytes_is_one_short_line(imported: Shelf, argv: list[str]) -> None:
    """It was "File name too long" with a traceback in 10 commands."""
    result = imported(*argv, code=1)
    assert result.stderr == (
        "papershelf: error: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'…: not a paper's ID, "
        "link or key (300 bytes; at most 255)\n"
    )


def test_the_reference_commands_are_all_checked() -> None:
    names = {argv[0] for argv in _commands_taking_a_paper()}
    assert {"show", "tag", "status", "keep", "dismiss", "rate", "note", "rm", "restore"} <= names
    assert {"fetch", "attach"} <= names


def test_a_really_full_disk_on_a_tiny_tmpfs(tmp_path: Path) -> None:
    """ENOSPC itself, as root can make it: the library on a 64 KiB tmpfs in a private mount
    namespace. The import stops with one line; what it added is whole and listed."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a tmpfs needs root and unshare (the RLIMIT_FSIZE tests cover the rest)")
    disk = tmp_path / "disk"
    disk.mkdir()
    library = disk / "library"
    program = [sys.executable, "-m", "desktop_app", "--library", str(library), "--offline"]
    script = (
        'mount -t tmpfs -o size=64k tmpfs "$1" || exit 97; shift\n'
        '"$@" import-digest "$DIGEST" 2>"$ERR"; echo "status=$?"\n'
        '"$@" list --json\n'
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DIGEST=str(SAMPLE_DIGEST),
        ERR=str(tmp_path / "stderr.txt"),
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(disk), *program],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    status, listing = result.stdout.split("\n", 1)
    assert status == "status=1"
    papers = json.loads(listing)
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    lines = stderr.splitlines()
    assert lines[0] == f"papershelf: created a new library in {library}"
    assert len(lines) == 2 and lines[1].startswith(
        f"papershelf: error: {SAMPLE_DIGEST}: added {len(papers)} of 33 papers before: "
    )
    assert lines[1].endswith("No space left on device (ENOSPC)")
    assert 0 < len(papers) < 33


def test_a_full_disk_stops_a_csv_import_saying_how_far(shelf: Shelf, tmp_path: Path) -> None:
    """The same for the imports of files (BibTeX, CSV, PDFs): the count of papers added."""
    shelf("import-digest", str(_digest(tmp_path, ["Short."] * 6)))
    many_tags = [arg for n in range(300) for arg in ("--add", f"topic-{n:03d}")]
    shelf("tag", "2504.00005", *many_tags)  # its record is now too big for the "disk"
    csv = tmp_path / "papers.csv"
    shelf("export", "csv", "-o", str(csv))
    other = Shelf(tmp_path / "other", shelf.monkeypatch)
    other("init")
    result = _run_with_file_limit(other, 3000, "import-csv", "--no-fetch", str(csv))
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith(f"papershelf: error: {csv}: added 4 papers before: "), line
    assert line.endswith("File too large (EFBIG)") and "\n" not in line
    assert len(other.json("list")) == 4  # type: ignore[arg-type]
