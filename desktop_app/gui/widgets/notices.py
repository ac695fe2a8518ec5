"""Non-blocking notices above the paper list: errors, warnings and confirmations.

A notice is one line with an icon, an optional "Details" toggle that expands the technical
text (never a traceback unless the error was unexpected), optional action buttons, and a
close button. Errors stay until closed; information fades after a few seconds. The same
message shown again is counted ("×2") instead of stacked, and a notice of a named ``kind``
(say, the papers that could not be fetched) replaces the one of that kind shown before: one
line per kind of problem, at most :data:`MAX_NOTICES` lines over the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui import icons

log = logging.getLogger(__name__)

INFO_TIMEOUT_MS = 8000
MAX_NOTICES = 3


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_BACKGROUND = {
    Level.INFO: "rgba(26, 115, 232, 0.12)",
    Level.WARNING: "rgba(242, 153, 0, 0.16)",
    Level.ERROR: "rgba(217, 48, 37, 0.14)",
}
_BORDER = {
    Level.INFO: "rgba(26, 115, 232, 0.45)",
    Level.WARNING: "rgba(242, 153, 0, 0.6)",
    Level.ERROR: "rgba(217, 48, 37, 0.55)",
}


class Notice(QFrame):
    """One notice; emits ``closed`` when dismissed."""

    closed = Signal()

    def __init__(
        self,
        level: Level,
        message: str,
        details: str = "",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.level = level
        self.message = message
        self.details = details
        self.repeat = 1
        self.kind: str | None = None  # notices of one kind replace each other
        self.setObjectName("notice")
        self.setAccessibleName(f"{level.value}: {message}")
        self.setStyleSheet(
            f"QFrame#notice {{ background: {_BACKGROUND[level]}; "
            f"border: 1px solid {_BORDER[level]}; border-radius: 6px; }}"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 6, 6)
        outer.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(8)
        outer.addLayout(row)
        icon_label = QLabel()
        icon_label.setPixmap(icons.pixmap(level.value, 18, self.devicePixelRatioF()))
        row.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(message)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row.addWidget(self.label, 1)
        for text, callback in actions or []:
            button = QPushButton(text)
            button.setFlat(False)
            button.clicked.connect(callback)
            button.clicked.connect(self.close_notice)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.details_view: QPlainTextEdit | None = None
        if details:
            self.toggle = QToolButton()
            self.toggle.setText("Details")
            self.toggle.setCheckable(True)
            self.toggle.setToolTip("Show or hide the details")
            self.toggle.toggled.connect(self._show_details)
            row.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignTop)
            self.details_view = QPlainTextEdit(details)
            self.details_view.setReadOnly(True)
            self.details_view.setMaximumHeight(160)
            self.details_view.setVisible(False)
            outer.addWidget(self.details_view)
        close = QToolButton()
        close.setIcon(icons.icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Close this notice")
        close.setAccessibleName("Close notice")
        close.clicked.connect(self.close_notice)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        if level == Level.INFO:
            QTimer.singleShot(INFO_TIMEOUT_MS, self.close_notice)

    def _show_details(self, shown: bool) -> None:
        if self.details_view is not None:
            self.details_view.setVisible(shown)

    def count_again(self) -> None:
        self.repeat += 1
        self.label.setText(f"{self.message} (×{self.repeat})")

    def close_notice(self) -> None:
        if self.isVisible() or self.parent() is not None:
            self.hide()
            self.closed.emit()
            self.deleteLater()


class NoticeArea(QWidget):
    """A column of notices; the window's one place for errors (see MainWindow.show_error)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 0)
        self._layout.setSpacing(4)
        self.notices: list[Notice] = []
        self.setVisible(False)

    def show_notice(
        self,
        level: Level,
        message: str,
        details: str = "",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        kind: str | None = None,
    ) -> Notice:
        for shown in list(self.notices):
            if kind is not None and shown.kind == kind:
                shown.close_notice()  # replaced by the new one, which says it all
            elif kind is None and shown.message == message and shown.level == level:
                shown.count_again()
                return shown
        notice = Notice(level, message, details, actions, self)
        notice.kind = kind
        notice.closed.connect(lambda: self._forget(notice))
        self.notices.append(notice)
        self._layout.addWidget(notice)
        while len(self.notices) > MAX_NOTICES:
            self.notices[0].close_notice()
        self.setVisible(True)
        return notice

    def _forget(self, notice: Notice) -> None:
        if notice in self.notices:
            self.notices.remove(notice)
        self.setVisible(bool(self.notices))

    def messages(self) -> list[str]:
        """The messages shown now (for tests and accessibility)."""
        return [n.message for n in self.notices]

    def clear(self) -> None:
        for notice in list(self.notices):
            notice.close_notice()
