"""An endless or huge file given where a digest, a BibTeX/CSV file or a PDF is expected is
refused before it is read, with one line naming it (#19: ``/dev/zero`` was read until
MemoryError). Run as subprocesses with their memory capped, so the reading it was cannot
take the machine's memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

import pytest

from desktop_app.core import paths
from desktop_app.core.library import Library
from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.shelf import Shelf

KEY = "2504.05220"
MEMORY_CAP = 1024 * 1024 * 1024  # a run that reads the device fails quickly

pytestmark = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _run(shelf: Shelf, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shelf.command(*args),
        capture_output=True,
        text=True,
        env=shelf.env,
        timeout=120,
        preexec_fn=_capped,  # a memory cap for the child only
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert all(w in result.stderr for w in words), result.stderr


@pytest.mark.parametrize("command", ["import-digest", "import-bibtex", "import-csv"])
def test_dev_zero_is_refused_as_an_import_file(shelf: Shelf, command: str) -> None:
    _one_line(_run(shelf, command, "/dev/zero"), "/dev/zero", "is not a file")


def test_dev_zero_is_refused_as_a_pdf(shelf: Shelf) -> None:
    shelf("import-digest", str(SAMPLE_DIGEST))
    _one_line(_run(shelf, "attach", KEY, "/dev/zero"), "/dev/zero", "is not a file")
    _one_line(_run(shelf, "add-pdf", "/dev/zero"), "/dev/zero", "is not a file")
    assert Library.open(shelf.library).get(KEY).pdf_file is None


def test_a_pdf_over_the_size_limit_is_refused_unread(shelf: Shelf, tmp_path: Path) -> None:
    shelf("import-digest", str(SAMPLE_DIGEST))
    settings = paths.config_dir() / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"max_pdf_mb": 2}), encoding="utf-8")
    big = tmp_path / "huge.pdf"
    with big.open("wb") as f:  # sparse: 3 GB of nothing but a PDF header
        f.write(b"%PDF-1.4\n")
        f.truncate(3 * 1024**3)
    _one_line(_run(shelf, "attach", KEY, str(big)), "huge.pdf", "over the limit")
    skipped = _run(shelf, "add-pdf", str(big))  # listed with what an import skips
    assert skipped.returncode == 0 and "Traceback" not in skipped.stderr
    assert "huge.pdf: 3,072.0 MB is over the max_pdf_mb setting; not added" in skipped.stdout
    assert Library.open(shelf.library).get(KEY).pdf_file is None
    assert os.path.getsize(big) == 3 * 1024**3
