"""The Preferences feature (Edit → Preferences) and its dialog, over the typed settings of
``core/settings.py``.

It edits what a user expects to set: the library (open another one, or create a new one),
fetching PDFs automatically, working offline, the list's default order, the appearance
(System / Light / Dark) and the arXiv mirror URLs, and it lists the files kept up to date
(``export --keep-updated``, read in the background when the dialog opens), where one can be
stopped. Values are checked with the settings' own rules (``Settings.from_dict``), so the
dialog accepts exactly what the settings file would; a bad value is named under its field and
OK stays disabled until it is fixed. The notices of the last load (values that fell back to
their defaults) are shown at the top.

The dialog writes nothing: :meth:`PreferencesDialog.settings` is the edited copy,
:attr:`PreferencesDialog.library_choice` the library to switch to and
:attr:`PreferencesDialog.stopped_exports` the kept exports to stop; :class:`PreferencesFeature`
applies and saves them.
"""

from __future__ import annotations

import copy
import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import LibraryError
from desktop_app.core.interop import kept_exports
from desktop_app.core.interop.kept_exports import KeptExport
from desktop_app.core.library import Library
from desktop_app.core.search.api import SortOrder
from desktop_app.core.settings import DEFAULT_API_URL, DEFAULT_PDF_URL, Appearance, Settings
from desktop_app.gui.features.host import Host
from desktop_app.gui.icons import icon
from desktop_app.gui.tasks import Lane
from desktop_app.gui.theme import apply_appearance

APPEARANCE_LABELS = {
    Appearance.SYSTEM: "System",
    Appearance.LIGHT: "Light",
    Appearance.DARK: "Dark",
}
SORT_LABELS = {
    SortOrder.ADDED: "Date added (newest first)",
    SortOrder.RELEVANCE: "Relevance to the search",
    SortOrder.YEAR: "Year (newest first)",
    SortOrder.TITLE: "Title (A to Z)",
}


class LibraryAction(Enum):
    OPEN = "open"
    CREATE = "create"


@dataclass(frozen=True)
class LibraryChoice:
    """A library the user chose in the dialog: open it, or create it there first."""

    path: Path
    action: LibraryAction


def library_folder_problem(path: Path, action: LibraryAction) -> str | None:
    """Why ``path`` cannot be opened (or created) as a library, or None when it can."""
    marker = path / "library.json"
    if action is LibraryAction.OPEN:
        return None if marker.is_file() else f"{path} holds no Papershelf library"
    if marker.is_file():
        return None  # "creating" an existing library just opens it
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    if path.is_dir() and any(p.name != ".DS_Store" for p in path.iterdir()):
        return f"{path} is not empty; choose an empty or a new folder"
    return None


_Index = QModelIndex | QPersistentModelIndex


