"""The search field: results as you type (debounced), and a popup that lists the syntax."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui import icons

DEBOUNCE_MS = 250

#: The query syntax of the index (core/search/api.py), as the help popup lists it.
SYNTAX: tuple[tuple[str, str], ...] = (
    ("<code>dense retrieval</code>", "papers with both words, anywhere"),
    ('<code>"query likelihood"</code>', "the exact phrase"),
    ("<code>retriev*</code>", "words starting with <i>retriev</i>"),
    ("<code>retreival~</code>", "words spelt like it (fuzzy)"),
    (
        "<code>rag OR retrieval</code>",
        "either word; also <code>AND</code>, <code>NOT</code>, <code>-word</code>, ( )",
    ),
    ("<code>title:</code> <code>author:</code>", "one field: <code>author:zhang</code>"),
    ("<code>abstract:</code> <code>note:</code>", "the abstract; your notes"),
    ("<code>fulltext:</code>", "the text of the PDF"),
    ("<code>tag:rag/eval</code>", "a tag (and the tags under it)"),
    (
        "<code>status:unread</code>",
        "<code>new</code> (inbox), <code>unread</code>, <code>reading</code>, <code>read</code>",
    ),
    ("<code>cat:cs.IR</code>", "an arXiv category"),
    ("<code>year:2025</code> <code>year:2020..2025</code>", "a year or a range of years"),
    ("<code>has:notes</code> <code>has:pdf</code>", "with notes; with a PDF on disk"),
    (
        "<code>pdf:failed</code>",
        "PDF state: <code>pending</code>, <code>done</code>, <code>failed</code>",
    ),
    ("<code>added:7d</code>", "added in the last 7 days (also <code>30d</code>, <code>1y</code>)"),
)
SYNTAX_HELP = (
    '<h3 style="margin-top:0">Search syntax</h3><table cellspacing="0" cellpadding="3">'
    + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in SYNTAX)
    + "</table><p style='margin-bottom:0'>The sidebar narrows the results further; "
    "its counts follow the search.</p>"
)


class SyntaxHelp(QFrame):
    """The syntax popup (closes on click outside or Escape)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        label = QLabel(SYNTAX_HELP)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        self.setAccessibleName("Search syntax")


class SearchBar(QWidget):
    """A search field and its help button; emits ``query_changed`` after a pause in typing."""

    query_changed = Signal(str)
    #: Down or Enter in the field: the list takes the keyboard.
    focus_list = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.field = _SearchField(self)
        self.field.setPlaceholderText("Search titles, authors, abstracts, notes and full text")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Search")
        self.field.setMinimumWidth(260)
        self.search_icon = QAction(icons.icon("search"), "", self.field)
        self.field.addAction(self.search_icon, QLineEdit.ActionPosition.LeadingPosition)
        layout.addWidget(self.field, 1)
        self.help_button = QToolButton()
        self.help_button.setIcon(icons.icon("help"))
        self.help_button.setAutoRaise(True)
        self.help_button.setToolTip("Search syntax")
        self.help_button.setAccessibleName("Search syntax")
        self.help_button.clicked.connect(self.show_help)
        layout.addWidget(self.help_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)
        self.field.textChanged.connect(lambda _: self._timer.start())
        self.field.returnPressed.connect(self._enter)
        self.field.down_pressed.connect(self.focus_list)
        self._last = ""
        self.popup: SyntaxHelp | None = None

    @property
    def text(self) -> str:
        return self.field.text().strip()

    def set_text(self, text: str) -> None:
        """Set the query and search at once (saved searches, "did you mean")."""
        self.field.setText(text)
        self._emit()

    def _emit(self) -> None:
        self._timer.stop()
        text = self.text
        if text != self._last:
            self._last = text
            self.query_changed.emit(text)

    def _enter(self) -> None:
        self._emit()
        self.focus_list.emit()

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def show_help(self) -> None:
        if self.popup is None:
            self.popup = SyntaxHelp(self)
        self.popup.adjustSize()
        below = self.mapToGlobal(QPoint(0, self.height() + 2))
        x = max(0, below.x() + self.width() - self.popup.width())
        self.popup.move(x, below.y())
        self.popup.show()

    def refresh_icons(self) -> None:
        self.search_icon.setIcon(icons.icon("search"))
        self.help_button.setIcon(icons.icon("help"))


class _SearchField(QLineEdit):
    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
