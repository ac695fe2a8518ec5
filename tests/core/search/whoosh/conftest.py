"""Fixtures of the search index tests: a library of three papers, its index, and one PDF
text worker per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.core.library import Library
from desktop_app.core.pdf.text import TextExtractor
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import fill


@pytest.fixture(scope="module")
def extractor() -> Iterator[TextExtractor]:
    """One PDF worker for the module's tests (starting one takes a moment)."""
    with TextExtractor(timeout=30) as ex:
        yield ex


@pytest.fixture
def lib(library: Library) -> Library:
    return fill(library)


@pytest.fixture
def ix(lib: Library, extractor: TextExtractor) -> Iterator[WhooshIndex]:
    with WhooshIndex(lib, extractor=extractor) as index:
        report = index.sync()
        assert report.rebuilt and report.reason == "no index yet"
        yield index


@pytest.fixture(scope="module")
def shared_ix(
    tmp_path_factory: pytest.TempPathFactory, extractor: TextExtractor
) -> Iterator[WhooshIndex]:
    """One index for the tests that only read (it never changes)."""
    base = tmp_path_factory.mktemp("shared")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERSHELF_CACHE_DIR", str(base / "cache"))
        library = fill(Library.open(base / "library"))
        with WhooshIndex(library, extractor=extractor, observe=False) as index:
            index.sync()
            yield index
