"""Dialogs: Add papers (by ID or link) and About."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, HOME_PAGE, __version__
from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.words import plural

ARXIV_THANKS = "Thank you to arXiv for use of its open access interoperability."
MAX_LISTED = 12


class AddDialog(QDialog):
    """Paste any text holding arXiv IDs or links; the dialog shows what it recognised."""

    def __init__(
        self,
        parent: QWidget | None = None,
        text: str | None = None,
        known: AbstractSet[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add papers")
        self.setMinimumWidth(520)
        self._known = known
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Paste arXiv IDs or links — one or many, in any text "
            "(e.g. <code>2504.05220</code>, <code>arXiv:hep-th/9901001v2</code>, "
            "<code>https://arxiv.org/abs/2504.05216</code>)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("arXiv IDs or links")
        self.editor.setPlaceholderText("arXiv IDs or links")
        self.editor.setTabChangesFocus(True)
        layout.addWidget(self.editor, 1)
        self.recognised = QLabel()
        self.recognised.setWordWrap(True)
        self.recognised.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.recognised)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.editor.textChanged.connect(self._update)
        if text is None:
            clip = QGuiApplication.clipboard().text() if QGuiApplication.clipboard() else ""
            text = clip if arxiv_id.find_all(clip) else ""
        self.editor.setPlainText(text)
        self._update()

    @property
    def ids(self) -> list[ArxivId]:
        return arxiv_id.find_all(self.editor.toPlainText())

    def _update(self) -> None:
        ids = self.ids
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(ids))
        ok.setText(f"Add {plural(len(ids), 'paper')}" if ids else "Add")
        if not ids:
            shown = "Nothing recognised yet." if self.editor.toPlainText().strip() else ""
            self.recognised.setText(shown)
            return
        names = []
        for aid in ids[:MAX_LISTED]:
            note = " <i>(in the library)</i>" if aid.key in self._known else ""
            names.append(f"<code>{aid.canonical}</code>{note}")
        more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
        self.recognised.setText("Recognised: " + ", ".join(names) + more)


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent,
        f"About {APP_NAME}",
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Keep your reading list of arXiv papers offline: import, fetch, search, read.</p>"
        f"<p><a href='{HOME_PAGE}'>{HOME_PAGE}</a></p>"
        f"<p>{ARXIV_THANKS}</p>"
        "<p>Papershelf is not affiliated with arXiv. Metadata and PDFs are fetched from arXiv "
        "only when you ask for them.</p>",
    )
