"""Dialogs: Add papers (by ID or link) and About."""

from __future__ import annotations

from collections.abc import Callable
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
    """Paste any text holding arXiv IDs or links; the dialog shows what it recognised.

    ``known`` says whether a key is in the library already: such papers are listed as
    "in the library" and neither counted nor added ("Add 2 papers", not 3).
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        text: str | None = None,
        known: Callable[[str], bool] | AbstractSet[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add papers")
        self.setMinimumWidth(min(520, _screen_width(parent) - 40))
        self._known = known.__contains__ if isinstance(known, AbstractSet) else known
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
    def recognised_ids(self) -> list[ArxivId]:
        """Every ID or link recognised in the text, each paper once."""
        seen: dict[str, ArxivId] = {}
        for aid in arxiv_id.find_all(self.editor.toPlainText()):
            seen.setdefault(aid.key, aid)
        return list(seen.values())

    @property
    def ids(self) -> list[ArxivId]:
        """The papers to add: those recognised that are not in the library yet (when all
        are, all of them: OK then shows them in the library)."""
        found = self.recognised_ids
        return [aid for aid in found if not self._known(aid.key)] or found

    def _update(self) -> None:
        found = self.recognised_ids
        new = {aid.key for aid in found if not self._known(aid.key)}
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(found))
        ok.setText(
            f"Add {plural(len(new), 'paper')}" if new else "Show in the library" if found else "Add"
        )
        if not found:
            shown = "Nothing recognised yet." if self.editor.toPlainText().strip() else ""
            self.recognised.setText(shown)
            return
        names = []
        for aid in found[:MAX_LISTED]:
            note = "" if aid.key in new else " <i>(in the library)</i>"
            names.append(f"<code>{aid.canonical}</code>{note}")
        more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        text = "Recognised: " + ", ".join(names) + more
        if len(new) < len(found):
            text += f". {plural(len(found) - len(new), 'paper')} already in the library."
        self.recognised.setText(text)


def _screen_width(widget: QWidget | None) -> int:
    screen = widget.screen() if widget is not None else QGuiApplication.primaryScreen()
    return screen.availableGeometry().width() if screen is not None else 1024


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
