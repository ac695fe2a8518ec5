"""Reading progress kept in the paper record."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.reading import progress_fraction, progress_text, record_page, start_reading

KEY = "2301.00001"


@pytest.fixture
def one(library: Library) -> Library:
    library.add(Paper(key=KEY, arxiv_id=KEY, title="A paper"))
    return library


def test_page_read_is_stored_in_the_record(one: Library) -> None:
    record_page(one, KEY, 7, 12)
    paper = Library.open(one.root).get(KEY)
    assert (paper.last_page, paper.page_count) == (7, 12)
    assert progress_text(paper.last_page, paper.page_count) == "p. 7 of 12"


@pytest.mark.parametrize(("page", "count"), [(0, 12), (13, 12), (1, 0)])
def test_out_of_range_pages_are_refused(one: Library, page: int, count: int) -> None:
    with pytest.raises(InvalidValue, match=KEY):
        record_page(one, KEY, page, count)


def test_opening_marks_unread_papers_reading_only(one: Library) -> None:
    assert start_reading(one, KEY).status is Status.READING
    one.set_status(KEY, Status.READ)
    assert start_reading(one, KEY).status is Status.READ


def test_progress_figures() -> None:
    assert progress_text(0, 10) == ""
    assert progress_text(3, None) == "p. 3"
    assert progress_fraction(5, 10) == 0.5
    assert progress_fraction(0, 10) is None
