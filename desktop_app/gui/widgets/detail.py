"""The detail pane: everything about the selected paper, and the widgets that edit it.

The pane never writes anything itself: it emits what the user asked for (``status_chosen``,
``rating_chosen``, ``tags_edited``, ``notes_edited``, ...) and the main window hands that to
the bridge, which writes off the UI thread. Notes are emitted 600 ms after the last keystroke
and at once when another paper is selected or the window closes (:meth:`flush_notes`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core import tex
from desktop_app.core.paper import FetchState, Paper, Status, normalize_tag
from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START, Snippet
from desktop_app.core.search.highlight import match_spans
from desktop_app.core.words import plural
from desktop_app.gui import icons
from desktop_app.gui.theme import status_switch_style
from desktop_app.gui.widgets.fetch_failure import MetadataFailure
from desktop_app.gui.widgets.paper_model import PDF_LABELS, format_added
from desktop_app.gui.widgets.shrinking_row import ShrinkingRow

NOTES_SAVE_DELAY_MS = 600
HIGHLIGHT_STYLE = "background-color: #ffe58a; color: #1a1a1a;"


def highlight(text: str, query: str, fieldname: str = "abstract") -> str:
    """``text`` as escaped HTML with what ``query`` matches in it marked, as the search's
    snippets mark it (stems, prefixes, phrases)."""
    out: list[str] = []
    pos = 0
    for start, end in match_spans(query, fieldname, text) if query else ():
        out.append(html.escape(text[pos:start]))
        out.append(f'<span style="{HIGHLIGHT_STYLE}">{html.escape(text[start:end])}</span>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _tex_source(text: str) -> str:
    """The tooltip of a title or abstract shown with its TeX as Unicode: the TeX typed."""
    if not tex.has_tex(text):
        return ""
    return f"<p style='white-space:pre-wrap'><b>As typed (TeX):</b> {html.escape(text)}</p>"


def _date(value: str | None) -> str:
    return format_added(value) if value else ""


class RatingWidget(QWidget):
    """Five stars; clicking the current rating again clears it."""

    rating_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.rating = 0
        self.buttons: list[QToolButton] = []
        for n in range(1, 6):
            button = QToolButton()
            button.setAutoRaise(True)
            button.setToolTip(f"Rate {n} of 5 (key {n})")
            button.setAccessibleName(plural(n, "star"))
            button.clicked.connect(lambda _=False, n=n: self._clicked(n))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.refresh_icons()

    def _clicked(self, n: int) -> None:
        self.rating_chosen.emit(0 if n == self.rating else n)

    def set_rating(self, rating: int) -> None:
        self.rating = rating
        self.refresh_icons()

    def refresh_icons(self) -> None:
        for n, button in enumerate(self.buttons, start=1):
            button.setIcon(icons.icon("star" if n <= self.rating else "star-empty"))


class StatusSwitch(ShrinkingRow):
    """Unread / Reading / Read as one segmented switch; Keep / Dismiss for inbox papers.
    In a narrow pane the buttons show their icons only (the label in the tooltip)."""

    status_chosen = Signal(str)
    keep_clicked = Signal()
    dismiss_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = self.row
        layout.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for status, label in (
            (Status.UNREAD, "Unread"),
            (Status.READING, "Reading"),
            (Status.READ, "Read"),
        ):
            button = QPushButton(icons.icon(f"status-{status.value}"), label)
            button.setCheckable(True)
            button.setToolTip(f"Mark as {label.lower()} (Space cycles)")
            button.clicked.connect(lambda _=False, s=status.value: self.status_chosen.emit(s))
            self.group.addButton(button)
            self.buttons[status.value] = button
            self.add_button(button)
        self.keep = QPushButton(icons.icon("keep"), "Keep")
        self.keep.setToolTip("Keep this paper: it becomes unread and its PDF is fetched (K)")
        self.keep.clicked.connect(self.keep_clicked)
        self.dismiss = QPushButton(icons.icon("dismiss"), "Dismiss")
        self.dismiss.setToolTip("Dismiss: to the trash; later digests will not bring it back (D)")
        self.dismiss.clicked.connect(self.dismiss_clicked)
        self.add_button(self.keep)
        self.add_button(self.dismiss)
        layout.addStretch(1)
        self.restyle()

    def keeps_label(self, button: QAbstractButton) -> bool:
        # In a narrow pane the chosen status still says its name: "Reading" beside two icons.
        return button.isChecked()

    def restyle(self) -> None:
        """Colour the buttons after the palette (the chosen one clearly stands out)."""
        # The app's palette: the window hears of a new one before its children do.
        self.setStyleSheet(status_switch_style(QGuiApplication.palette()))
        self.measure()

    def set_status(self, status: str) -> None:
        inbox = status == Status.NEW.value
        for value, button in self.buttons.items():
            button.setVisible(not inbox)
            button.setChecked(value == status)
        self.updateGeometry()  # the chosen button's label counts in the narrowest width
        self.keep.setVisible(inbox)
        self.dismiss.setVisible(inbox)
        self.fit()
        self.updateGeometry()


class TagsEdit(QLineEdit):
    """Comma-separated tags, completing the word being typed from the library's tags."""

    tags_edited = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Add tags, separated by commas (e.g. rag/eval, to-read)")
        self.setClearButtonEnabled(True)
        self._shown: list[str] = []
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._completer.setWidget(self)
        self._completer.activated.connect(self._insert_completion)
        self.textEdited.connect(self._update_completion)
        self.editingFinished.connect(self._finish)

    def set_known_tags(self, tags: Sequence[str]) -> None:
        self._model.setStringList(sorted(tags, key=str.casefold))

    def set_tags(self, tags: Sequence[str]) -> None:
        self._shown = list(tags)
        if not self.hasFocus() or self.text() == "":
            self.setText(", ".join(tags))

    def tags(self) -> list[str]:
        seen: dict[str, str] = {}
        for part in self.text().split(","):
            tag = normalize_tag(part)
            if tag:
                seen.setdefault(tag.casefold(), tag)
        return list(seen.values())

    def _current_word(self) -> str:
        return self.text()[: self.cursorPosition()].rsplit(",", 1)[-1].strip()

    def _update_completion(self) -> None:
        word = self._current_word()
        popup = self._completer.popup()
        if not word:
            if popup is not None:
                popup.hide()
            return
        self._completer.setCompletionPrefix(word)
        if self._completer.completionCount() > 0:
            self._completer.complete()
        elif popup is not None:
            popup.hide()

    def _insert_completion(self, completion: str) -> None:
        before = self.text()[: self.cursorPosition()]
        after = self.text()[self.cursorPosition() :]
        head = before.rsplit(",", 1)[0] + ", " if "," in before else ""
        self.setText(f"{head}{completion}, {after.lstrip(', ')}".rstrip())
        self.setCursorPosition(len(head) + len(completion) + 2)

    def _finish(self) -> None:
        tags = self.tags()
        if tags != self._shown:
            self._shown = tags
            self.tags_edited.emit(tags)


