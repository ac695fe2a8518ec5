"""Which page the reader shows: the page whose top is in view, and the last page at the end.

QPdfView's own current page (Qt 6.12) is the page under a line 40 % down the viewport. At
the end of a zoomed-out document that is a page or two before the last (page 15 of 15 read
"13 of 15" and was stored as the last page read), and when the line falls in the gap
between two pages it says page 1. :class:`PageTracker` follows the scroll position instead:

- with the end of the document in view (the last page's bottom) it is the last page;
- otherwise it is the first page whose top is in the upper half of the viewport, else the
  page that covers the top of the viewport;
- right after a jump (page box, outline, a find match) it is the page jumped to until the
  view scrolls, even when the view cannot scroll that far (page 13 of 15 zoomed out).

Where the pages sit is worked out from their sizes in points and the scroll range, so it
holds in every zoom mode without reading QPdfView's private layout.
"""

from __future__ import annotations

from bisect import bisect_right

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView


def shown_page(tops: list[float], end: float, value: int, height: int) -> int:
    """The page (0-based) shown at scroll ``value`` in a viewport ``height`` pixels high.

    ``tops`` are the pages' tops in scroll coordinates, ``end`` the last page's bottom.
    """
    if not tops:
        return 0
    if end <= value + height + 1:  # the end of the document is in view
        return len(tops) - 1
    first_below = bisect_right(tops, value - 1)  # the first page whose top is at or below value
    if first_below < len(tops) and tops[first_below] < value + height / 2:
        return first_below
    return max(0, first_below - 1)


class PageTracker(QObject):
    """Follows the page a :class:`QPdfView` (in multi-page mode) shows."""

    #: The page shown changed (0-based).
    page_changed = Signal(int)

    def __init__(self, view: QPdfView, document: QPdfDocument) -> None:
        super().__init__(view)
        self._view = view
        self._document = document
        self._heights: list[float] = []
        self._page = 0
        self._target: int | None = None
        self._target_value: int | None = None
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self.update)
        bar.rangeChanged.connect(self.update)
        document.statusChanged.connect(self._reset)

    @property
    def page(self) -> int:
        """The page shown, 0-based."""
        return self._page

    def _reset(self, status: QPdfDocument.Status) -> None:
        # A document being destroyed reports its closing; its pages are gone by then.
        ready = status == QPdfDocument.Status.Ready and shiboken6.isValid(self._document)
        count = self._document.pageCount() if ready else 0
        self._heights = [self._document.pagePointSize(i).height() for i in range(count)]
        self._page = 0
        self._target = None

    def jumped(self, page: int) -> None:
        """The view was sent to ``page`` (0-based): show it until the view scrolls away."""
        self._target = page
        self._target_value = self._view.verticalScrollBar().value()
        self.update()

    def tops(self) -> list[float]:
        """Each page's top in scroll coordinates, then the last page's bottom; empty while
        the pages fit in the view (or are not laid out yet)."""
        bar = self._view.verticalScrollBar()
        count = len(self._heights)
        points = sum(self._heights)
        if not count or points <= 0 or bar.maximum() <= 0:
            return []
        margins = self._view.documentMargins()
        spacing = self._view.pageSpacing()
        # QPdfView stacks the pages with a spacing after each, inside the document margins.
        content = bar.maximum() + self._view.viewport().height()
        scale = (content - margins.top() - margins.bottom() - spacing * count) / points
        tops: list[float] = []
        y = float(margins.top())
        for h in self._heights:
            tops.append(y)
            y += h * scale + spacing
        tops.append(y - spacing)
        return tops

    def update(self, *_: object) -> None:
        bar = self._view.verticalScrollBar()
        if self._target is not None and bar.value() != self._target_value:
            if bar.maximum() > 0:
                self._target = None
            else:  # not laid out yet: the jump still stands once it is
                self._target_value = bar.value()
        if self._target is not None:
            page = self._target
        else:
            tops = self.tops()
            if not tops:
                return  # everything fits: the page stays what it was
            height = self._view.viewport().height()
            page = shown_page(tops[:-1], tops[-1], bar.value(), height)
        if page != self._page:
            self._page = page
            self.page_changed.emit(page)
