"""One reader tab's annotations: its layer, its panel and its popup, and what is made from
the text selected in it (the annotations feature, :mod:`desktop_app.gui.features.annotations`,
writes them)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QPointF, QRectF, QSize

from desktop_app.core.annotations.model import CONTEXT_CHARS, Annotation, Color, Kind, quad_of
from desktop_app.core.pdf.annotations import normalise_words
from desktop_app.gui.widgets.annotation_layer import AnnotationLayer, pdf_rect_of
from desktop_app.gui.widgets.annotation_panel import AnnotationPanel
from desktop_app.gui.widgets.annotation_popup import AnnotationPopup
from desktop_app.gui.widgets.reader import ReaderView

#: Pixels per point of an area's image (144 dpi: sharp on a high-DPI screen).
AREA_IMAGE_SCALE = 2.0


class ReaderAnnotations(QObject):
    """The annotations of one reader tab: its layer, its panel and what they show."""

    def __init__(self, view: ReaderView) -> None:
        super().__init__(view)
        self.view = view
        self.key = view.key
        self.items: list[Annotation] = []
        self.sha256: str | None = None
        #: Changes shown but not written yet: a re-read meanwhile would show the file without
        #: them, so re-reads wait for the last one.
        self.pending = 0
        self.layer = AnnotationLayer(view.view)
        self.popup = AnnotationPopup(self.layer)
        self.layer.selection_made.connect(self.popup.show_under)
        self.layer.selection_changed.connect(self._selection_changed)
        view.view.verticalScrollBar().valueChanged.connect(self.popup.hide)
        self.panel = AnnotationPanel()
        self.panel_index = view.side_panel.addTab(self.panel, "Annotations")

    def _selection_changed(self) -> None:
        if self.layer.selection is None:
            self.popup.hide()

    def set_items(self, items: list[Annotation]) -> None:
        self.items = [a for a in items if not a.deleted]
        self.layer.set_annotations(self.items)
        self.panel.set_annotations(self.items)

    def put(self, ann: Annotation) -> None:
        self.set_items([a for a in self.items if a.id != ann.id] + ([] if ann.deleted else [ann]))

    def get(self, ann_id: str | None) -> Annotation | None:
        return next((a for a in self.items if a.id == ann_id), None)

    def show(self, ann_id: str) -> None:
        """Scroll the reader to an annotation and select it."""
        ann = self.get(ann_id)
        if ann is None:
            return
        doc = self.view.document
        height = doc.pagePointSize(ann.page - 1).height()
        bounds = ann.bounds
        where = QPointF(bounds[0], max(0.0, height - bounds[3] - 24)) if bounds else QPointF()
        self.view.navigator.jump(ann.page - 1, where, self.view.navigator.currentZoom())
        self.layer.clear_selection()
        self.layer.select_annotation(ann_id)
        self.panel.select(ann_id)

    # -- selection -----------------------------------------------------------------------

    def select_find_match(self) -> bool:
        """Select the reader's current find match, if any (keyboard selection)."""
        view = self.view
        i = view.view.currentSearchResultIndex()
        if i < 0:
            return False
        link = view.search_model.resultAtIndex(i)
        text = view.find_bar.field.text().strip()
        page_text = view.document.getAllText(link.page()).text()
        # The match's index: the occurrence nearest the link's place on its page.
        starts = [s for s in _occurrences(page_text.casefold(), text.casefold())]
        if not starts:
            return False
        best = min(starts, key=lambda s: _distance(view, link.page(), s, len(text), link))
        self.layer.select_chars(link.page(), best, len(text))
        return self.layer.selection is not None

    def extend(self, chars: int) -> None:
        """Grow the selection by ``chars`` characters (0: to the end of the next word)."""
        if self.layer.selection is None and not self.select_find_match():
            # No selection, no find match: start at the first word of the page shown.
            self.layer.select_chars(self.view.current_page - 1, 0, 1)
            chars = 0 if chars >= 0 else chars
        sel = self.layer.selection
        if sel is None:
            return
        if chars == 0:
            text = self.view.document.getAllText(sel.page).text()
            end = sel.start + sel.length
            while end < len(text) and text[end].isspace():
                end += 1
            while end < len(text) and not text[end].isspace():
                end += 1
            chars = end - sel.start - sel.length
        self.layer.extend_selection(chars)

    def from_selection(self, kind: Kind, color: Color) -> Annotation | None:
        """A new annotation of the selected text (white space at its ends left out)."""
        sel = self.layer.selection
        if sel is None:
            return None
        doc = self.view.document
        page_text = doc.getAllText(sel.page).text()
        start, end = sel.start, sel.start + sel.length
        while start < end and (start >= len(page_text) or page_text[start].isspace()):
            start += 1
        while end > start and (end > len(page_text) or page_text[end - 1].isspace()):
            end -= 1
        if (start, end) != (sel.start, sel.start + sel.length) and end > start:
            self.layer.select_chars(sel.page, start, end - start)  # white space at the ends: off
            sel = self.layer.selection or sel
        height = doc.pagePointSize(sel.page).height()
        quads = [quad_of(tuple(round(v, 2) for v in r)) for r in pdf_rect_of(sel.polygons, height)]  # type: ignore[arg-type]
        before = normalise_words(page_text[max(0, sel.start - 3 * CONTEXT_CHARS) : sel.start])
        after_at = sel.start + sel.length
        after = normalise_words(page_text[after_at : after_at + 3 * CONTEXT_CHARS])
        return Annotation.new(
            kind,
            sel.page + 1,
            color=color,
            quads=quads,
            text=normalise_words(sel.text),
            before=before[-CONTEXT_CHARS:],
            after=after[:CONTEXT_CHARS],
            pdf_file=self.view.path.name,
            pdf_sha256=self.sha256,
        )

    def area(self, page: int, rect: QRectF) -> tuple[Annotation, bytes]:
        """An area of ``page`` (0-based; ``rect`` in PDF points) and its PNG image."""
        doc = self.view.document
        size = doc.pagePointSize(page)
        left, bottom = rect.left(), rect.top()  # rect holds PDF points: top() is the bottom
        right, top = left + rect.width(), bottom + rect.height()
        scale = AREA_IMAGE_SCALE
        full = doc.render(page, QSize(round(size.width() * scale), round(size.height() * scale)))
        crop = full.copy(
            round(left * scale),
            round((size.height() - top) * scale),
            round(rect.width() * scale),
            round(rect.height() * scale),
        )
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        crop.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes
        buffer.close()
        ann = Annotation.new(
            Kind.AREA,
            page + 1,
            rect=(round(left, 2), round(bottom, 2), round(right, 2), round(top, 2)),
            pdf_file=self.view.path.name,
            pdf_sha256=self.sha256,
        )
        return ann, bytes(data.data())


def _occurrences(hay: str, needle: str) -> list[int]:
    out, i = [], hay.find(needle)
    while needle and i >= 0:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def _distance(view: ReaderView, page: int, start: int, length: int, link: object) -> float:
    sel = view.document.getSelectionAtIndex(page, start, length)
    bounds = sel.boundingRectangle()
    location = link.location()  # type: ignore[attr-defined]
    return float(abs(bounds.top() - location.y()) + abs(bounds.left() - location.x()))
