"""The welcome view, shown instead of the list while the library is empty."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.gui import icons


class WelcomeView(QWidget):
    """Three ways in: add a paper, import a digest, try the sample digest."""

    add_clicked = Signal()
    import_clicked = Signal()
    sample_clicked = Signal()

    def __init__(self, library_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Welcome")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        column = QVBoxLayout()
        column.setSpacing(10)
        outer.addLayout(column)
        outer.addStretch(3)

        self.logo = QLabel()
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setPixmap(icons.app_icon().pixmap(QSize(96, 96), self.devicePixelRatioF()))
        column.addWidget(self.logo)

        title = QLabel("Welcome to Papershelf")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(title)

        text = QLabel(
            f"The library “{library_name}” is empty. Bring in the papers you want to read:\n"
            "they stay on this computer, searchable, with your notes and tags."
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        text.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        column.addWidget(text)
        column.addSpacing(12)

        self.buttons: list[QPushButton] = []
        for icon_name, label, tip, signal in (
            ("add", "Add an arXiv paper", "Paste arXiv IDs or links (Ctrl+N)", self.add_clicked),
            (
                "import",
                "Import a digest",
                "A daily arXiv digest in Markdown (Ctrl+I)",
                self.import_clicked,
            ),
            (
                "sample",
                "Try the sample digest",
                "33 papers on information retrieval from April 2025",
                self.sample_clicked,
            ),
        ):
            button = QPushButton(icons.icon(icon_name), label)
            button.setToolTip(tip)
            button.setIconSize(QSize(20, 20))
            button.setMinimumSize(QSize(280, 40))
            button.clicked.connect(signal)
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            self.buttons.append(button)
        self.buttons[0].setDefault(True)
