"""Fixtures of the command line's tests: a library to run ``papershelf`` on, empty or filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.shelf import Shelf


@pytest.fixture
def shelf(library_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shelf:
    """``papershelf`` on an empty library (made as ``papershelf init`` makes it)."""
    monkeypatch.setenv("COLUMNS", "100")
    Library.open(library_path)
    return Shelf(library_path, monkeypatch)


@pytest.fixture
def imported(shelf: Shelf) -> Shelf:
    shelf("import-digest", str(SAMPLE_DIGEST))
    return shelf


@pytest.fixture
def filled(library: Library) -> Library:
    """Two arXiv papers: one being read, tagged rag; one tagged recsys."""
    library.add(
        Paper.from_arxiv(
            parse("2504.05220v1"),
            title="Leveraging LLMs for Utility-Focused Annotation",
            authors=["Hengran Zhang"],
            published="2025-04-07",
            categories=["cs.IR"],
            tags=["rag"],
            status=Status.READING,
        )
    )
    library.add(
        Paper.from_arxiv(
            parse("2504.05217v1"),
            title="LLM-Alignment Live-Streaming Recommendation",
            authors=["Yueyang Liu"],
            published="2025-04-07",
            tags=["recsys"],
        )
    )
    return library
