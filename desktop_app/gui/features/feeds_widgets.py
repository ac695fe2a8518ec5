"""The widgets of the feeds feature: the Followed Feeds dialog and the paper panel.

Both only show what they are given and say what the user asked for through signals; the
feature (:mod:`desktop_app.gui.features.feeds`) reads and writes the library.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import InvalidValue
from desktop_app.core.feeds.specs import Feed, parse_spec
from desktop_app.core.interop.importing import normalize_doi
from desktop_app.core.paper import Paper
from desktop_app.core.search.api import Hit
from desktop_app.core.settings import Settings
from desktop_app.gui.widgets.rows_model import RowsModel

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class FeedColumn(IntEnum):
    NAME = 0
    QUERY = 1
    INBOX = 2
    FETCHED = 3


_HEADERS = {
    FeedColumn.NAME: "Name",
    FeedColumn.QUERY: "arXiv query",
    FeedColumn.INBOX: "In Inbox",
    FeedColumn.FETCHED: "Last fetched",
}


class FeedsModel(RowsModel):
    """The followed feeds, one row each."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([_HEADERS[c] for c in FeedColumn], parent)
        self._counts: dict[str, int] = {}

    def set_feeds(self, feeds: Sequence[Feed], counts: dict[str, int]) -> None:
        self._counts = dict(counts)
        self.set_items(feeds)

    def feed(self, row: int) -> Feed | None:
        feed: Feed | None = self.item(row)
        return feed

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        feed = self.feed(index.row()) if index.isValid() else None
        if feed is None or not 0 <= index.column() < len(FeedColumn):
            return None
        col = FeedColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if col == FeedColumn.NAME:
                return feed.name
            if col == FeedColumn.QUERY:
                return feed.query
            if col == FeedColumn.INBOX:
                return str(self._counts.get(feed.name, 0))
            if feed.queued:
                return "queued"
            return feed.fetched[:10] if feed.fetched else "never"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == FeedColumn.INBOX:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FeedsDialog(QDialog):
    """Edit → Followed Feeds…: add and remove feeds, fetch them, set the schedule."""

    add_requested = Signal(str, str)  # spec, name ("" for the default)
    remove_requested = Signal(str)  # name
    fetch_requested = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Followed Feeds")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Follow an arXiv category (<b>cs.IR</b>) or a search in arXiv's query language "
            '(<b>cat:cs.IR AND abs:"retrieval augmented"</b>, <b>au:Zamani</b>). Their new '
            "papers come to the Inbox; papers you dismissed never come back."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model = FeedsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            FeedColumn.QUERY, QHeaderView.ResizeMode.Stretch
        )
        self.table.setAccessibleName("Followed feeds")
        layout.addWidget(self.table)

        add_row = QHBoxLayout()
        self.spec = QLineEdit()
        self.spec.setPlaceholderText('cs.IR, or au:Zamani, or cat:cs.IR AND abs:"dense"')
        self.spec.setAccessibleName("Category or arXiv query")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name (optional)")
        self.name.setAccessibleName("Feed name")
        self.add_button = QPushButton("Follow")
        self.add_button.clicked.connect(self._add)
        self.spec.returnPressed.connect(self._add)
        add_row.addWidget(self.spec, 3)
        add_row.addWidget(self.name, 1)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)
        self.problem = QLabel("")
        self.problem.setObjectName("feedProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel#feedProblem { color: #c0392b; }")
        layout.addWidget(self.problem)

        buttons_row = QHBoxLayout()
        self.remove_button = QPushButton("Stop Following")
        self.remove_button.clicked.connect(self._remove)
        self.fetch_button = QPushButton("Fetch Now")
        self.fetch_button.clicked.connect(self.fetch_requested.emit)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)
        buttons_row.addWidget(self.fetch_button)
        layout.addLayout(buttons_row)

        form = QFormLayout()
        self.every = QSpinBox()
        self.every.setRange(0, 24 * 30)
        self.every.setSuffix(" h")
        self.every.setSpecialValueText("only on demand")
        self.every.setValue(settings.feeds_every_h)
        self.every.setAccessibleName("Fetch the feeds every")
        form.addRow("Fetch the feeds every:", self.every)
        self.first = QSpinBox()
        self.first.setRange(1, 365)
        self.first.setSuffix(" days")
        self.first.setValue(settings.feeds_first_days)
        self.first.setAccessibleName("A new feed brings the last")
        form.addRow("A new feed brings the last:", self.first)
        layout.addLayout(form)

        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self._update()

    def set_feeds(self, feeds: Sequence[Feed], counts: dict[str, int]) -> None:
        self.model.set_feeds(feeds, counts)
        self._update()

    def schedule(self) -> tuple[int, int]:
        """(hours between fetches, 0 for on demand only; days a new feed brings)."""
        return self.every.value(), self.first.value()

    def selected_feed(self) -> Feed | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.feed(rows[0].row()) if rows else None

    def _update(self) -> None:
        self.remove_button.setEnabled(self.selected_feed() is not None)
        self.fetch_button.setEnabled(self.model.rowCount() > 0)

    def _add(self) -> None:
        spec = self.spec.text().strip()
        try:
            parse_spec(spec)
        except InvalidValue as e:
            self.problem.setText(str(e))
            return
        self.problem.setText("")
        self.add_requested.emit(spec, self.name.text().strip())
        self.spec.clear()
        self.name.clear()

    def _remove(self) -> None:
        feed = self.selected_feed()
        if feed is not None:
            self.remove_requested.emit(feed.name)


