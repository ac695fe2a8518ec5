"""A row of labelled buttons that drops the labels (icons stay, labels go to tooltips) when
the row is narrower than the labels need, so a narrow pane never scrolls sideways.

The detail pane's status switch (Unread / Reading / Read) and its PDF row (Open, Show in
folder) are such rows: at 1024×640 they made the pane wider than its place and gave it a
horizontal scrollbar, cutting off "Read" and "Show in folder" (issue #15).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QToolButton, QWidget


def _show_label(button: QAbstractButton, label: str) -> None:
    button.setText(label)
    if isinstance(button, QToolButton):
        button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if label
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )


class ShrinkingRow(QWidget):
    """Widgets side by side; the buttons added with :meth:`add_button` lose their labels
    while the row is too narrow for them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self._labels: dict[QAbstractButton, str] = {}
        #: Each button's width with its label and without (measured once per label).
        self._widths: dict[QAbstractButton, tuple[int, int]] = {}
        self.compact = False

    def add_button(self, button: QAbstractButton) -> None:
        """Add ``button`` to the row; its text is the label it shows when there is room."""
        if not button.toolTip():
            button.setToolTip(button.text())
        self.row.addWidget(button)
        self.set_label(button, button.text())

    def set_label(self, button: QAbstractButton, label: str) -> None:
        self._labels[button] = label
        _show_label(button, label)
        full = button.sizeHint().width()
        _show_label(button, "")
        self._widths[button] = (full, button.sizeHint().width())
        _show_label(button, "" if self.compact else label)
        self.fit()

    def measure(self) -> None:
        """Measure the buttons again (after a change of style or font)."""
        for button, label in list(self._labels.items()):
            self.set_label(button, label)

    def keeps_label(self, button: QAbstractButton) -> bool:
        """Whether ``button`` shows its label even in a narrow row (none by default)."""
        return False

    def _width_needed(self, labels: bool) -> int:
        widths = []
        for i in range(self.row.count()):
            item = self.row.itemAt(i)
            widget = item.widget() if item is not None else None
            if item is None or item.isEmpty():
                continue
            if isinstance(widget, QAbstractButton) and widget in self._widths:
                full = labels or self.keeps_label(widget)
                widths.append(self._widths[widget][0 if full else 1])
            else:
                widths.append(item.minimumSize().width())
        gaps = max(0, len(widths) - 1) * max(0, self.row.spacing())
        return sum(widths) + gaps

    def fit(self) -> None:
        """Show the labels if they fit in the row's width (after a resize or a change of
        the widgets shown)."""
        self.compact = self.width() < self._width_needed(True)
        for button, label in self._labels.items():
            shown = label if not self.compact or self.keeps_label(button) else ""
            if button.text() != shown:
                _show_label(button, shown)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._width_needed(False), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self._width_needed(True), super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()
