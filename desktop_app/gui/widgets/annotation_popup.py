"""The small bar that appears under a text selection in the reader: five colours, underline,
comment (the same as the keys 1–5, U and C, for the mouse)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from desktop_app.core.annotations.model import Color


def swatch(color: Color, size: int = 14) -> QIcon:
    """A square of the colour, as an icon (here and in the Annotations panel)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*color.rgb))
    return QIcon(pixmap)


class AnnotationPopup(QFrame):
    """Buttons for the selection; :attr:`chosen` names the one clicked: a colour's value,
    ``"underline"`` or ``"comment"``."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("annotationPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(3, 2, 3, 2)
        self._row.setSpacing(1)
        self.buttons: dict[str, QToolButton] = {}
        for n, color in enumerate(Color, start=1):
            self._button(color.value, f"Highlight {color.value} ({n})", icon=swatch(color))
        self._button("underline", "Underline (U)", text="U")
        self._button("comment", "Comment (C)", text="…")
        self.hide()

    def _button(self, name: str, tip: str, *, icon: QIcon | None = None, text: str = "") -> None:
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        if icon is not None:
            button.setIcon(icon)
        else:
            button.setText(text)
        button.clicked.connect(lambda _checked=False, n=name: self._choose(n))
        self._row.addWidget(button)
        self.buttons[name] = button

    def _choose(self, name: str) -> None:
        self.hide()
        self.chosen.emit(name)

    def show_under(self, area: QRect) -> None:
        """Show just under ``area`` (the selection, in the parent's pixels), inside the parent."""
        self.adjustSize()
        parent = self.parentWidget()
        room = parent.rect() if parent is not None else QRect(0, 0, 10_000, 10_000)
        x = min(max(0, area.left()), max(0, room.width() - self.width()))
        y = area.bottom() + 6
        if y + self.height() > room.height():
            y = max(0, area.top() - self.height() - 6)
        self.move(QPoint(x, y))
        self.show()
        self.raise_()