class KeptExportModel(QAbstractListModel):
    """The kept exports of the library: one row each, its file and what it holds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.exports: list[KeptExport] = []

    def set_exports(self, exports: Sequence[KeptExport]) -> None:
        self.beginResetModel()
        self.exports = list(exports)
        self.endResetModel()

    def remove(self, row: int) -> KeptExport:
        self.beginRemoveRows(QModelIndex(), row, row)
        export = self.exports.pop(row)
        self.endRemoveRows()
        return export

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.exports)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.exports):
            return None
        export = self.exports[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return export.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{export.path}\nRewritten whenever its papers change."
        return None


class PreferencesDialog(QDialog):
    """Edit a copy of the settings; read it back with :meth:`settings` after OK."""

    def __init__(
        self,
        settings: Settings,
        *,
        current_library: Path,
        notices: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setWindowIcon(icon("preferences"))
        self.setMinimumWidth(560)
        self._original = settings
        self.current_library = current_library
        self.library_choice: LibraryChoice | None = None
        layout = QVBoxLayout(self)

        if notices:
            box = QLabel(
                "<b>Some settings could not be used and fell back to their defaults:</b><ul>"
                + "".join(f"<li>{html.escape(n)}</li>" for n in notices)
                + "</ul>Saving these preferences writes valid values back."
            )
            box.setObjectName("settingsNotices")
            box.setWordWrap(True)
            box.setTextFormat(Qt.TextFormat.RichText)
            box.setStyleSheet(
                "QLabel#settingsNotices { background: rgba(242, 153, 0, 0.16); "
                "border: 1px solid rgba(242, 153, 0, 0.6); border-radius: 6px; padding: 6px; }"
            )
            layout.addWidget(box)

        # -- library -------------------------------------------------------------------
        library_box = QGroupBox("Library")
        lib_layout = QVBoxLayout(library_box)
        self.library_label = QLabel()
        self.library_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.library_label.setWordWrap(True)
        lib_layout.addWidget(self.library_label)
        buttons = QHBoxLayout()
        self.open_library_button = QPushButton(icon("folder"), "Open Another Library…")
        self.open_library_button.clicked.connect(lambda: self._pick_library(LibraryAction.OPEN))
        self.create_library_button = QPushButton(icon("add"), "Create a New Library…")
        self.create_library_button.clicked.connect(lambda: self._pick_library(LibraryAction.CREATE))
        buttons.addWidget(self.open_library_button)
        buttons.addWidget(self.create_library_button)
        buttons.addStretch(1)
        lib_layout.addLayout(buttons)
        self.library_error = _error_label()
        lib_layout.addWidget(self.library_error)
        layout.addWidget(library_box)

        # -- fetching ------------------------------------------------------------------
        fetch_box = QGroupBox("Fetching")
        fetch_layout = QVBoxLayout(fetch_box)
        self.auto_fetch = QCheckBox("Fetch PDFs automatically when papers are added or kept")
        self.auto_fetch.setChecked(settings.fetch_pdfs_automatically)
        self.offline = QCheckBox("Work offline: never contact arXiv (fetches wait until online)")
        self.offline.setChecked(settings.offline)
        fetch_layout.addWidget(self.auto_fetch)
        fetch_layout.addWidget(self.offline)
        layout.addWidget(fetch_box)

        # -- list ----------------------------------------------------------------------
        list_box = QGroupBox("Window")
        list_form = QFormLayout(list_box)
        self.sort = QComboBox()
        for order, label in SORT_LABELS.items():
            self.sort.addItem(label, order.value)
        found = self.sort.findData(settings.default_sort)
        self.sort.setCurrentIndex(max(0, found))
        list_form.addRow("Default order:", self.sort)
        self.appearance = QComboBox()
        for value, label in APPEARANCE_LABELS.items():
            self.appearance.addItem(label, value.value)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(settings.appearance)))
        self.appearance.setToolTip("System follows the desktop's light or dark colours")
        list_form.addRow("Appearance:", self.appearance)
        layout.addWidget(list_box)

        # -- arXiv ---------------------------------------------------------------------
        arxiv_box = QGroupBox("arXiv")
        arxiv_form = QFormLayout(arxiv_box)
        overridden = settings.overridden_by_env()
        self.api_url = QLineEdit(settings.arxiv_api_url)
        self.pdf_url = QLineEdit(settings.arxiv_pdf_url)
        self.api_url.setPlaceholderText(DEFAULT_API_URL)
        self.pdf_url.setPlaceholderText(DEFAULT_PDF_URL)
        self.api_error = _error_label()
        self.pdf_error = _error_label()
        for name, edit in (("arxiv_api_url", self.api_url), ("arxiv_pdf_url", self.pdf_url)):
            edit.textChanged.connect(self._validate)
            if name in overridden:
                edit.setEnabled(False)
                edit.setToolTip(f"Set by the environment variable ${overridden[name]}")
        arxiv_form.addRow("API URL (mirror):", self.api_url)
        arxiv_form.addRow("", self.api_error)
        arxiv_form.addRow("PDF base URL:", self.pdf_url)
        arxiv_form.addRow("", self.pdf_error)
        defaults = QPushButton("Restore the arXiv Defaults")
        defaults.clicked.connect(self._restore_url_defaults)
        arxiv_form.addRow("", defaults)
        layout.addWidget(arxiv_box)

        # -- kept exports --------------------------------------------------------------
        kept_box = QGroupBox("Files kept up to date")
        kept_layout = QVBoxLayout(kept_box)
        self.kept_model = KeptExportModel(self)
        #: The kept exports to stop on OK.
        self.stopped_exports: list[KeptExport] = []
        self.kept_list = QListView()
        self.kept_list.setModel(self.kept_model)
        self.kept_list.setMaximumHeight(110)
        self.kept_empty = QLabel(
            "None. <code>papershelf export bibtex -o refs.bib --keep-updated</code> keeps a "
            ".bib file up to date whenever its papers change."
        )
        self.kept_empty.setWordWrap(True)
        self.stop_kept_button = QPushButton("Stop Keeping Up to Date")
        self.stop_kept_button.clicked.connect(self._stop_kept)
        kept_buttons = QHBoxLayout()
        kept_buttons.addWidget(self.stop_kept_button)
        kept_buttons.addStretch(1)
        kept_layout.addWidget(self.kept_list)
        kept_layout.addWidget(self.kept_empty)
        kept_layout.addLayout(kept_buttons)
        layout.addWidget(kept_box)
        self.set_kept_exports([])
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show_library()
        self._validate()

    # -- library -------------------------------------------------------------------------

    def _show_library(self) -> None:
        text = f"Current library: <b>{html.escape(str(self.current_library))}</b>"
        if self.library_choice is not None:
            verb = {LibraryAction.OPEN: "Open", LibraryAction.CREATE: "Create and open"}
            text += (
                f"<br>{verb[self.library_choice.action]} on OK: "
                f"<b>{html.escape(str(self.library_choice.path))}</b>"
            )
        self.library_label.setText(text)

    def _pick_library(self, action: LibraryAction) -> None:
        title = (
            "Open a Papershelf Library"
            if action is LibraryAction.OPEN
            else "Choose an Empty Folder for the New Library"
        )
        folder = QFileDialog.getExistingDirectory(
            self, title, str(self.current_library.parent), QFileDialog.Option.ShowDirsOnly
        )
        if folder:
            self.choose_library(Path(folder), action)

    def choose_library(self, path: Path, action: LibraryAction) -> bool:
        """Take ``path`` as the library to switch to on OK; False (and a message) if unusable."""
        problem = library_folder_problem(path, action)
        if problem:
            self.library_error.setText(problem)
            self.library_error.show()
            return False
        self.library_error.hide()
        same = path.resolve() == self.current_library.resolve()
        self.library_choice = None if same else LibraryChoice(path, action)
        self._show_library()
        return True

    # -- kept exports --------------------------------------------------------------------

    def set_kept_exports(self, exports: Sequence[KeptExport]) -> None:
        """Show the library's kept exports (read in the background after the dialog opened)."""
        self.kept_model.set_exports([e for e in exports if e not in self.stopped_exports])
        has_any = bool(self.kept_model.exports)
        self.kept_list.setVisible(has_any)
        self.stop_kept_button.setVisible(has_any)
        self.kept_empty.setVisible(not has_any)

    def _stop_kept(self) -> None:
        rows = sorted({i.row() for i in self.kept_list.selectedIndexes()}, reverse=True)
        if not rows and self.kept_model.exports:
            rows = [max(self.kept_list.currentIndex().row(), 0)]
        for row in rows:
            self.stopped_exports.append(self.kept_model.remove(row))
        self.set_kept_exports(self.kept_model.exports)

    # -- validation ----------------------------------------------------------------------

    def _restore_url_defaults(self) -> None:
        if self.api_url.isEnabled():
            self.api_url.setText(DEFAULT_API_URL)
        if self.pdf_url.isEnabled():
            self.pdf_url.setText(DEFAULT_PDF_URL)

    def _validate(self) -> bool:
        ok = True
        for name, edit, label in (
            ("arxiv_api_url", self.api_url, self.api_error),
            ("arxiv_pdf_url", self.pdf_url, self.pdf_error),
        ):
            _, notices = Settings.from_dict({name: edit.text().strip()})
            if notices and edit.isEnabled():
                label.setText(f"“{edit.text().strip()}” is not an http(s) URL")
                label.show()
                ok = False
            else:
                label.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    def accept(self) -> None:
        if self._validate():
            super().accept()

    def settings(self) -> Settings:
        """The edited settings (a copy; unknown keys and fields not shown are kept)."""
        result = copy.deepcopy(self._original)
        result.fetch_pdfs_automatically = self.auto_fetch.isChecked()
        result.offline = self.offline.isChecked()
        result.default_sort = str(self.sort.currentData())
        result.appearance = str(self.appearance.currentData())
        if self.api_url.isEnabled():
            result.arxiv_api_url = self.api_url.text().strip()
        if self.pdf_url.isEnabled():
            result.arxiv_pdf_url = self.pdf_url.text().strip()
        if self.library_choice is not None:
            result.library_path = str(self.library_choice.path)
        return result


