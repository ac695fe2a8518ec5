"""Reading progress: the last page read and the page count, kept in the paper's record.

``Paper.last_page`` is 1-based; 0 means the paper was never opened in the reader.
``Paper.page_count`` is the PDF's number of pages, learnt when the reader first opens it.
Both live in ``paper.json``, so the place a reader stopped syncs with the library.
"""

from __future__ import annotations

from desktop_app.core.errors import InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status


def _set_progress(paper: Paper, page: int, page_count: int | None) -> None:
    if page_count is not None:
        paper.page_count = page_count
    paper.last_page = page


def record_page(library: Library, ref: str, page: int, page_count: int | None = None) -> Paper:
    """Store that ``page`` (1-based) of the paper ``ref`` was read, and its page count.

    Raises:
        InvalidValue: the page is below 1, or beyond the page count.
        PaperNotFound: no such paper.
    """
    if page_count is not None and page_count < 1:
        raise InvalidValue(f"page count {page_count} of {ref} must be at least 1")
    if page < 1 or (page_count is not None and page > page_count):
        upper = f" to {page_count}" if page_count is not None else ""
        raise InvalidValue(f"page {page} of {ref} is out of range (1{upper})")
    return library.update(ref, lambda p: _set_progress(p, page, page_count))


def start_reading(library: Library, ref: str) -> Paper:
    """Mark a paper Reading when it is opened for the first time (new or unread).

    A paper already Reading or Read keeps its status.
    """

    def change(paper: Paper) -> None:
        if paper.status in (Status.NEW, Status.UNREAD):
            paper.set_status(Status.READING)

    return library.update(ref, change)


def progress_fraction(last_page: int, page_count: int | None) -> float | None:
    """How far along the paper the reader is, 0.0 to 1.0; None when unknown."""
    if not page_count or last_page <= 0:
        return None
    return min(last_page, page_count) / page_count


def progress_text(last_page: int, page_count: int | None) -> str:
    """``p. 3 of 12`` (or ``p. 3`` without a page count); empty when never opened."""
    if last_page <= 0:
        return ""
    if not page_count:
        return f"p. {last_page}"
    return f"p. {min(last_page, page_count)} of {page_count}"
