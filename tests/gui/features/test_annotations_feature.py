"""Annotating in the reader: select, highlight, reopen and find it drawn in the same place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.core.annotations import store
from desktop_app.core.annotations.model import Annotation, Color, Kind, Quad
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper
from desktop_app.core.pdf.annotations import find_on_page, normalise_words
from desktop_app.gui.features.annotations import AnnotationsFeature
from desktop_app.gui.features.reader import ReaderFeature
from desktop_app.gui.widgets.annotation_panel import AnnotationListModel
from desktop_app.gui.widgets.annotation_tab import ReaderAnnotations
from desktop_app.gui.widgets.reader import ReaderView
from tests.helpers.files import testdata as shared_file
from tests.helpers.pdfgen import write_pdf
from tests.helpers.window import WAIT_MS, Factory, feature

KEY = "2503.01234"
PAGES = [
    "Introduction. We study dense retrieval for long documents. " * 3,
    "Method. The encoder maps each passage to one vector and we train it with hard negatives. " * 3,
    "Results. Recall improves on every benchmark we tried. " * 3,
]
WORDS = "maps each passage to one vector"


def _add_paper(library: Library, pdf: Path, key: str = KEY) -> None:
    library.add(
        Paper(
            key=key,
            arxiv_id=key if not key.startswith("local") else None,
            arxiv_version=1,
            title="Dense passages",
            pdf_file=pdf.name,
            pdf_state=FetchState.DONE,
        )
    )


@pytest.fixture
def paper(library: Library) -> Path:
    pdf = write_pdf(library.paper_dir(KEY) / f"{KEY}v1.pdf", PAGES, title="Dense passages")
    _add_paper(library, pdf)
    return pdf


def _open(window: object, qtbot: QtBot, key: str = KEY) -> tuple[ReaderView, ReaderAnnotations]:
    # Room for pages large enough to tell text from paper in their pixels (the window fits
    # itself to the small offscreen screen when first shown).
    window.resize(1300, 950)  # type: ignore[attr-defined]
    view = feature(window, ReaderFeature).open_paper(key)  # type: ignore[arg-type]
    assert view is not None
    view.sidebar_action.setChecked(False)
    qtbot.waitUntil(lambda: view.loaded, timeout=WAIT_MS)
    feat = feature(window, AnnotationsFeature)  # type: ignore[arg-type]
    ra = feat.readers[key]
    qtbot.waitUntil(lambda: ra.sha256 is not None, timeout=WAIT_MS)
    return view, ra


def _show(qtbot: QtBot, view: ReaderView, ra: ReaderAnnotations, page: int, quad: Quad) -> None:
    """Scroll so that ``quad`` of ``page`` (1-based) is in sight, and wait for the pixels."""
    rects = ra.layer.layout_.rects()
    qtbot.waitUntil(lambda: len(ra.layer.layout_.rects()) >= page, timeout=WAIT_MS)
    rects = ra.layer.layout_.rects()
    scale = rects[page - 1].width() / view.document.pagePointSize(page - 1).width()
    height = view.document.pagePointSize(page - 1).height()
    y = rects[page - 1].top() + (height - quad[1]) * scale
    view.view.verticalScrollBar().setValue(int(y) - 120)
    x = rects[page - 1].left() + quad[0] * scale
    view.view.horizontalScrollBar().setValue(max(0, int(x) - 40))
    qtbot.waitUntil(lambda: _dark_pixels(view, ra, page, quad) > 0, timeout=WAIT_MS)


def _box(ra: ReaderAnnotations, page: int, quad: Quad) -> QRectF:
    a = ra.layer.layout_.to_view(page - 1, quad[0], quad[1])
    b = ra.layer.layout_.to_view(page - 1, quad[6], quad[7])
    return QRectF(a, b).normalized()


def _pixels(view: ReaderView, ra: ReaderAnnotations, page: int, quad: Quad) -> list[QColor]:
    image: QImage = view.view.viewport().grab().toImage()
    box = _box(ra, page, quad).adjusted(1, 1, -1, -1)
    out = []
    for x in range(int(box.left()), int(box.right())):
        for y in range(int(box.top()), int(box.bottom())):
            if 0 <= x < image.width() and 0 <= y < image.height():
                out.append(image.pixelColor(x, y))
    return out


def _dark_pixels(view: ReaderView, ra: ReaderAnnotations, page: int, quad: Quad) -> int:
    return sum(1 for c in _pixels(view, ra, page, quad) if c.lightness() < 90)


def _tinted(view: ReaderView, ra: ReaderAnnotations, page: int, quad: Quad, color: Color) -> int:
    """Pixels of the box that show the colour (multiplied on white paper: the colour)."""
    r, g, b = color.rgb
    return sum(
        1
        for c in _pixels(view, ra, page, quad)
        if abs(c.red() - r) < 30 and abs(c.green() - g) < 30 and abs(c.blue() - b) < 30
    )


def _drag(qtbot: QtBot, ra: ReaderAnnotations, page: int, quad: Quad) -> None:
    """Select the text of a quad with the mouse: press at its left, drag to its right."""
    box = _box(ra, page, quad)
    y = round(box.center().y())
    start, end = QPoint(round(box.left()) + 1, y), QPoint(round(box.right()) - 1, y)
    qtbot.mousePress(ra.layer, Qt.MouseButton.LeftButton, pos=start)
    for f in (0.3, 0.6, 1.0):
        mid = QPointF(start.x() + (end.x() - start.x()) * f, y)
        qtbot.mouseMove(ra.layer, mid.toPoint())
        ra.layer.mouseMoveEvent(_move_event(ra, mid))  # mouseMove sends no button state
    qtbot.mouseRelease(ra.layer, Qt.MouseButton.LeftButton, pos=end)


def _move_event(
    ra: ReaderAnnotations, pos: QPointF, buttons: Qt.MouseButton = Qt.MouseButton.LeftButton
) -> object:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        ra.layer.mapToGlobal(pos),
        Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )


def _saved(library: Library, n: int = 1) -> list[Annotation]:
    return store.live(library, KEY) if len(store.live(library, KEY)) == n else []


def _close_enough(a: Quad, b: Quad, tolerance: float = 2.0) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_drag_highlight_reopen_and_find_it_drawn_in_place(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    window = make_window()
    view, ra = _open(window, qtbot)
    (target,) = find_on_page(paper, 2, WORDS).quads
    _show(qtbot, view, ra, 2, target)
    _drag(qtbot, ra, 2, target)
    assert ra.layer.selection is not None
    assert normalise_words(ra.layer.selection.text) == WORDS
    qtbot.keyClick(view.view, Qt.Key.Key_3)  # 3: green
    qtbot.waitUntil(lambda: bool(_saved(library)), timeout=WAIT_MS)
    (ann,) = _saved(library)
    assert (ann.kind, ann.color, ann.page, ann.text) == (Kind.HIGHLIGHT, Color.GREEN, 2, WORDS)
    assert ann.before.endswith("The encoder") and ann.after.startswith("and we train")
    assert ann.pdf_sha256 == ra.sha256 and ann.pdf_file == paper.name
    (quad,) = ann.quads
    assert _close_enough(quad, target)  # where pdfium (the CLI) puts those words

    # Reopened, the highlight is drawn over the same words, at another zoom too.
    window.host.tabs.close_paper(KEY)
    view, ra = _open(window, qtbot)
    qtbot.waitUntil(lambda: len(ra.items) == 1, timeout=WAIT_MS)
    assert ra.items[0].quads == [quad]
    for zoom in (None, 1.6):
        if zoom:
            view.set_zoom(zoom)
        _show(qtbot, view, ra, 2, quad)
        qtbot.waitUntil(lambda: _tinted(view, ra, 2, quad, Color.GREEN) > 50, timeout=WAIT_MS)
        assert _dark_pixels(view, ra, 2, quad) > 20  # the text stays readable under it
        # Just above the line: plain paper, no colour.
        above = _box(ra, 2, quad).translated(0, -_box(ra, 2, quad).height() - 4)
        image = view.view.viewport().grab().toImage()
        paper_pixel = image.pixelColor(round(above.center().x()), round(above.center().y()))
        assert paper_pixel.lightness() > 240

    # A dark palette: the pages stay paper-white (QtPdf), the highlight the same colour.
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    for role, value in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.Base,
                        "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                        (QPalette.ColorRole.Highlight, "#8ab4f8")):  # fmt: skip
        dark.setColor(role, QColor(value))
    app.setPalette(dark)
    try:
        ra.layer.update()
        qtbot.waitUntil(lambda: _tinted(view, ra, 2, quad, Color.GREEN) > 50, timeout=WAIT_MS)
        assert _dark_pixels(view, ra, 2, quad) > 20
    finally:
        app.setPalette(light)


def test_keyboard_find_then_highlight_then_edit_delete_and_undo(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    window = make_window()
    view, ra = _open(window, qtbot)
    view.find_words("Recall improves", page=3)
    qtbot.waitUntil(lambda: view.view.currentSearchResultIndex() >= 0, timeout=WAIT_MS)
    view.view.setFocus()
    qtbot.keyClick(view.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert ra.layer.selection is not None
    # The find match ("Recall improves", 15 characters) grown by one character.
    assert ra.layer.selection.length == 16
    qtbot.keyClick(view.view, Qt.Key.Key_1)  # yellow
    qtbot.waitUntil(lambda: bool(_saved(library)), timeout=WAIT_MS)
    (ann,) = _saved(library)
    assert ann.page == 3 and ann.color is Color.YELLOW
    assert ann.text.startswith("Recall improves")
    assert ann.quads[0] == pytest.approx(find_on_page(paper, 3, ann.text).quads[0], abs=2)

    # Click it: selected; 4 makes it blue; a comment; Delete; Undo brings it back.
    _show(qtbot, view, ra, 3, ann.quads[0])
    qtbot.waitUntil(lambda: len(ra.items) == 1, timeout=WAIT_MS)
    center = _box(ra, 3, ann.quads[0]).center().toPoint()
    qtbot.mouseClick(ra.layer, Qt.MouseButton.LeftButton, pos=center)
    assert ra.layer.selected_id == ann.id
    assert ra.panel.current_id() == ann.id
    qtbot.keyClick(view.view, Qt.Key.Key_4)
    qtbot.waitUntil(
        lambda: [a.color for a in store.live(library, KEY)] == [Color.BLUE], timeout=WAIT_MS
    )
    feature(window, AnnotationsFeature).set_comment("*why* recall?")
    qtbot.waitUntil(
        lambda: [a.comment for a in store.live(library, KEY)] == ["*why* recall?"],
        timeout=WAIT_MS,
    )
    qtbot.keyClick(view.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: store.live(library, KEY) == [], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.bridge.undo_text == "Delete a highlight", timeout=WAIT_MS)
    window.bridge.undo()
    qtbot.waitUntil(lambda: len(store.live(library, KEY)) == 1, timeout=WAIT_MS)
    (back,) = store.live(library, KEY)
    assert (back.id, back.color, back.comment) == (ann.id, Color.BLUE, "*why* recall?")
    qtbot.waitUntil(lambda: [a.id for a in ra.items] == [ann.id], timeout=WAIT_MS)


def test_note_area_panel_and_notes(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    window = make_window()
    view, ra = _open(window, qtbot)
    feat = feature(window, AnnotationsFeature)
    feat.add_note(ra, 2, QPointF(300, 500), "check this")
    feat.add_area(ra, 0, QRectF(72, 650, 300, 80))  # PDF points: left, bottom, width, height
    qtbot.waitUntil(lambda: len(store.live(library, KEY)) == 2, timeout=WAIT_MS)
    by_kind = {a.kind: a for a in store.live(library, KEY)}
    area = by_kind[Kind.AREA]
    image = store.image_path(library, KEY, area.id)
    assert image.read_bytes().startswith(b"\x89PNG")
    assert QImage(str(image)).width() == 600  # 300 points at 2 pixels a point
    assert "dense retrieval" in area.text
    note = by_kind[Kind.NOTE]
    assert note.page == 3 and note.comment == "check this"

    # The panel lists them in page order; filtering by colour or words; a click scrolls.
    qtbot.waitUntil(lambda: ra.panel.model.rowCount() == 2, timeout=WAIT_MS)
    pages = [ra.panel.proxy.index(r, 0).data(AnnotationListModel.PageRole) for r in range(2)]
    assert pages == [1, 3]
    ra.panel.filter_field.setText("check")
    assert ra.panel.proxy.rowCount() == 1
    ra.panel.filter_field.clear()
    ra.panel.color_box.setCurrentIndex(ra.panel.color_box.findData("red"))
    assert ra.panel.proxy.rowCount() == 0
    ra.panel.color_box.setCurrentIndex(0)
    view.go_to_page(1)
    qtbot.waitUntil(lambda: view.current_page == 1, timeout=WAIT_MS)
    row = ra.panel.proxy.index(1, 0)
    ra.panel.list.clicked.emit(row)
    qtbot.waitUntil(lambda: view.current_page == 3, timeout=WAIT_MS)
    assert ra.layer.selected_id == note.id

    # Add annotations to notes: Markdown with links that open the reader there.
    feat.add_to_notes()
    qtbot.waitUntil(lambda: "papershelf://open/" in library.read_notes(KEY), timeout=WAIT_MS)
    notes = library.read_notes(KEY)
    assert f"papershelf://open/{KEY}?page=3&annotation={note.id}" in notes
    assert "check this" in notes


def test_the_menu_shows_each_action_with_its_shortcut(
    make_window: Factory, qtbot: QtBot, paper: Path
) -> None:
    window = make_window()
    feat = feature(window, AnnotationsFeature)
    for name, action in feat.actions.items():
        assert not action.shortcut().isEmpty(), name
    texts = [a.text() for a in window.action_table.menus["paper/annotate"].actions()]
    assert "Highlight Yellow" in texts and "&Underline" in texts


def test_a_damaged_annotations_file_is_reported_not_overwritten(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    path = store.annotations_path(library, KEY)
    path.write_text("{broken", encoding="utf-8")
    window = make_window()
    errors: list[str] = []
    window.bridge.error.connect(lambda message, details: errors.append(message))
    _open(window, qtbot)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert str(path) in errors[0]
    assert path.read_text(encoding="utf-8") == "{broken"


@pytest.mark.testdata
def test_highlight_on_a_real_arxiv_pdf(
    make_window: Factory, qtbot: QtBot, library: Library
) -> None:
    source = shared_file("pdfs", "arxiv", "2302.07302v1.pdf")
    key = "2302.07302"
    pdf = library.paper_dir(key) / source.name
    pdf.parent.mkdir(parents=True)
    shutil.copyfile(source, pdf)
    _add_paper(library, pdf, key)
    window = make_window()
    view, ra = _open(window, qtbot, key)
    text = view.document.getAllText(0).text()
    words = " ".join(normalise_words(text).split()[5:9])
    (target, *_) = find_on_page(pdf, 1, words).quads
    _show(qtbot, view, ra, 1, target)
    _drag(qtbot, ra, 1, target)
    assert ra.layer.selection is not None
    qtbot.keyClick(view.view, Qt.Key.Key_2)  # red
    qtbot.waitUntil(lambda: len(store.live(library, key)) == 1, timeout=WAIT_MS)
    (ann,) = store.live(library, key)
    assert ann.color is Color.RED and ann.page == 1
    assert _close_enough(ann.quads[0], target, 3.0)
    window.host.tabs.close_paper(key)
    view, ra = _open(window, qtbot, key)
    qtbot.waitUntil(lambda: len(ra.items) == 1, timeout=WAIT_MS)
    _show(qtbot, view, ra, 1, ann.quads[0])
    qtbot.waitUntil(lambda: _tinted(view, ra, 1, ann.quads[0], Color.RED) > 20, timeout=WAIT_MS)
    data = json.loads(store.annotations_path(library, key).read_text())
    assert data["annotations"][0]["quads"] == [list(q) for q in ann.quads]


def test_found_again_in_the_library_and_opened_on_it(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    from desktop_app.core.annotations import ops

    ann = ops.highlight_words(library, KEY, 3, "every benchmark", comment="which ones? zeugma")
    window = make_window()
    node = window.sidebar_model.find("view:annotations")
    assert node is not None and node.label == "With annotations"
    qtbot.waitUntil(lambda: node.count == 1, timeout=WAIT_MS)
    # The comment's word is found; the paper's matches show the annotation with its page.
    window.search.set_text("annotation:zeugma")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    assert window.select_key(KEY)
    window.table.setFocus()
    qtbot.waitUntil(lambda: "zeugma" in window.detail.hits.text(), timeout=WAIT_MS)
    assert "p.&nbsp;3" in window.detail.hits.text()
    window.detail.hits.linkActivated.emit("page:3")
    view = window.host.tabs.view_for(KEY)
    assert view is not None
    qtbot.waitUntil(lambda: view.loaded and view.current_page == 3, timeout=WAIT_MS)
    ra = feature(window, AnnotationsFeature).readers[KEY]
    qtbot.waitUntil(lambda: [a.id for a in ra.items] == [ann.id], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ra.layer.selected_id == ann.id, timeout=WAIT_MS)  # opened on it


def test_a_link_in_the_notes_opens_the_reader_on_the_annotation(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from desktop_app.core.annotations import ops
    from desktop_app.core.annotations.markdown import open_link

    ann = ops.highlight_words(library, KEY, 3, "every benchmark")
    window = make_window()
    assert QDesktopServices.openUrl(QUrl(open_link(KEY, 3, ann.id)))
    view = window.host.tabs.view_for(KEY)
    assert view is not None
    qtbot.waitUntil(lambda: view.loaded and view.current_page == 3, timeout=WAIT_MS)
    ra = feature(window, AnnotationsFeature).readers[KEY]
    qtbot.waitUntil(lambda: ra.layer.selected_id == ann.id, timeout=WAIT_MS)
    assert ra.panel.current_id() == ann.id


def test_the_popup_under_a_drag_selection_highlights_and_hover_shows_the_comment(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    window = make_window()
    view, ra = _open(window, qtbot)
    (target,) = find_on_page(paper, 2, WORDS).quads
    _show(qtbot, view, ra, 2, target)
    _drag(qtbot, ra, 2, target)
    assert ra.popup.isVisible()
    box = _box(ra, 2, target)
    assert ra.popup.y() >= box.bottom()  # just under the selection
    qtbot.mouseClick(ra.popup.buttons["blue"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(_saved(library)), timeout=WAIT_MS)
    (ann,) = _saved(library)
    assert ann.color is Color.BLUE and ann.text == WORDS and not ra.popup.isVisible()
    store.edit(library, KEY, ann.id, comment="a dense vector per passage")
    qtbot.waitUntil(
        lambda: [a.comment for a in ra.items] == ["a dense vector per passage"], timeout=WAIT_MS
    )
    qtbot.mouseMove(ra.layer, box.center().toPoint())
    ra.layer.mouseMoveEvent(_move_event(ra, box.center(), Qt.MouseButton.NoButton))
    assert ra.layer.toolTip() == "a dense vector per passage"
    above = box.center() - QPointF(0, box.height() * 3)
    ra.layer.mouseMoveEvent(_move_event(ra, above, Qt.MouseButton.NoButton))
    assert ra.layer.toolTip() == ""


def test_the_annotation_list_passes_the_model_tester(qtmodeltester: object) -> None:
    from desktop_app.gui.widgets.annotation_panel import AnnotationFilter, AnnotationListModel

    items = [
        Annotation.new(Kind.HIGHLIGHT, 2, text="b", quads=[(1, 2, 3, 2, 1, 1, 3, 1)]),
        Annotation.new(Kind.NOTE, 1, comment="a", rect=(1, 1, 2, 2), color=Color.RED),
        Annotation.new(Kind.HIGHLIGHT, 1, text="lost", not_found_in="v2"),
    ]
    model = AnnotationListModel()
    model.set_annotations(items)
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    rows = [model.index(r, 0).data(AnnotationListModel.PageRole) for r in range(3)]
    assert rows == [1, 2, 1]  # page order, the one not found on this version last
    assert "not found in v2" in model.index(2, 0).data()
    model.set_annotations(items[:1])
    model.set_annotations(items)
    proxy = AnnotationFilter()
    proxy.setSourceModel(model)
    proxy.set_filter("red", "")
    assert proxy.rowCount() == 1
    proxy.set_filter("", "LOST")
    assert proxy.index(0, 0).data(AnnotationListModel.PageRole) == 1


def test_import_from_the_pdf_and_export_an_annotated_copy_from_the_reader(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from desktop_app.core.pdf.annotations import write_annotated_pdf

    # Another reader highlighted the PDF: the library's file now holds that highlight.
    m = find_on_page(paper, 1, "dense retrieval")
    other = Annotation.new(Kind.HIGHLIGHT, 1, quads=m.quads, comment="from Okular")
    marked = tmp_path / "marked.pdf"
    write_annotated_pdf(paper, [other], marked)
    paper.write_bytes(marked.read_bytes())
    window = make_window()
    view, ra = _open(window, qtbot)
    view.view.setFocus()
    feat = feature(window, AnnotationsFeature)
    feat.actions["import"].trigger()
    qtbot.waitUntil(lambda: len(ra.items) == 1, timeout=WAIT_MS)
    (got,) = ra.items
    assert (got.text, got.comment, got.page) == ("dense retrieval", "from Okular", 1)
    out = tmp_path / "copy.pdf"
    feat.export_to(out)
    qtbot.waitUntil(out.exists, timeout=WAIT_MS)
    pdf = pdfium.PdfDocument(str(out))
    # The PDF's own highlight once: the imported copy of it is not written again.
    assert raw.FPDFPage_GetAnnotCount(pdf[0].raw) == 1
    pdf.close()


def test_keyboard_only_selection_from_the_top_of_the_page(
    make_window: Factory, qtbot: QtBot, library: Library, paper: Path
) -> None:
    window = make_window()
    view, ra = _open(window, qtbot)
    view.view.setFocus()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.view, Qt.Key.Key_Right, ctrl_shift)
    assert ra.layer.selection is not None
    assert normalise_words(ra.layer.selection.text) == "Introduction."
    qtbot.keyClick(view.view, Qt.Key.Key_Right, ctrl_shift)
    assert normalise_words(ra.layer.selection.text) == "Introduction. We"
    qtbot.keyClick(view.view, Qt.Key.Key_5)  # purple
    qtbot.waitUntil(lambda: bool(_saved(library)), timeout=WAIT_MS)
    (ann,) = _saved(library)
    assert (ann.text, ann.color, ann.page) == ("Introduction. We", Color.PURPLE, 1)
    assert ann.after.startswith("study dense retrieval")


def test_fetching_the_new_version_moves_the_annotations_and_the_reader(
    make_window: Factory, qtbot: QtBot, library: Library, arxiv_server: object
) -> None:
    from desktop_app.core.annotations import ops
    from tests.helpers.arxiv_server import ArxivServer
    from tests.helpers.pdfgen import make_pdf

    assert isinstance(arxiv_server, ArxivServer)
    v2_pages = ["Preface added in the second version.", *PAGES]
    served = arxiv_server.add_paper(KEY, versions=2, title="Dense passages")
    served.pdfs = {1: make_pdf(PAGES), 2: make_pdf(v2_pages)}
    v1 = library.paper_dir(KEY) / f"{KEY}v1.pdf"
    v1.parent.mkdir(parents=True)
    v1.write_bytes(served.pdfs[1])
    _add_paper(library, v1)
    library.update(KEY, lambda p: setattr(p, "latest_version", 2))
    ann = ops.highlight_words(library, KEY, 3, "every benchmark")
    window = make_window(arxiv_server.settings())
    _open(window, qtbot)
    feat = feature(window, AnnotationsFeature)
    feat.actions["new_version"].trigger()
    qtbot.waitUntil(lambda: library.get(KEY).pdf_file == f"{KEY}v2.pdf", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: store.live(library, KEY)[0].page == 4, timeout=WAIT_MS)
    # The tab now shows v2, with the highlight on its new page.
    qtbot.waitUntil(
        lambda: (
            (v := window.host.tabs.view_for(KEY)) is not None and v.path.name.endswith("v2.pdf")
        ),
        timeout=WAIT_MS,
    )
    ra = feat.readers[KEY]
    qtbot.waitUntil(lambda: [a.page for a in ra.items] == [4], timeout=WAIT_MS)
    assert ra.items[0].id == ann.id and v1.exists()
