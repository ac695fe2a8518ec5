"""The annotation layer of a reader: draws annotations over QPdfView's pages, selects text.

QPdfView draws the pages but offers neither text selection nor a way to map a page's
points to the screen, so this layer does both. :class:`PageLayout` computes where each page
sits in the view the way QPdfView lays its pages out (Qt 6's ``calculateDocumentLayout``:
page sizes from the point size, the screen's logical DPI and the zoom mode; pages centred,
``documentMargins`` around and ``pageSpacing`` after each page); the tests compare it with
the view's own pixels at several zooms and scroll positions.

:class:`AnnotationLayer` is a transparent child of the view's viewport, as large as it. It
paints the annotations of the pages in sight (highlights multiplied onto the page, so the
text stays black; underlines; note icons; area frames), the text selection, and the
annotation selected for editing. A drag selects text (QtPdf's ``getSelection``); with the
area or note tool on, a drag draws a rectangle / a click pins a note. The wheel and keys
pass through to the view. Coordinates kept in annotations are PDF points with the origin at
the bottom left (:mod:`desktop_app.core.annotations.model`); QtPdf's are points from the top
left; :meth:`PageLayout.to_view` and :meth:`PageLayout.from_view` convert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QToolTip, QWidget

from desktop_app.core.annotations.model import Annotation, Kind, Rect

#: A note's icon, in points (like a PDF reader's sticky note).
NOTE_SIZE = 18.0
HIGHLIGHT_ALPHA = 110
SELECTION_ALPHA = 90


class Tool(Enum):
    """What a drag on the page does."""

    SELECT = "select"  # select text
    AREA = "area"  # draw a rectangle
    NOTE = "note"  # pin a note where clicked


@dataclass
class TextSelection:
    """Text selected on one page: QtPdf's bounds (points, top-left origin) and text."""

    page: int  # 0-based
    polygons: list[QPolygonF]
    text: str
    start: int  # index of its first character in the page's text
    length: int


