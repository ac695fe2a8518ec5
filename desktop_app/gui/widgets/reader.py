"""The PDF reader: papers open in tabs inside the app (QtPdf's QPdfDocument and QPdfView).

A :class:`ReaderView` shows one paper: page navigation, zoom (fit width, fit page, in and
out), find with next/previous, an outline or page thumbnails in a side panel, "Open in
system viewer", and a non-modal bar that offers to mark the paper read on its last page.
:class:`ReaderTabs` holds several of them, next to an optional home tab (the library).

The reader never writes the library itself: it reports through signals and the window runs
the writes off the UI thread (core.reading). ``page_read`` is debounced: it fires once the
page stayed put for :data:`SAVE_DELAY_MS`, and when the tab closes, so a paper.json (and a
synced folder) is not rewritten for every page flipped through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QImage,
    QKeySequence,
    QPainter,
    QPalette,
    QShortcut,
)
from PySide6.QtPdf import QPdfBookmarkModel, QPdfDocument, QPdfPageRenderer, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui.icons import icon
from desktop_app.gui.widgets.reader_pages import PageTracker

log = logging.getLogger(__name__)

#: The page must stay put this long before it is stored in the paper's record.
SAVE_DELAY_MS = 1500
#: Typing in the find field searches once it pauses this long.
FIND_DELAY_MS = 250
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 8.0
THUMBNAIL_WIDTH = 112
#: The side panel's first width: room for chapter titles in the outline.
SIDE_PANEL_WIDTH = 220

_Index = QModelIndex | QPersistentModelIndex


class ThumbnailModel(QAbstractListModel):
    """The pages of a document as a list of thumbnails, rendered on demand off the UI thread.

    A page is rendered the first time a view asks for its picture (only visible rows are
    asked for); until then the row shows a blank page of the right shape.
    """

    PageRole = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self, document: QPdfDocument, width: int = THUMBNAIL_WIDTH, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._width = width
        self._ratio = 1.0
        self._images: dict[int, QImage] = {}
        self._requested: set[int] = set()
        self._count = 0
        self._renderer = QPdfPageRenderer(self)
        self._renderer.setRenderMode(QPdfPageRenderer.RenderMode.MultiThreaded)
        self._renderer.setDocument(document)
        self._renderer.pageRendered.connect(self._rendered)
        document.statusChanged.connect(self._reset)
        document.pageCountChanged.connect(self._reset)
        self._reset()

    def set_device_pixel_ratio(self, ratio: float) -> None:
        if ratio != self._ratio:
            self._ratio = ratio
            self._reset()

    def _reset(self, *_: object) -> None:
        if not shiboken6.isValid(self._document):
            return  # the document is being destroyed (the window closes)
        ready = self._document.status() == QPdfDocument.Status.Ready
        self.beginResetModel()
        self._count = self._document.pageCount() if ready else 0
        self._images.clear()
        self._requested.clear()
        self.endResetModel()

    def _size(self, page: int) -> QSize:
        points = self._document.pagePointSize(page)
        ratio = points.height() / points.width() if points.width() > 0 else 1.294
        return QSize(self._width, max(1, round(self._width * ratio)))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        page = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._document.pageLabel(page) or str(page + 1)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._image(page)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Page {page + 1}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        if role == Qt.ItemDataRole.SizeHintRole:
            size = self._size(page)
            return QSize(size.width() + 16, size.height() + 28)
        if role == self.PageRole:
            return page
        return None

    def _image(self, page: int) -> QImage:
        image = self._images.get(page)
        if image is not None:
            return image
        size = self._size(page)
        if page not in self._requested:
            self._requested.add(page)
            self._renderer.requestPage(page, size * self._ratio)
        blank = QImage(size * self._ratio, QImage.Format.Format_ARGB32_Premultiplied)
        blank.fill(QColor("white"))
        blank.setDevicePixelRatio(self._ratio)
        return blank

    def _rendered(self, page: int, _size: QSize, image: QImage, *_: object) -> None:
        if not 0 <= page < self._count or image.isNull():
            return
        framed = QImage(image)
        painter = QPainter(framed)
        painter.setPen(QColor(0, 0, 0, 60))
        painter.drawRect(0, 0, framed.width() - 1, framed.height() - 1)
        painter.end()
        framed.setDevicePixelRatio(self._ratio)
        self._images[page] = framed
        idx = self.index(page, 0)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class ReadBar(QFrame):
    """The non-modal offer, on the last page, to mark the paper read."""

    accepted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.AlternateBase))
        self.setPalette(palette)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel("You reached the last page.")
        # A long title wraps in the room there is: the bar never widens the window.
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(40)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.mark_button = QPushButton(icon("status-read"), "Mark as read")
        self.mark_button.clicked.connect(self._accept)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Not now")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.mark_button)
        layout.addWidget(close)
        self.hide()

    def _accept(self) -> None:
        self.hide()
        self.accepted.emit()


class FindBar(QWidget):
    """Find in the document: the field, previous/next and the match count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        self.field = QLineEdit()
        self.field.setPlaceholderText("Find in this paper")
        self.field.setClearButtonEnabled(True)
        self.field.setMaximumWidth(260)
        self.previous = QToolButton()
        self.previous.setIcon(icon("find-previous"))
        self.previous.setToolTip("Previous match (Shift+F3)")
        self.next = QToolButton()
        self.next.setIcon(icon("find-next"))
        self.next.setToolTip("Next match (F3)")
        self.count = QLabel()
        self.count.setMinimumWidth(90)
        for w in (self.previous, self.next):
            w.setAutoRaise(True)
        layout.addWidget(QLabel("Find:"))
        layout.addWidget(self.field)
        layout.addWidget(self.previous)
        layout.addWidget(self.next)
        layout.addWidget(self.count)
        layout.addStretch(1)


