"""The reader's Annotations panel: a paper's annotations in page order, filtered, clickable.

Each row shows the page, a swatch of the colour, the text (or the kind) and the comment.
Annotations not found on the current version of the PDF come last, under their own label
("not found in v2"), never hidden. The filter field matches text and comment; the colour box
keeps one colour. Activating a row (click, Enter) emits :attr:`AnnotationPanel.activated`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.annotations.model import Annotation, Color, reading_order
from desktop_app.gui.widgets.annotation_popup import swatch

_Index = QModelIndex | QPersistentModelIndex


class AnnotationListModel(QAbstractListModel):
    """The annotations of one paper, found ones in reading order, then the lost ones."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    ColorRole = Qt.ItemDataRole.UserRole + 2
    SearchTextRole = Qt.ItemDataRole.UserRole + 3
    PageRole = Qt.ItemDataRole.UserRole + 4

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Annotation] = []
        self._icons = {c: swatch(c, 12) for c in Color}

    def set_annotations(self, items: Sequence[Annotation]) -> None:
        self.beginResetModel()
        live = [a for a in items if not a.deleted]
        self._items = sorted(live, key=lambda a: (bool(a.not_found_in), reading_order(a)))
        self.endResetModel()

    def annotation(self, row: int) -> Annotation | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, ann_id: str) -> int:
        return next((i for i, a in enumerate(self._items) if a.id == ann_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        a = self.annotation(index.row()) if index.isValid() else None
        if a is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            lost = f"not found in {a.not_found_in} · " if a.not_found_in else ""
            head = f"p. {a.page} · {lost}{a.label[:160]}"
            comment = " ".join(a.comment.split())
            return f"{head}\n    {comment[:160]}" if comment else head
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons[a.color]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n\n".join(p for p in (a.text, a.comment) if p) or a.kind.value
        if role == Qt.ItemDataRole.FontRole and a.not_found_in:
            font = QFont()
            font.setItalic(True)
            return font
        if role == self.IdRole:
            return a.id
        if role == self.ColorRole:
            return a.color.value
        if role == self.SearchTextRole:
            return f"{a.text}\n{a.comment}".casefold()
        if role == self.PageRole:
            return a.page
        return None


class AnnotationFilter(QSortFilterProxyModel):
    """Keeps the rows of one colour (or all) whose text or comment holds the filter words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._color = ""
        self._words: list[str] = []

    def set_filter(self, color: str, text: str) -> None:
        modern = hasattr(self, "beginFilterChange")  # Qt 6.10 deprecates invalidateFilter()
        if modern:
            self.beginFilterChange()
        self._color = color
        self._words = text.casefold().split()
        if modern:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:
        index = self.sourceModel().index(row, 0, parent)
        if self._color and index.data(AnnotationListModel.ColorRole) != self._color:
            return False
        haystack = index.data(AnnotationListModel.SearchTextRole) or ""
        return all(w in haystack for w in self._words)


class AnnotationPanel(QWidget):
    """The list with its filters (the reader puts it in a side-panel tab)."""

    #: A row was activated: (annotation id).
    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AnnotationListModel(self)
        self.proxy = AnnotationFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_field = QLineEdit()
        self.filter_field.setPlaceholderText("Filter annotations")
        self.filter_field.setClearButtonEnabled(True)
        self.color_box = QComboBox()
        self.color_box.setAccessibleName("Colour")
        self.color_box.addItem("All", "")
        for c in Color:
            self.color_box.addItem(swatch(c, 12), c.value.capitalize(), c.value)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setAlternatingRowColors(True)
        self.empty = QLabel("No annotations yet. Select text and press 1–5 to highlight it.")
        self.empty.setWordWrap(True)
        self.empty.setContentsMargins(6, 6, 6, 6)
        filters = QHBoxLayout()
        filters.setContentsMargins(4, 4, 4, 0)
        filters.addWidget(self.filter_field, 1)
        filters.addWidget(self.color_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        self.filter_field.textChanged.connect(self._refilter)
        self.color_box.currentIndexChanged.connect(self._refilter)
        self.list.clicked.connect(self._activated)
        self.list.activated.connect(self._activated)
        self._update_empty()

    def set_annotations(self, items: Sequence[Annotation]) -> None:
        current = self.current_id()
        self.model.set_annotations(items)
        self._update_empty()
        if current:
            self.select(current)

    def _refilter(self, *_: object) -> None:
        self.proxy.set_filter(self.color_box.currentData() or "", self.filter_field.text())

    def _update_empty(self) -> None:
        self.empty.setVisible(self.model.rowCount() == 0)

    def _activated(self, index: QModelIndex) -> None:
        ann_id = index.data(AnnotationListModel.IdRole)
        if isinstance(ann_id, str):
            self.activated.emit(ann_id)

    def current_id(self) -> str | None:
        value = self.list.currentIndex().data(AnnotationListModel.IdRole)
        return value if isinstance(value, str) else None

    def select(self, ann_id: str) -> None:
        """Make ``ann_id``'s row current (when the filter shows it)."""
        row = self.model.row_of(ann_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.list.setCurrentIndex(index)
            self.list.scrollTo(index)