class PageLayout:
    """Where QPdfView puts each page, in the view's document coordinates (see module doc)."""

    def __init__(self, view: QPdfView) -> None:
        self.view = view
        self._key: tuple[object, ...] | None = None
        self._rects: list[QRectF] = []

    @property
    def document(self) -> QPdfDocument | None:
        return self.view.document()

    def _state(self) -> tuple[object, ...]:
        doc = self.document
        v = self.view
        m = v.documentMargins()
        return (
            id(doc),
            doc.pageCount() if doc else 0,
            v.zoomMode(),
            v.zoomFactor(),
            v.viewport().width(),
            v.viewport().height(),
            v.pageSpacing(),
            (m.left(), m.top(), m.right(), m.bottom()),
            v.pageMode(),
        )

    def rects(self) -> list[QRectF]:
        """Each page's rectangle in document coordinates (before scrolling)."""
        state = self._state()
        if state != self._key:
            self._key = state
            self._rects = self._compute()
        return self._rects

    def _compute(self) -> list[QRectF]:
        doc = self.document
        if doc is None or doc.status() != QPdfDocument.Status.Ready:
            return []
        v = self.view
        screen = QGuiApplication.primaryScreen()
        resolution = screen.logicalDotsPerInch() / 72.0 if screen else 96 / 72.0
        m = v.documentMargins()
        spacing = v.pageSpacing()
        vp = v.viewport().size()
        mode = v.zoomMode()
        sizes: list[QSize] = []
        for page in range(doc.pageCount()):
            points = doc.pagePointSize(page)
            if mode == QPdfView.ZoomMode.Custom:
                size = (points * resolution * v.zoomFactor()).toSize()
            else:
                size = (points * resolution).toSize()
                if mode == QPdfView.ZoomMode.FitToWidth and size.width() > 0:
                    factor = (vp.width() - m.left() - m.right()) / size.width()
                    size = QSizeF(size.width() * factor, size.height() * factor).toSize()
                elif mode == QPdfView.ZoomMode.FitInView:
                    room = QSize(vp.width() - m.left() - m.right(), vp.height() - spacing)
                    size = size.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
            sizes.append(size)
        total_width = max((s.width() for s in sizes), default=0) + m.left() + m.right()
        rects: list[QRectF] = []
        y = m.top()
        for size in sizes:
            x = (max(total_width, vp.width()) - size.width()) // 2
            rects.append(QRectF(x, y, size.width(), size.height()))
            y += size.height() + spacing
        return rects

    def page_rect(self, page: int) -> QRectF:
        """The page's rectangle in viewport coordinates (scrolled), empty when unknown."""
        rects = self.rects()
        if not 0 <= page < len(rects):
            return QRectF()
        v = self.view
        return rects[page].translated(
            -v.horizontalScrollBar().value(), -v.verticalScrollBar().value()
        )

    def _scale(self, page: int, rect: QRectF) -> tuple[float, float]:
        doc = self.document
        points = doc.pagePointSize(page) if doc else QSizeF()
        if points.width() <= 0 or points.height() <= 0:
            return 1.0, 792.0
        return rect.width() / points.width(), points.height()

    def to_view(self, page: int, x: float, y: float) -> QPointF:
        """A point of the page in PDF points (origin bottom left) → viewport pixels."""
        return self.mapper(page)(x, y)

    def mapper(self, page: int) -> Callable[[float, float], QPointF]:
        """:meth:`to_view` for many points of one page (the page's place looked up once)."""
        rect = self.page_rect(page)
        scale, height = self._scale(page, rect)
        left, top = rect.x(), rect.y() + height * scale

        def to_view(x: float, y: float) -> QPointF:
            return QPointF(left + x * scale, top - y * scale)

        return to_view

    def qt_to_view(self, page: int, point: QPointF) -> QPointF:
        """A point in QtPdf's page points (origin top left) → viewport pixels."""
        rect = self.page_rect(page)
        scale, _ = self._scale(page, rect)
        return QPointF(rect.x() + point.x() * scale, rect.y() + point.y() * scale)

    def from_view(self, pos: QPointF, *, clamp_to: int | None = None) -> tuple[int, QPointF]:
        """Viewport pixels → (page, QtPdf page point); (-1, …) off every page.

        ``clamp_to``: the page a drag started on; the point is taken on it, clamped.
        """
        pages = [clamp_to] if clamp_to is not None else range(len(self.rects()))
        for page in pages:
            rect = self.page_rect(page)
            if clamp_to is None and not rect.contains(pos):
                continue
            scale, _ = self._scale(page, rect)
            x = min(max(pos.x(), rect.left()), rect.right())
            y = min(max(pos.y(), rect.top()), rect.bottom())
            return page, QPointF((x - rect.x()) / scale, (y - rect.y()) / scale)
        return -1, QPointF()

    def visible_pages(self) -> range:
        """The pages that intersect the viewport."""
        rects = self.rects()
        if not rects:
            return range(0)
        top = self.view.verticalScrollBar().value()
        bottom = top + self.view.viewport().height()
        first = next((i for i, r in enumerate(rects) if r.bottom() >= top), len(rects))
        last = first
        while last < len(rects) and rects[last].top() <= bottom:
            last += 1
        return range(first, last)


def pdf_rect_of(polygons: Sequence[QPolygonF], page_height: float) -> list[Rect]:
    """QtPdf selection bounds (top-left origin) → rectangles in PDF points."""
    out: list[Rect] = []
    for poly in polygons:
        r = poly.boundingRect()
        out.append((r.left(), page_height - r.bottom(), r.right(), page_height - r.top()))
    return out