def open_chosen_library(choice: LibraryChoice) -> Library:
    """Open (or create) the library the dialog chose; raises LibraryError when it cannot."""
    return Library.open(choice.path, create=choice.action is LibraryAction.CREATE)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel#fieldError { color: #d93025; }")
    label.hide()
    return label


class PreferencesFeature(QObject):
    """Edit → Preferences: edits the settings and applies them at once; another library
    opens in a new window (:meth:`Host.request_library_switch`), else at the next start."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        #: Settings that fell back to their defaults at start-up (shown in Preferences).
        self.settings_notices: list[str] = []
        host.on_action("preferences", self.show_preferences)

    def show_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(
            self.host.settings,
            current_library=self.host.library.root,
            notices=self.settings_notices,
            parent=self.host.widget,
        )
        dialog.accepted.connect(lambda: self.apply_preferences(dialog))
        root = self.host.library.root
        self.host.bridge.run(
            "Reading the kept exports",
            lambda: kept_exports.kept_exports(root),
            dialog.set_kept_exports,
            lane=Lane.READ,
        )
        dialog.open()
        return dialog

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        host = self.host
        new = dialog.settings()
        old = host.settings
        was_offline, appearance = old.offline, old.appearance
        for f in fields(Settings):
            setattr(old, f.name, getattr(new, f.name))  # shared with the bridge and fetcher
        self.settings_notices = []  # the values saved now are all valid
        host.bridge.run("Saving the preferences", lambda: new.save())
        if new.appearance != appearance:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_appearance(app, new.appearance)
        for export in dialog.stopped_exports:
            what = f"Stopping the kept export {export.path}"
            host.bridge.run(what, functools.partial(kept_exports.stop, export.path))
        host.refresh()
        if was_offline != new.offline:
            host.bridge.start_fetching()  # fetches, or shows what waits while offline
        choice = dialog.library_choice
        if choice is not None:
            try:
                library = open_chosen_library(choice)
            except (LibraryError, OSError) as e:
                host.show_error(f"Cannot open the library {choice.path}: {e}")
                return
            if not host.request_library_switch(library.root):
                host.show_info(f"{library.root} opens the next time Papershelf starts.", "")