class RelatedModel(QAbstractListModel):
    """The papers of the library most like the current one (title, and the key as UserRole)."""

    KeyRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []

    def set_hits(self, hits: Sequence[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.summary.title or hit.key
        if role == Qt.ItemDataRole.ToolTipRole:
            s = hit.summary
            authors = ", ".join(s.authors[:3]) + (" et al." if len(s.authors) > 3 else "")
            return f"{s.title}\n{authors}" + (f" ({s.year})" if s.year else "")
        if role == self.KeyRole:
            return hit.key
        return None


class PaperPanel(QWidget):
    """The current paper's chance of being kept and why, where it was published, and the
    papers of the library most like it (a click selects one)."""

    paper_clicked = Signal(str)
    link_clicked = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.likely = QLabel("")
        self.likely.setWordWrap(True)
        self.likely.setAccessibleName("Likely to keep")
        self.published = QLabel("")
        self.published.setWordWrap(True)
        self.published.setTextFormat(Qt.TextFormat.RichText)
        self.published.setAccessibleName("Published")
        self.published.linkActivated.connect(lambda url: self.link_clicked.emit(QUrl(url)))
        heading = QLabel("<b>Related in your library</b>")
        self.related = RelatedModel(self)
        self.list = QListView()
        self.list.setModel(self.related)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setAccessibleName("Related in your library")
        self.list.clicked.connect(self._clicked)
        self.list.activated.connect(self._clicked)
        self.empty = QLabel("")
        layout.addWidget(self.likely)
        layout.addWidget(self.published)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self.show_paper(None)

    def show_paper(self, paper: Paper | None, score: float | None = None, why: str = "") -> None:
        self.key = paper.key if paper is not None else None
        self.likely.setVisible(score is not None)
        if score is not None:
            self.likely.setText(f"Likely to keep: {score:.0%}" + (f" — {why}" if why else ""))
        text = published_text(paper) if paper is not None else ""
        self.published.setText(text)
        self.published.setVisible(bool(text))
        self.related.set_hits([])
        self.empty.setText("" if paper is not None else "No paper selected.")

    def show_related(self, key: str, hits: Sequence[Hit]) -> None:
        if key != self.key:
            return  # an answer for a paper no longer shown
        self.related.set_hits(hits)
        self.empty.setText("" if hits else "Nothing in the library is like it.")

    def _clicked(self, index: QModelIndex) -> None:
        key = index.data(RelatedModel.KeyRole)
        if isinstance(key, str):
            self.paper_clicked.emit(key)


def published_text(paper: Paper) -> str:
    """``Published: <journal ref> (DOI link)`` as rich text, or "" when arXiv gives neither."""
    doi = normalize_doi(paper.doi)
    if doi and doi.lower().startswith("10.48550/"):
        doi = None  # arXiv's own DOI is no publication
    if not paper.journal_ref and not doi:
        return ""
    parts = ["Published:"]
    if paper.journal_ref:
        parts.append(html.escape(" ".join(paper.journal_ref.split())))
    if doi:
        url = html.escape(f"https://doi.org/{doi}", quote=True)
        link = f"<a href='{url}'>{html.escape(doi)}</a>"
        parts.append(f"({link})" if paper.journal_ref else link)
    return " ".join(parts)
