"""The PDF reader: tabs, remembered page, find, zoom, side panel, the offer to mark read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtPdfWidgets import QPdfView
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.reading import record_page
from desktop_app.gui.widgets import reader
from desktop_app.gui.widgets.reader import ReaderTabs, ReaderView, ThumbnailModel
from tests.helpers.files import testdata as shared_file
from tests.helpers.pdfgen import write_pdf

PAGES = [
    "Introduction. Dense retrieval with a zebra in the margin.",
    "Related work on sparse retrieval.",
    "Method. The zebra appears again here, on page three.",
    "Experiments and results.",
    "Discussion.",
    "Conclusion. The end.",
]


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "paper.pdf", PAGES, title="A zebra paper")


@pytest.fixture
def tabs(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReaderTabs]:
    monkeypatch.setattr(reader, "SAVE_DELAY_MS", 50)
    widget = ReaderTabs()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    for view in widget.views():
        view.close_document()


def _open(tabs: ReaderTabs, qtbot: QtBot, key: str, path: Path, **kw: object) -> ReaderView:
    view = tabs.open_paper(key, path, "A zebra paper", **kw)  # type: ignore[arg-type]
    assert view is not None
    qtbot.waitUntil(lambda: view.loaded)
    return view


def test_opens_at_the_remembered_page(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf, last_page=4)
    qtbot.waitUntil(lambda: view.current_page == 4)
    assert view.page_box.value() == 4
    assert view.page_count_label.text() == "of 6"


def test_real_paper_opens_at_the_remembered_page(tabs: ReaderTabs, qtbot: QtBot) -> None:
    path = shared_file("pdfs", "arxiv", "2302.07302v1.pdf")
    view = _open(tabs, qtbot, "2302.07302", path, last_page=9)
    qtbot.waitUntil(lambda: view.current_page == 9)
    # This paper has an outline: the side panel shows it, and a chapter opens its page.
    assert view.side_panel.currentWidget() is view.outline_view
    model = view.outline_model
    last = model.index(model.rowCount(QModelIndex()) - 1, 0)
    view.outline_view.clicked.emit(last)
    qtbot.waitUntil(lambda: view.current_page != 9)


def test_page_read_is_stored_and_used_next_time(
    tabs: ReaderTabs, qtbot: QtBot, pdf: Path, library: Library
) -> None:
    library.add(Paper(key="2301.00001", arxiv_id="2301.00001", title="A zebra paper"))
    tabs.page_read.connect(lambda key, page, count: record_page(library, key, page, count))
    view = _open(tabs, qtbot, "2301.00001", pdf)
    # Opening a paper records its first page and its page count.
    qtbot.waitUntil(lambda: library.get("2301.00001").page_count == 6)
    with qtbot.waitSignal(tabs.page_read, check_params_cb=lambda k, p, c: p == 5) as blocker:
        view.go_to_page(5)
    assert blocker.args == ["2301.00001", 5, 6]
    paper = library.get("2301.00001")
    assert (paper.last_page, paper.page_count) == (5, 6)

    tabs.close_paper("2301.00001")
    assert tabs.views() == []
    again = _open(tabs, qtbot, "2301.00001", pdf, last_page=paper.last_page)
    qtbot.waitUntil(lambda: again.current_page == 5)


def test_closing_a_tab_reports_the_page_at_once(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf)
    view._save_timer.setInterval(60_000)  # only the close may report it
    view.go_to_page(3)
    qtbot.waitUntil(lambda: view.current_page == 3)
    with qtbot.waitSignal(tabs.page_read) as blocker:
        tabs.close_tab(tabs.indexOf(view))
    assert blocker.args == ["k", 3, 6]


def test_hit_page_opens_with_the_words_found(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf, page=3, find=["absent", "zebra"])
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "2 of 2")
    assert view.current_page == 3
    assert view.find_bar.isVisible()
    assert view.find_bar.field.text() == "zebra"
    assert view.view.currentSearchResultIndex() == 1


def test_find_next_and_previous(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf)
    view.show_find()
    qtbot.keyClicks(view.find_bar.field, "retrieval")
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "1 of 2")
    assert view.current_page == 1
    qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.current_page == 2)
    assert view.find_bar.count.text() == "2 of 2"
    view.find_previous()
    qtbot.waitUntil(lambda: view.current_page == 1)
    view.find_bar.field.setText("no such words")
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "No matches")


def test_zoom_modes(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf)
    assert view.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    fit_width = view._effective_zoom()
    view.zoom_in()
    assert view.view.zoomMode() == QPdfView.ZoomMode.Custom
    assert view.view.zoomFactor() == pytest.approx(fit_width * reader.ZOOM_STEP)
    assert not view.fit_width_action.isChecked()
    view.fit_page()
    assert view.fit_page_action.isChecked()
    assert view._effective_zoom() < fit_width  # a whole page is smaller than the width
    view.zoom_out()
    assert view.view.zoomFactor() < fit_width


def test_last_page_offers_to_mark_read(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf, status="reading")
    assert not view.read_bar.isVisible()
    view.go_to_page(6)
    qtbot.waitUntil(view.read_bar.isVisible)
    with qtbot.waitSignal(tabs.mark_read_requested) as blocker:
        view.read_bar.mark_button.click()
    assert blocker.args == ["k"]
    assert not view.read_bar.isVisible()


def test_no_offer_for_a_paper_already_read(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf, status=Status.READ.value)
    view.go_to_page(6)
    qtbot.waitUntil(lambda: view.current_page == 6)
    assert not view.read_bar.isVisible()


def test_several_papers_in_tabs(tabs: ReaderTabs, qtbot: QtBot, pdf: Path, tmp_path: Path) -> None:
    other = write_pdf(tmp_path / "other.pdf", ["one", "two"])
    opened: list[str] = []
    tabs.paper_opened.connect(opened.append)
    first = _open(tabs, qtbot, "a", pdf)
    second = _open(tabs, qtbot, "b", other)
    assert tabs.count() == 2
    assert tabs.currentWidget() is second
    assert tabs.open_paper("a", pdf, page=2) is first  # switches, no second tab
    assert tabs.currentWidget() is first
    qtbot.waitUntil(lambda: first.current_page == 2)
    assert opened == ["a", "b"]


def test_home_tab_stays(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    from PySide6.QtWidgets import QLabel

    home = QLabel("library")
    tabs.set_home(home, "Library")
    _open(tabs, qtbot, "k", pdf)
    tabs.close_tab(0)
    assert tabs.widget(0) is home
    assert tabs.count() == 2


@pytest.mark.parametrize("broken", ["garbage", "missing", "testdata"])
def test_unreadable_pdf_is_reported(
    tabs: ReaderTabs, qtbot: QtBot, tmp_path: Path, broken: str
) -> None:
    if broken == "garbage":
        path = tmp_path / "bad.pdf"
        path.write_bytes(b"this is not a PDF at all")
    elif broken == "missing":
        path = tmp_path / "gone.pdf"
    else:
        path = shared_file("pdfs", "broken", "qpdf_bad1.pdf")
    opened: list[str] = []
    tabs.paper_opened.connect(opened.append)
    with qtbot.waitSignal(tabs.failed) as blocker:
        assert tabs.open_paper("k", path) is None
    assert path.name in blocker.args[1]
    assert tabs.count() == 0
    assert opened == []


def test_open_in_system_viewer(
    tabs: ReaderTabs, qtbot: QtBot, pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    view = _open(tabs, qtbot, "k", pdf)
    view.external_action.trigger()
    assert [u.toLocalFile() for u in urls] == [str(pdf)]


def test_thumbnails(qtbot: QtBot, qtmodeltester: object, pdf: Path) -> None:
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    document.load(str(pdf))
    model = ThumbnailModel(document)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rowCount() == 6
    assert model.index(2, 0).data() == "3"
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        model.index(5, 0).data(Qt.ItemDataRole.DecorationRole)
    image = model.index(5, 0).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(image, QImage)
    assert image.width() == reader.THUMBNAIL_WIDTH
    assert image.height() == round(reader.THUMBNAIL_WIDTH * 792 / 612)
    document.close()
    assert model.rowCount() == 0


@pytest.mark.parametrize("zoom", [0.25, 0.5, 1.0])
def test_the_last_page_is_the_page_shown_and_stored(
    tabs: ReaderTabs, qtbot: QtBot, tmp_path: Path, zoom: float
) -> None:
    # Zoomed out, the end of a 15-page paper shows its last pages together: the page box said
    # "13 of 15" there and 13 was stored as the last page read.
    path = write_pdf(tmp_path / "long.pdf", [f"Section {n}." for n in range(1, 16)])
    reported: list[int] = []
    tabs.page_read.connect(lambda key, page, count: reported.append(page))
    view = _open(tabs, qtbot, "k", path)
    qtbot.waitUntil(lambda: reported == [1])  # opened and recorded on its first page
    view.set_zoom(zoom)
    view.go_to_page(15)
    qtbot.waitUntil(lambda: view.page_box.value() == 15)
    qtbot.waitUntil(lambda: reported[-1:] == [15])
    # Scrolled to the very bottom by hand, from the top, it is the last page too.
    bar = view.view.verticalScrollBar()
    bar.setValue(0)
    qtbot.waitUntil(lambda: view.page_box.value() == 1)
    shown = []
    while bar.value() < bar.maximum():
        bar.setValue(bar.value() + bar.pageStep() // 3)
        shown.append(view.page_box.value())
    assert shown[-1] == 15
    assert shown == sorted(shown), "scrolling down never goes back (the gaps between pages)"
    view.close_document()
    assert reported[-1] == 15


def test_a_page_jumped_to_stays_shown_near_the_end(
    tabs: ReaderTabs, qtbot: QtBot, tmp_path: Path
) -> None:
    path = write_pdf(tmp_path / "long.pdf", [f"Section {n}." for n in range(1, 16)])
    view = _open(tabs, qtbot, "k", path)
    with qtbot.waitSignal(tabs.page_read):  # opened and recorded on its first page
        pass
    view.set_zoom(0.25)  # pages 12-15 fit in the view at once
    with qtbot.waitSignal(tabs.page_read) as blocker:
        view.go_to_page(13)
    assert blocker.args[1] == 13
    assert (view.current_page, view.page_box.value()) == (13, 13)


@pytest.mark.parametrize("enter", [False, True])
def test_find_starts_from_the_current_page(
    tabs: ReaderTabs, qtbot: QtBot, pdf: Path, enter: bool
) -> None:
    # "zebra" is on pages 1 and 3: read on page 2, the next one is on page 3.
    view = _open(tabs, qtbot, "k", pdf)
    with qtbot.waitSignal(tabs.page_read):
        pass
    view.go_to_page(2)
    qtbot.waitUntil(lambda: view.current_page == 2)
    view.show_find()
    qtbot.keyClicks(view.find_bar.field, "zebra")
    if enter:  # at once, before the search has run
        qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "2 of 2")
    assert view.current_page == 3
    # After the last match, the next one wraps to the first.
    qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.current_page == 1)
    assert view.find_bar.count.text() == "1 of 2"


def test_find_starts_from_the_page_scrolled_to(tabs: ReaderTabs, qtbot: QtBot, pdf: Path) -> None:
    view = _open(tabs, qtbot, "k", pdf)
    with qtbot.waitSignal(tabs.page_read):
        pass
    view.set_zoom(0.5)
    # Scrolled by hand to where the line 40 % down the view falls between pages 2 and 3
    # (QPdfView took that for page 1): page 3's top is in the upper half of the view.
    bar = view.view.verticalScrollBar()
    height = view.view.viewport().height()
    qtbot.waitUntil(lambda: bar.maximum() + height > 6 * 500)
    # Six pages of one size, stacked with a spacing after each inside the margins.
    margins, spacing = view.view.documentMargins(), view.view.pageSpacing()
    page = (bar.maximum() + height - margins.top() - margins.bottom()) / 6 - spacing
    bar.setValue(round(margins.top() + 2 * (page + spacing) - 0.4 * height - spacing / 2))
    qtbot.waitUntil(lambda: view.page_box.value() == 3)
    view.show_find()
    qtbot.keyClicks(view.find_bar.field, "zebra")
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "2 of 2")
    # Found again later, from a page further on, Enter goes on from there (wrapping).
    view.go_to_page(5)
    qtbot.waitUntil(lambda: view.current_page == 5)
    view.show_find()
    qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.current_page == 1)
    assert view.find_bar.count.text() == "1 of 2"