class AnnotationLayer(QWidget):
    """Draws annotations over a QPdfView and lets the user select text (module docstring)."""

    #: The text selection changed (read :attr:`selection`; None when cleared).
    selection_changed = Signal()
    #: A drag selected text and the button was released: (the selection's box, a QRect).
    selection_made = Signal(object)
    #: An annotation was clicked: (id).
    annotation_clicked = Signal(str)
    #: A rectangle was drawn with the area tool: (page 0-based, QRectF in PDF points).
    area_drawn = Signal(int, object)
    #: A point was clicked with the note tool: (page 0-based, QPointF in PDF points).
    note_placed = Signal(int, object)

    def __init__(self, view: QPdfView) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.layout_ = PageLayout(view)
        self.annotations: list[Annotation] = []
        self._by_page: dict[int, list[Annotation]] = {}
        self.selected_id: str | None = None
        self.selection: TextSelection | None = None
        self.tool = Tool.SELECT
        self._press: tuple[int, QPointF, QPointF] | None = None  # page, page point, view pos
        self._drag_rect: QRectF | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self.setGeometry(view.viewport().rect())
        view.viewport().installEventFilter(self)
        for bar in (view.verticalScrollBar(), view.horizontalScrollBar()):
            bar.valueChanged.connect(self._follow)
        view.zoomFactorChanged.connect(self.update)
        view.zoomModeChanged.connect(self.update)
        self.show()

    # -- content -------------------------------------------------------------------------

    def set_annotations(self, items: Sequence[Annotation]) -> None:
        """Show ``items`` (those not found in this version are not drawn)."""
        self.annotations = [a for a in items if not a.deleted]
        self._by_page = {}
        for a in self.annotations:
            if not a.not_found_in:
                self._by_page.setdefault(a.page - 1, []).append(a)
        if self.selected_id and not any(a.id == self.selected_id for a in self.annotations):
            self.selected_id = None
        self.update()

    def select_annotation(self, ann_id: str | None) -> None:
        self.selected_id = ann_id
        self.update()

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self.selection_changed.emit()
            self.update()

    def set_selection(self, selection: TextSelection | None) -> None:
        self.selection = selection
        self.selection_changed.emit()
        self.update()

    def annotation_at(self, pos: QPointF) -> Annotation | None:
        """The annotation under a viewport point (the last drawn, on top, first)."""
        page, _ = self.layout_.from_view(pos)
        if page < 0:
            return None
        for ann in reversed(self._by_page.get(page, [])):
            if self.shape_of(ann).contains(pos):
                return ann
        return None

    def shape_of(
        self, ann: Annotation, to_view: Callable[[float, float], QPointF] | None = None
    ) -> QPainterPath:
        """Where ``ann`` is drawn, in viewport pixels (``to_view``: its page's mapper)."""
        path = QPainterPath()
        page = ann.page - 1
        to_view = to_view or self.layout_.mapper(page)
        if ann.kind is Kind.NOTE and ann.rect is not None:
            corner = to_view(ann.rect[0], ann.rect[3])
            size = NOTE_SIZE * self._zoom(page)
            path.addRect(QRectF(corner.x(), corner.y(), size, size))
        elif ann.rect is not None:
            a = to_view(ann.rect[0], ann.rect[3])
            b = to_view(ann.rect[2], ann.rect[1])
            path.addRect(QRectF(a, b).normalized())
        for q in ann.quads:
            poly = QPolygonF(
                [to_view(q[0], q[1]), to_view(q[2], q[3]), to_view(q[6], q[7]),
                 to_view(q[4], q[5])]
            )  # fmt: skip
            path.addPolygon(poly)
            path.closeSubpath()
        return path

    def _zoom(self, page: int) -> float:
        rect = self.layout_.page_rect(page)
        doc = self.view.document()
        width = doc.pagePointSize(page).width() if doc else 0
        return rect.width() / width if width > 0 else 1.0

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        clip = QRectF(event.rect())
        for page in self.layout_.visible_pages():
            marks = self._by_page.get(page)
            if marks:
                to_view = self.layout_.mapper(page)
                zoom = self._zoom(page)
                for ann in marks:
                    self._paint(painter, ann, clip, to_view, zoom)
        if self.selection is not None:
            color = self.palette().color(QPalette.ColorRole.Highlight)
            color.setAlpha(SELECTION_ALPHA)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            for poly in self.selection.polygons:
                points = [
                    self.layout_.qt_to_view(self.selection.page, poly.at(i))
                    for i in range(poly.size())
                ]
                painter.drawPolygon(QPolygonF(points))
        if self._drag_rect is not None:
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self._drag_rect)
        painter.end()

    def _paint(
        self,
        painter: QPainter,
        ann: Annotation,
        clip: QRectF,
        to_view: Callable[[float, float], QPointF],
        zoom: float,
    ) -> None:
        shape = self.shape_of(ann, to_view)
        bounds = shape.boundingRect()
        if not bounds.intersects(clip):
            return
        color = QColor(*ann.color.rgb)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if ann.kind is Kind.HIGHLIGHT:
            # Multiplied onto the page: the text stays as dark as it was, on any palette.
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
            upright = all(q[1] == q[3] and q[0] == q[4] for q in ann.quads)
            if upright:  # lines of text as they nearly always are: plain rectangles, fast
                for q in ann.quads:
                    painter.fillRect(QRectF(to_view(q[0], q[1]), to_view(q[6], q[7])), color)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.fillPath(shape, color)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        elif ann.kind is Kind.UNDERLINE:
            painter.setPen(QPen(color, max(1.5, 1.5 * zoom)))
            for q in ann.quads:
                painter.drawLine(to_view(q[4], q[5]), to_view(q[6], q[7]))
        elif ann.kind is Kind.NOTE:
            painter.setPen(QPen(color.darker(160), 1))
            painter.setBrush(color)
            painter.drawRoundedRect(bounds.adjusted(1, 1, -1, -1), 3, 3)
            painter.setPen(QPen(color.darker(220), 1))
            for i in (1, 2, 3):
                y = bounds.top() + bounds.height() * i / 4.5
                painter.drawLine(
                    QPointF(bounds.left() + 4, y + 2), QPointF(bounds.right() - 4, y + 2)
                )
        else:
            fill = QColor(color)
            fill.setAlpha(40)
            painter.setPen(QPen(color, 2))
            painter.setBrush(fill)
            painter.drawRect(bounds)
        if ann.id == self.selected_id:
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(bounds.adjusted(-3, -3, 3, 3))

    # -- events --------------------------------------------------------------------------

    def _follow(self, *_: object) -> None:
        # Stay over the whole viewport (should the view ever scroll its children along).
        if self.geometry() != self.view.viewport().rect():
            self.setGeometry(self.view.viewport().rect())
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.view.viewport().rect())
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self.view.setFocus()
        pos = event.position()
        if self.tool is Tool.SELECT:
            hit = self.annotation_at(pos)
            if hit is not None:
                self.clear_selection()
                self.select_annotation(hit.id)
                self.annotation_clicked.emit(hit.id)
                return
        page, point = self.layout_.from_view(pos)
        if page < 0:
            self._press = None
            return
        if self.selected_id is not None:
            self.select_annotation(None)
            self.annotation_clicked.emit("")
        self._press = (page, point, pos)
        if self.tool is Tool.SELECT:
            self.clear_selection()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is None:
            # Hovering an annotation: its comment (or text) is the layer's tool tip there.
            hit = self.annotation_at(pos)
            tip = ((hit.comment or hit.text) if hit is not None else "")[:500]
            if tip != self.toolTip():
                self.setToolTip(tip)
                if not tip:
                    QToolTip.hideText()
            return
        page, start, origin = self._press
        if self.tool is Tool.SELECT:
            _, end = self.layout_.from_view(pos, clamp_to=page)
            self.select_between(page, start, end)
        elif self.tool is Tool.AREA:
            self._drag_rect = QRectF(origin, pos).normalized()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        page, start, _ = self._press
        self._press = None
        pos = event.position()
        _, end = self.layout_.from_view(pos, clamp_to=page)
        height = self._page_height(page)
        if self.tool is Tool.AREA:
            self._drag_rect = None
            self.update()
            rect = QRectF(start, end).normalized()
            if rect.width() > 2 and rect.height() > 2:
                pdf = QRectF(rect.left(), height - rect.bottom(), rect.width(), rect.height())
                self.area_drawn.emit(page, pdf)
        elif self.tool is Tool.NOTE:
            self.note_placed.emit(page, QPointF(start.x(), height - start.y()))
        elif self.selection is not None:
            self.selection_made.emit(self.selection_box())

    def wheelEvent(self, event: QEvent) -> None:
        event.ignore()  # the view scrolls

    def _page_height(self, page: int) -> float:
        doc = self.view.document()
        return float(doc.pagePointSize(page).height()) if doc else 792.0

    # -- text selection ------------------------------------------------------------------

    def select_between(self, page: int, start: QPointF, end: QPointF) -> None:
        """Select the text between two page points (QtPdf's points, top-left origin)."""
        doc = self.view.document()
        if doc is None:
            return
        sel = doc.getSelection(page, start, end)
        if not sel.isValid() or not sel.text().strip():
            if self.selection is not None:
                self.set_selection(None)
            return
        self.set_selection(
            TextSelection(
                page,
                list(sel.bounds()),
                sel.text(),
                sel.startIndex(),
                sel.endIndex() - sel.startIndex(),
            )
        )

    def select_chars(self, page: int, start: int, length: int) -> None:
        """Select ``length`` characters of a page's text from ``start`` (keyboard, find)."""
        doc = self.view.document()
        if doc is None or length <= 0 or start < 0:
            return
        sel = doc.getSelectionAtIndex(page, start, length)
        if sel.isValid() and sel.text().strip():
            self.set_selection(TextSelection(page, list(sel.bounds()), sel.text(), start, length))

    def selection_box(self) -> QRect:
        """The selection's bounding box in this widget's pixels (empty: none)."""
        sel = self.selection
        if sel is None:
            return QRect()
        points = [
            self.layout_.qt_to_view(sel.page, poly.at(i))
            for poly in sel.polygons
            for i in range(poly.size())
        ]
        return QPolygonF(points).boundingRect().toAlignedRect()

    def extend_selection(self, chars: int) -> None:
        """Shift+Right/Left: grow or shrink the selection by ``chars`` characters."""
        sel = self.selection
        if sel is None:
            return
        self.select_chars(sel.page, sel.start, max(1, sel.length + chars))
