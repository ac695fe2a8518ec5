"""Fixtures of the command line's tests: a library to run ``papershelf`` on, empty or filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.shelf import Shelf


@pytest.fixture
def shelf(library_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shelf:
    monkeypatch.setenv("COLUMNS", "100")
    return Shelf(library_path, monkeypatch)


@pytest.fixture
def imported(shelf: Shelf) -> Shelf:
    shelf("import-digest", str(SAMPLE_DIGEST))
    return shelf