class ReaderView(QWidget):
    """One paper open in the reader."""

    #: (key, page 1-based, page count): the page the reader stopped on, debounced.
    page_read = Signal(str, int, int)
    #: The reader asks for the paper to be marked read (the user accepted the offer).
    mark_read_requested = Signal(str)
    #: The document could not be opened: (key, message).
    failed = Signal(str, str)

    def __init__(
        self,
        key: str,
        path: Path,
        title: str = "",
        *,
        status: str = "unread",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.path = path
        self.title = title or key
        self.status = status
        self._saved_page = 0
        self._pending_page = 0
        self._offered_read = False
        self._find_target_page: int | None = None
        #: Why the PDF could not be opened, or None.
        self.error: str | None = None

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(8)
        self.navigator = self.view.pageNavigator()
        self.pages = PageTracker(self.view, self.document)
        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.document)
        self.view.setSearchModel(self.search_model)
        self.outline_model = QPdfBookmarkModel(self)
        self.outline_model.setDocument(self.document)
        self.thumbnails = ThumbnailModel(self.document, parent=self)

        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush)
        self._find_timer = QTimer(self, singleShot=True, interval=FIND_DELAY_MS)
        self._find_timer.timeout.connect(self._start_search)

        self._build()
        self.pages.page_changed.connect(self._page_changed)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.search_model.countChanged.connect(self._search_results_changed)
        self.view.currentSearchResultIndexChanged.connect(self._update_find_count)
        self._load()

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(18, 18))
        tb = self.toolbar
        self.sidebar_action = self._action("sidebar", "Show the side panel", None, checkable=True)
        self.sidebar_action.setChecked(True)
        tb.addAction(self.sidebar_action)
        tb.addSeparator()
        self.previous_action = self._action(
            "page-previous", "Previous page", QKeySequence(Qt.Key.Key_PageUp), self.previous_page
        )
        tb.addAction(self.previous_action)
        self.page_box = QSpinBox()
        self.page_box.setKeyboardTracking(False)
        self.page_box.setAccessibleName("Page")
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(lambda v: self.go_to_page(v))
        tb.addWidget(self.page_box)
        self.page_count_label = QLabel()
        self.page_count_label.setContentsMargins(4, 0, 4, 0)
        tb.addWidget(self.page_count_label)
        self.next_action = self._action(
            "page-next", "Next page", QKeySequence(Qt.Key.Key_PageDown), self.next_page
        )
        tb.addAction(self.next_action)
        tb.addSeparator()
        tb.addAction(
            self._action("zoom-out", "Zoom out", QKeySequence.StandardKey.ZoomOut, self.zoom_out)
        )
        tb.addAction(
            self._action("zoom-in", "Zoom in", QKeySequence.StandardKey.ZoomIn, self.zoom_in)
        )
        self.fit_width_action = self._action(
            "fit-width", "Fit width", QKeySequence("Ctrl+0"), self.fit_width, checkable=True
        )
        self.fit_page_action = self._action(
            "fit-page", "Fit page", QKeySequence("Ctrl+9"), self.fit_page, checkable=True
        )
        tb.addAction(self.fit_width_action)
        tb.addAction(self.fit_page_action)
        tb.addSeparator()
        self.find_action = self._action(
            "search", "Find in this paper", QKeySequence.StandardKey.Find, self.show_find
        )
        tb.addAction(self.find_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Fixed)
        tb.addWidget(spacer)
        self.external_action = self._action(
            "open", "Open in system viewer", None, self.open_externally
        )
        tb.addAction(self.external_action)
        ext_button = tb.widgetForAction(self.external_action)
        if isinstance(ext_button, QToolButton):
            ext_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self.find_bar = FindBar(self)
        self.find_bar.field.textChanged.connect(lambda _: self._find_timer.start())
        self.find_bar.field.returnPressed.connect(self.find_next)
        self.find_bar.next.clicked.connect(self.find_next)
        self.find_bar.previous.clicked.connect(self.find_previous)
        for seq, slot in (
            (QKeySequence.StandardKey.FindNext, self.find_next),
            (QKeySequence.StandardKey.FindPrevious, self.find_previous),
            (QKeySequence("Shift+Return"), self.find_previous),
        ):
            sc = QShortcut(seq, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.find_bar.field)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self.hide_find)
        self.find_bar.hide()

        self.read_bar = ReadBar(self)
        self.read_bar.accepted.connect(lambda: self.mark_read_requested.emit(self.key))

        self.side_panel = QTabWidget(self)
        self.side_panel.setDocumentMode(True)
        self.outline_view = QTreeView()
        self.outline_view.setModel(self.outline_model)
        self.outline_view.setHeaderHidden(True)
        self.outline_view.setUniformRowHeights(True)
        self.outline_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.outline_view.activated.connect(self._outline_activated)
        self.outline_view.clicked.connect(self._outline_activated)
        self.thumbnail_view = QListView()
        self.thumbnail_view.setModel(self.thumbnails)
        self.thumbnail_view.setViewMode(QListView.ViewMode.ListMode)
        self.thumbnail_view.setIconSize(QSize(THUMBNAIL_WIDTH, round(THUMBNAIL_WIDTH * 1.5)))
        self.thumbnail_view.setUniformItemSizes(False)
        self.thumbnail_view.setSpacing(4)
        self.thumbnail_view.setFlow(QListView.Flow.TopToBottom)
        self.thumbnail_view.setWrapping(False)
        self.thumbnail_view.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnail_view.setMovement(QListView.Movement.Static)
        self.thumbnail_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnail_view.clicked.connect(self._thumbnail_activated)
        self.thumbnail_view.activated.connect(self._thumbnail_activated)
        self.side_panel.addTab(self.thumbnail_view, "Pages")
        self.side_panel.addTab(self.outline_view, "Contents")
        self.side_panel.setMinimumWidth(THUMBNAIL_WIDTH + 40)
        self.sidebar_action.toggled.connect(self.side_panel.setVisible)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.side_panel)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.find_bar)
        right_layout.addWidget(self.read_bar)
        right_layout.addWidget(self.view, 1)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([SIDE_PANEL_WIDTH, 800])
        self.splitter.setCollapsible(1, False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        self._sync_zoom_actions()

    def _action(
        self,
        icon_name: str,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | None,
        slot: object = None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setCheckable(checkable)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            hint = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{text} ({hint})" if hint else text)
        if callable(slot):
            action.triggered.connect(lambda *_: slot())
        self.addAction(action)
        return action

    # -- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        error = self.document.load(str(self.path))
        if error != QPdfDocument.Error.None_ or self.page_count == 0:
            reason = {
                QPdfDocument.Error.FileNotFound: "the file is missing",
                QPdfDocument.Error.InvalidFileFormat: "it is not a valid PDF",
                QPdfDocument.Error.IncorrectPassword: "it is protected by a password",
                QPdfDocument.Error.UnsupportedSecurityScheme: "its encryption is not supported",
                QPdfDocument.Error.DataNotYetAvailable: "it is still being written",
            }.get(error, "it cannot be read")
            self.error = f"{self.path.name} cannot be opened: {reason}"
            log.warning("%s (%s)", self.error, error)
            return
        self.page_box.setMaximum(self.page_count)
        self.page_count_label.setText(f"of {self.page_count}")
        has_outline = self.outline_model.rowCount(QModelIndex()) > 0
        self.side_panel.setCurrentIndex(1 if has_outline else 0)
        self._update_page_controls(0)

    @property
    def page_count(self) -> int:
        return max(0, self.document.pageCount())

    @property
    def loaded(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready and self.page_count > 0

    @property
    def current_page(self) -> int:
        """The page shown, 1-based (0 when nothing is loaded)."""
        return self.pages.page + 1 if self.loaded else 0

    # -- navigation ----------------------------------------------------------------------

    def go_to_page(self, page: int, location: QPointF | None = None) -> None:
        """Show ``page`` (1-based, clamped to the document)."""
        if not self.loaded:
            return
        page = min(max(1, page), self.page_count)
        if page == self.current_page and location is None:
            return
        self._jump(page - 1, location or QPointF())

    def _jump(self, page0: int, location: QPointF) -> None:
        self.navigator.jump(page0, location, self.navigator.currentZoom())
        self.pages.jumped(page0)

    def next_page(self) -> None:
        self.go_to_page(self.current_page + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page - 1)

    def _page_changed(self, page0: int) -> None:
        self._update_page_controls(page0)
        self._pending_page = page0 + 1
        if self._pending_page != self._saved_page:
            self._save_timer.start()
        if page0 == self.page_count - 1:
            self._reached_last_page()

    def _scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        if self.loaded and value >= bar.maximum() > 0:
            self._reached_last_page()

    def _update_page_controls(self, page0: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(page0 + 1)
        self.page_box.blockSignals(False)
        self.previous_action.setEnabled(page0 > 0)
        self.next_action.setEnabled(page0 < self.page_count - 1)
        idx = self.thumbnails.index(page0, 0)
        if idx.isValid():
            self.thumbnail_view.setCurrentIndex(idx)
            self.thumbnail_view.scrollTo(idx)

    def _reached_last_page(self) -> None:
        if self._offered_read or self.status == "read":
            return
        self._offered_read = True
        self.read_bar.label.setText(f"You reached the last page of “{self.title}”.")
        self.read_bar.label.setToolTip(self.title)
        self.read_bar.show()

    def set_status(self, status: str) -> None:
        """The paper's status changed (here or elsewhere): the read offer follows it."""
        self.status = status
        if status == "read":
            self.read_bar.hide()

    def flush(self) -> None:
        """Report the current page now if it was not reported yet."""
        self._save_timer.stop()
        page = self._pending_page
        if self.loaded and page and page != self._saved_page:
            self._saved_page = page
            self.page_read.emit(self.key, page, self.page_count)

    def start_at(self, page: int, saved_page: int = 0, saved_count: int | None = None) -> None:
        """Show ``page`` first; ``saved_page``/``saved_count`` are what the record holds.

        The page opened on is reported (debounced) unless the record holds it already, so a
        paper opened once shows its progress and page count in the list.
        """
        self._saved_page = saved_page if saved_count == self.page_count else -1
        self.go_to_page(page)
        self._pending_page = self.current_page
        if self._pending_page != self._saved_page:
            self._save_timer.start()

    def _outline_activated(self, index: QModelIndex) -> None:
        page = index.data(QPdfBookmarkModel.Role.Page)
        location = index.data(QPdfBookmarkModel.Role.Location)
        if isinstance(page, int):
            self.go_to_page(page + 1, location if isinstance(location, QPointF) else None)

    def _thumbnail_activated(self, index: QModelIndex) -> None:
        page = index.data(ThumbnailModel.PageRole)
        if isinstance(page, int):
            self.go_to_page(page + 1)

    # -- zoom ----------------------------------------------------------------------------

    def zoom_in(self) -> None:
        self.set_zoom(self._effective_zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._effective_zoom() / ZOOM_STEP)

    def set_zoom(self, factor: float) -> None:
        """Show the pages at ``factor`` times their size (1.0: as printed)."""
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(min(ZOOM_MAX, max(ZOOM_MIN, factor)))
        self._sync_zoom_actions()

    def _effective_zoom(self) -> float:
        """The zoom shown now, also in the fit modes (where zoomFactor() is not updated)."""
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom or not self.loaded:
            return float(self.view.zoomFactor())
        size = self.document.pagePointSize(max(0, self.current_page - 1))
        viewport = self.view.viewport().size()
        if size.width() <= 0 or size.height() <= 0:
            return 1.0
        dpi = self.logicalDpiX() / 72.0
        margins = self.view.documentMargins()
        width = viewport.width() - margins.left() - margins.right()
        height = viewport.height() - margins.top() - margins.bottom()
        fit_w = width / (size.width() * dpi)
        if self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth:
            return float(fit_w)
        return float(min(fit_w, height / (size.height() * dpi)))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._sync_zoom_actions()

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self._sync_zoom_actions()

    def _sync_zoom_actions(self) -> None:
        mode = self.view.zoomMode()
        self.fit_width_action.setChecked(mode == QPdfView.ZoomMode.FitToWidth)
        self.fit_page_action.setChecked(mode == QPdfView.ZoomMode.FitInView)

    # -- find ----------------------------------------------------------------------------

    def show_find(self) -> None:
        self.find_bar.show()
        self.find_bar.field.setFocus()
        self.find_bar.field.selectAll()

    def hide_find(self) -> None:
        self.find_bar.hide()
        self.find_bar.field.clear()
        self.view.setFocus()

    def find_words(self, terms: str | Sequence[str], page: int | None = None) -> None:
        """Find ``terms`` and show the first match on ``page`` (1-based) or after it.

        With several terms (a search query's words), the first one that occurs on ``page``
        is searched for; the find bar shows it, so the user can search on from there.
        """
        words = [terms] if isinstance(terms, str) else [t for t in terms if t.strip()]
        if not words:
            return
        chosen = words[0]
        if page is not None and self.loaded and 1 <= page <= self.page_count:
            text = " ".join(self.document.getAllText(page - 1).text().casefold().split())
            chosen = next((w for w in words if " ".join(w.casefold().split()) in text), chosen)
        self._find_target_page = page
        self.find_bar.show()
        self.find_bar.field.blockSignals(True)
        self.find_bar.field.setText(chosen)
        self.find_bar.field.blockSignals(False)
        self._start_search()
        if page is not None:
            self.go_to_page(page)

    def _start_search(self) -> None:
        text = self.find_bar.field.text().strip()
        self.search_model.setSearchString(text)
        self.view.setCurrentSearchResultIndex(-1)
        self._update_find_count()

    def _search_results_changed(self) -> None:
        count = self.search_model.count()
        if count and self.view.currentSearchResultIndex() < 0:
            target = self._find_target_page
            if target is None:
                target = self.current_page
            for i in range(count):
                if self.search_model.resultAtIndex(i).page() + 1 >= target:
                    self._select_result(i)
                    self._find_target_page = None
                    break
        self._update_find_count()

    def _select_result(self, i: int) -> None:
        self.view.setCurrentSearchResultIndex(i)
        link = self.search_model.resultAtIndex(i)
        self._jump(link.page(), link.location())

    def find_next(self) -> None:
        self._step_result(+1)

    def find_previous(self) -> None:
        self._step_result(-1)

    def _step_result(self, step: int) -> None:
        count = self.search_model.count()
        if not count:
            if not self.find_bar.isVisible():
                self.show_find()
            return
        current = self.view.currentSearchResultIndex()
        here = self.current_page - 1
        if current >= 0 and self.search_model.resultAtIndex(current).page() == here:
            self._select_result((current + step) % count)
            return
        # Nothing chosen yet, or the reader moved on: go on from the page shown.
        pages = [self.search_model.resultAtIndex(i).page() for i in range(count)]
        if step > 0:
            self._select_result(next((i for i, p in enumerate(pages) if p >= here), 0))
        else:
            before = [i for i, p in enumerate(pages) if p <= here]
            self._select_result(before[-1] if before else count - 1)

    def _update_find_count(self, *_: object) -> None:
        text = self.find_bar.field.text().strip()
        count = self.search_model.count()
        label = self.find_bar.count
        if not text:
            label.setText("")
        elif not count:
            label.setText("No matches")
        else:
            current = self.view.currentSearchResultIndex()
            where = f"{current + 1} of {count}" if current >= 0 else f"{count} matches"
            label.setText(where)
        self.find_bar.next.setEnabled(count > 0)
        self.find_bar.previous.setEnabled(count > 0)

    # -- elsewhere -----------------------------------------------------------------------

    def open_externally(self) -> bool:
        """Open the PDF in the system's viewer."""
        ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
        if not ok:
            self.failed.emit(self.key, f"no application opened {self.path.name}")
        return bool(ok)

    def close_document(self) -> None:
        self.flush()
        self.search_model.setSearchString("")
        self.document.close()


class ReaderTabs(QTabWidget):
    """Papers open in tabs; the first tab may be a home widget (the library) that stays."""

    #: (key, page 1-based, page count), debounced; store it with core.reading.record_page.
    page_read = Signal(str, int, int)
    #: A paper was opened in the reader (mark it Reading when it was new or unread).
    paper_opened = Signal(str)
    mark_read_requested = Signal(str)
    #: Something went wrong that the user should hear about: (key, message).
    failed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabCloseRequested.connect(self.close_tab)
        self._home: QWidget | None = None
        #: Closes the current reader tab (Ctrl+W); a window shows it in a menu.
        self.close_action = QAction(icon("close"), "&Close Reader Tab", self)
        self.close_action.setShortcuts([QKeySequence("Ctrl+W"), QKeySequence("Ctrl+F4")])
        self.close_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.close_action.triggered.connect(self._close_current)
        self.addAction(self.close_action)
        self.currentChanged.connect(self._update_close_action)
        self.close_action.setEnabled(False)

    def adopt_close_action(self, action: QAction) -> None:
        """Close the current tab with ``action`` (the window's, from its action table)
        instead of the tabs' own, which goes away."""
        self.removeAction(self.close_action)
        self.close_action.deleteLater()
        self.close_action = action
        action.triggered.connect(self._close_current)
        self._update_close_action()

    def _close_current(self) -> None:
        self.close_tab(self.currentIndex())

    def _update_close_action(self, *_: object) -> None:
        self.close_action.setEnabled(isinstance(self.currentWidget(), ReaderView))

    def set_home(self, widget: QWidget, title: str, tab_icon: object = None) -> None:
        """Put ``widget`` (the library) in the first tab, which cannot be closed."""
        self._home = widget
        if tab_icon is not None:
            self.insertTab(0, widget, tab_icon, title)  # type: ignore[call-overload]
        else:
            self.insertTab(0, widget, title)
        bar = self.tabBar()
        for side in (bar.ButtonPosition.RightSide, bar.ButtonPosition.LeftSide):
            button = bar.tabButton(0, side)
            if button is not None:
                button.resize(0, 0)
                button.hide()
        self.setCurrentIndex(0)

    def views(self) -> list[ReaderView]:
        return [w for i in range(self.count()) if isinstance(w := self.widget(i), ReaderView)]

    def view_for(self, key: str) -> ReaderView | None:
        return next((v for v in self.views() if v.key == key), None)

    def open_paper(
        self,
        key: str,
        path: Path,
        title: str = "",
        *,
        last_page: int = 0,
        page_count: int | None = None,
        status: str = "unread",
        page: int | None = None,
        find: str | Sequence[str] | None = None,
    ) -> ReaderView | None:
        """Open a paper in a tab (or switch to its tab) at ``page``, else at ``last_page``.

        ``last_page`` and ``page_count`` are the record's (``Paper.last_page``/``page_count``).

        ``find`` searches for a query's words from that page on (a full-text hit). When the
        PDF cannot be opened, :attr:`failed` says why and None is returned.
        """
        view = self.view_for(key)
        if view is None:
            view = ReaderView(key, path, title, status=status, parent=self)
            if view.error:
                self.failed.emit(key, view.error)
                view.close_document()
                view.deleteLater()
                return None
            view.page_read.connect(self.page_read)
            view.mark_read_requested.connect(self.mark_read_requested)
            view.failed.connect(self.failed)
            index = self.addTab(view, icon("pdf-done"), _short(title or key))
            self.setTabToolTip(index, title or key)
            start = page or last_page or 1
            # The view lays its pages out once shown: jump after that.
            QTimer.singleShot(
                0,
                lambda v=view, s=start: v.start_at(s, last_page, page_count),
            )
            self.paper_opened.emit(key)
        elif page:
            view.go_to_page(page)
        self.setCurrentWidget(view)
        if find:
            target = page
            QTimer.singleShot(0, lambda v=view: v.find_words(find, target))
        view.view.setFocus()
        return view

    def close_tab(self, index: int) -> None:
        widget = self.widget(index)
        if not isinstance(widget, ReaderView):
            return  # the home tab stays
        widget.close_document()
        self.removeTab(index)
        widget.deleteLater()

    def close_paper(self, key: str) -> None:
        view = self.view_for(key)
        if view is not None:
            self.close_tab(self.indexOf(view))

    def flush(self) -> None:
        """Report every open paper's page now (before the window closes)."""
        for view in self.views():
            view.flush()

    def set_status(self, key: str, status: str) -> None:
        view = self.view_for(key)
        if view is not None:
            view.set_status(status)


def _short(title: str, limit: int = 32) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