class NotesEditor(QTabWidget):
    """Markdown notes: a plain-text editor and Qt's own rendering of it, saved by itself."""

    notes_edited = Signal(str, str)  # key, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(
            "Notes in Markdown — saved as you type (# headings, **bold**, - lists, [links](…))"
        )
        self.editor.setTabChangesFocus(True)
        self.preview = QTextBrowser()
        self.preview.setOpenExternalLinks(True)
        self.addTab(self.editor, "Write")
        self.addTab(self.preview, "Preview")
        self.key: str | None = None
        self._saved = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTES_SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self.editor.textChanged.connect(self._typed)
        self.currentChanged.connect(self._render)

    @property
    def dirty(self) -> bool:
        return self.key is not None and self.editor.toPlainText() != self._saved

    def load(self, key: str | None, text: str) -> None:
        """Show ``key``'s notes; unsaved typing in the same paper's notes is kept."""
        if key == self.key and self.dirty:
            return
        if key != self.key:
            self.flush()
        if key != self.key and not text.strip():
            # Nothing to preview: an empty Preview tab would hide where notes are written.
            self.setCurrentWidget(self.editor)
        self.key = key
        self._saved = text
        if self.editor.toPlainText() != text:
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)
        self._render()

    def _typed(self) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Emit the notes now if they changed since they were last saved."""
        self._timer.stop()
        if self.dirty and self.key is not None:
            self._saved = self.editor.toPlainText()
            self.notes_edited.emit(self.key, self._saved)
        self._render()

    def _render(self) -> None:
        if self.currentWidget() is self.preview:
            self.preview.setMarkdown(self.editor.toPlainText())


class DetailPane(QScrollArea):
    """The selected paper in full; emits the user's edits as signals (see the module doc)."""

    status_chosen = Signal(str, str)  # key, status
    keep_clicked = Signal(str)
    dismiss_clicked = Signal(str)
    rating_chosen = Signal(str, int)
    tags_edited = Signal(str, list)
    notes_edited = Signal(str, str)
    download_clicked = Signal(str)
    open_clicked = Signal(str)
    show_in_folder_clicked = Signal(str)
    page_activated = Signal(str, int)  # key, 1-based page (the reader of #6 opens there)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(300)
        self.paper: Paper | None = None
        body = QWidget()
        body.setObjectName("detailBody")
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)

        self.placeholder = QLabel("Select a paper to see its details.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.placeholder)

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(10)
        layout.addWidget(self.content, 1)

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setAccessibleName("Title")
        content.addWidget(self.title)

        self.authors = QLabel()
        self.authors.setWordWrap(True)
        self.authors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.authors.setAccessibleName("Authors")
        content.addWidget(self.authors)

        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setOpenExternalLinks(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.facts.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        content.addWidget(self.facts)
        self.metadata_failure = MetadataFailure()  # what failed, and Retry
        content.addWidget(self.metadata_failure)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        self.status = StatusSwitch()
        self.status.status_chosen.connect(self._status_chosen)
        self.status.keep_clicked.connect(lambda: self._emit_key(self.keep_clicked))
        self.status.dismiss_clicked.connect(lambda: self._emit_key(self.dismiss_clicked))
        form.addRow("Status", self.status)
        self.status_dates = QLabel()
        self.status_dates.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form.addRow("", self.status_dates)
        self.rating = RatingWidget()
        self.rating.rating_chosen.connect(self._rating_chosen)
        form.addRow("Rating", self.rating)
        self.tags = TagsEdit()
        self.tags.tags_edited.connect(self._tags_edited)
        form.addRow("Tags", self.tags)

        self.pdf_row = pdf_row = ShrinkingRow()
        pdf_row.row.setSpacing(4)
        self.pdf_state = QLabel()
        self.pdf_state.setWordWrap(True)
        # A long error wraps in the room left; the full text is in the tooltip.
        self.pdf_state.setMinimumWidth(60)
        self.pdf_state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        pdf_row.row.addWidget(self.pdf_state, 1)
        self.download = self._tool("download", "Download", "Download the PDF from arXiv")
        self.download.clicked.connect(lambda: self._emit_key(self.download_clicked))
        self.open_pdf = self._tool("open", "Open", "Open the PDF (Enter)")
        self.open_pdf.clicked.connect(lambda: self._emit_key(self.open_clicked))
        self.show_folder = self._tool("folder", "Show in folder", "Show the paper's folder")
        self.show_folder.clicked.connect(lambda: self._emit_key(self.show_in_folder_clicked))
        for button in (self.download, self.open_pdf, self.show_folder):
            pdf_row.add_button(button)
        form.addRow("PDF", pdf_row)
        content.addLayout(form)

        self.abstract_heading = self._heading("Abstract")
        content.addWidget(self.abstract_heading)
        self.abstract = QLabel()
        self.abstract.setWordWrap(True)
        self.abstract.setTextFormat(Qt.TextFormat.RichText)
        self.abstract.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.abstract.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.abstract.setAccessibleName("Abstract")
        content.addWidget(self.abstract)

        self.hits_heading = self._heading("In the full text")
        content.addWidget(self.hits_heading)
        self.hits = QLabel()
        self._hits: list[Snippet] = []  # the full-text hits shown
        self.hits.setWordWrap(True)
        self.hits.setTextFormat(Qt.TextFormat.RichText)
        self.hits.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.hits.linkActivated.connect(self._hit_link)
        content.addWidget(self.hits)

        content.addWidget(self._heading("Notes"))
        self.notes = NotesEditor()
        self.notes.setMinimumHeight(180)
        self.notes.notes_edited.connect(self.notes_edited)
        content.addWidget(self.notes, 1)
        self.show_paper(None)

    # -- building ----------------------------------------------------------------------------

    def _tool(self, icon_name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icons.icon(icon_name))
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        return button

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text.upper())
        font = QFont(label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        label.setFont(font)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return label

    def refresh_icons(self) -> None:
        self.rating.refresh_icons()
        self.download.setIcon(icons.icon("download"))
        self.open_pdf.setIcon(icons.icon("open"))
        self.show_folder.setIcon(icons.icon("folder"))
        for value, button in self.status.buttons.items():
            button.setIcon(icons.icon(f"status-{value}"))
        self.status.restyle()
        self.status.keep.setIcon(icons.icon("keep"))
        self.status.dismiss.setIcon(icons.icon("dismiss"))

    # -- showing -----------------------------------------------------------------------------

    @property
    def key(self) -> str | None:
        return self.paper.key if self.paper else None

    def show_paper(
        self,
        paper: Paper | None,
        notes: str = "",
        *,
        has_pdf: bool = False,
        query: str = "",
    ) -> None:
        """Show ``paper`` (None: the placeholder). Typing in progress is never overwritten."""
        if paper is None or paper.key != self.key:
            self.notes.flush()
        self.paper = paper
        self.placeholder.setVisible(paper is None)
        self.content.setVisible(paper is not None)
        if paper is None:
            self.metadata_failure.show_for(None)
            self.notes.load(None, "")
            return
        title = paper.title or paper.display_id
        self.title.setText(tex.readable(title))
        self.title.setToolTip(_tex_source(title))
        self.authors.setText(", ".join(paper.authors) or "Authors not known yet")
        self.facts.setText(self._facts_html(paper))
        self.metadata_failure.show_for(paper)
        self.status.set_status(paper.status.value)
        dates = []
        if paper.started:
            dates.append(f"started {_date(paper.started)}")
        if paper.finished:
            dates.append(f"finished {_date(paper.finished)}")
        self.status_dates.setText(" · ".join(dates).capitalize())
        self.status_dates.setVisible(bool(dates))
        self.rating.set_rating(paper.rating)
        self.tags.set_tags(paper.tags)
        self.set_pdf_state(paper, has_pdf)
        abstract = tex.readable(paper.abstract)  # what the query's words are marked in
        self.abstract.setText(highlight(abstract, query) if abstract else "")
        self.abstract.setToolTip(_tex_source(paper.abstract))
        self.abstract_heading.setVisible(bool(paper.abstract))
        self.abstract.setVisible(bool(paper.abstract))
        self.notes.load(paper.key, notes)

    def _facts_html(self, paper: Paper) -> str:
        parts: list[str] = []
        aid = paper.arxiv
        if aid is not None:
            url = aid.abs_url()
            parts.append(f'<a href="{html.escape(url)}">arXiv:{html.escape(aid.canonical)}</a>')
        if paper.doi:
            doi = html.escape(paper.doi)
            parts.append(f'<a href="https://doi.org/{doi}">DOI {doi}</a>')
        if paper.categories:
            parts.append(html.escape(", ".join(paper.categories)))
        dates: list[str] = []
        if paper.published:
            dates.append(f"published {_date(paper.published)}")
        if paper.updated and paper.updated != paper.published:
            dates.append(f"updated {_date(paper.updated)}")
        dates.append(f"added {_date(paper.added)}")
        parts.append(", ".join(dates))
        if paper.journal_ref:
            parts.append(html.escape(paper.journal_ref))
        if paper.has_update:
            parts.append(f"<b>v{paper.latest_version} available</b>")
        return " · ".join(parts)

    def set_pdf_state(self, paper: Paper, has_pdf: bool) -> None:
        state = paper.pdf_state.value
        text = "On disk" if has_pdf else PDF_LABELS.get(state, state)
        if paper.pdf_state == FetchState.FAILED and paper.pdf_error:
            text = f"Download failed: {paper.pdf_error}"
        elif paper.pdf_state == FetchState.PENDING:
            text = "Waiting to download"
        elif not has_pdf and state == FetchState.NONE.value:
            text = "Not downloaded"
        self.pdf_state.setText(text)
        self.pdf_state.setToolTip(text if text.startswith("Download failed") else "")
        self.download.setVisible(paper.arxiv is not None and not has_pdf)
        self.download.setEnabled(paper.pdf_state != FetchState.PENDING)
        label = "Retry" if paper.pdf_state == FetchState.FAILED else "Download"
        self.pdf_row.set_label(self.download, label)
        self.open_pdf.setVisible(has_pdf)
        self.pdf_row.fit()
        self.pdf_row.updateGeometry()

    def show_fulltext_hits(self, key: str, hits: Sequence[Snippet]) -> None:
        """The current query's matches in the PDF, each with a link to its page."""
        if key != self.key:
            return
        self._hits = list(hits)
        lines = []
        for hit in hits:
            if hit.page:
                lines.append(
                    f'<p style="margin:0 0 6px 0"><a href="page:{hit.page}">p.&nbsp;{hit.page}</a>'
                    f"&nbsp;&nbsp;{hit.html}</p>"
                )
            else:
                lines.append(f'<p style="margin:0 0 6px 0">{hit.html}</p>')
        self.hits.setText("".join(lines))
        self.hits.setVisible(bool(hits))
        self.hits_heading.setVisible(bool(hits))

    def marked_on_page(self, page: int) -> list[str]:
        """The text marked in the shown full-text hits of ``page`` (a phrase as it is
        written there, a word in the form it has there), in order, each once. Words marked
        side by side ("semantic scholar" searched without quotes) come first as one phrase,
        so the reader finds them together rather than the first word alone."""
        runs: list[str] = []
        words: list[str] = []
        for hit in self._hits:
            if hit.page != page:
                continue
            run: list[str] = []
            pieces = hit.text.split(HIGHLIGHT_START)[1:]
            for i, piece in enumerate(pieces):
                marked, _, after = piece.partition(HIGHLIGHT_END)
                marked = " ".join(marked.split())
                if marked:
                    run.append(marked)
                    words.append(marked)
                if after.strip() or i == len(pieces) - 1:  # the run of marked words ends
                    if len(run) > 1:
                        runs.append(" ".join(run))
                    run = []
        return list(dict.fromkeys(runs + words))

    def clear_fulltext_hits(self) -> None:
        self._hits = []
        self.hits.clear()
        self.hits.setVisible(False)
        self.hits_heading.setVisible(False)

    # -- edits -------------------------------------------------------------------------------

    def _emit_key(self, signal: SignalInstance) -> None:
        if self.key is not None:
            signal.emit(self.key)

    def _status_chosen(self, status: str) -> None:
        if self.key is not None:
            self.status_chosen.emit(self.key, status)

    def _rating_chosen(self, rating: int) -> None:
        if self.key is not None:
            self.rating.set_rating(rating)
            self.rating_chosen.emit(self.key, rating)

    def _tags_edited(self, tags: list[str]) -> None:
        if self.key is not None:
            self.tags_edited.emit(self.key, tags)

    def _hit_link(self, link: str) -> None:
        if link.startswith("page:") and self.key is not None:
            self.page_activated.emit(self.key, int(link.split(":", 1)[1]))

    def flush_notes(self) -> None:
        self.notes.flush()

    def set_known_tags(self, tags: Sequence[str]) -> None:
        self.tags.set_known_tags(tags)
