"""The sidebar: Inbox, the Library views, the tag tree and the saved searches, with counts."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QInputDialog,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from desktop_app.gui.widgets.paper_model import COUNT_ROLE
from desktop_app.gui.widgets.sidebar_model import NodeKind, SidebarModel, SidebarNode


class _CountDelegate(QStyledItemDelegate):
    """Draws an item's count right-aligned in a muted colour."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        count = index.data(COUNT_ROLE)
        if count is None:
            super().paint(painter, option, index)
            return
        text = str(count)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        metrics = opt.fontMetrics
        width = metrics.horizontalAdvance(text) + 14
        rect: QRect = opt.rect
        # Leave room for the count: elide the label before it (icon and margins aside).
        room = rect.width() - width - opt.decorationSize.width() - 16
        opt.text = metrics.elidedText(opt.text, Qt.TextElideMode.ElideRight, max(room, 0))
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        painter.save()
        painter.setPen(option.palette.color(role))
        painter.drawText(
            rect.adjusted(rect.width() - width, 0, -6, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 36, max(size.height(), 24))


class Sidebar(QTreeView):
    """Emits ``node_selected`` when the user picks a view, tag or saved search."""

    node_selected = Signal(object)  # SidebarNode
    rename_requested = Signal(str, str)  # saved search: old name, new name
    delete_requested = Signal(str)  # saved search name

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sidebar_model = model
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setItemDelegate(_CountDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.setAccessibleName("Sidebar")
        self.setMinimumWidth(170)
        self.setIndentation(14)
        self.setFrameShape(QTreeView.Shape.NoFrame)
        self.expandAll()
        self._quiet = False
        model.rowsInserted.connect(self._expand_new)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def _expand_new(self, parent: QModelIndex, first: int, last: int) -> None:
        self.expand(parent)

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            node = self.sidebar_model.node(current)
            if node.kind != NodeKind.SECTION:
                self.node_selected.emit(node)

    def select_node(self, node_id: str) -> bool:
        """Select a node by id (emitting ``node_selected``); False when there is none."""
        index = self.sidebar_model.index_of(node_id)
        if not index.isValid():
            return False
        if index == self.currentIndex():
            self.node_selected.emit(self.sidebar_model.node(index))
        else:
            self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def show_node(self, node_id: str) -> None:
        """Mark a node as the current one without emitting ``node_selected``."""
        index = self.sidebar_model.index_of(node_id)
        if index.isValid() and index != self.currentIndex():
            self._quiet = True
            try:
                self.setCurrentIndex(index)
            finally:
                self._quiet = False

    def current_node(self) -> SidebarNode | None:
        index = self.currentIndex()
        return self.sidebar_model.node(index) if index.isValid() else None

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        node = self.sidebar_model.node(index) if index.isValid() else None
        if node is None or node.kind != NodeKind.SAVED:
            return
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.ask_rename(node.label))
        menu.addAction("Delete", lambda: self.delete_requested.emit(node.label))
        menu.exec(self.viewport().mapToGlobal(pos))

    def ask_rename(self, name: str) -> None:
        new, ok = QInputDialog.getText(self, "Rename saved search", "New name:", text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_requested.emit(name, new.strip())
