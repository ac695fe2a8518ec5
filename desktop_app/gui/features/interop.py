"""The main window's import and export: the menu actions of issue #7.

:class:`InteropFeatures` is built by the main window once its menus exist and adds:

- File → Export: BibTeX, BibLaTeX, CSV, Markdown digest, reading list — of the papers the
  list shows (a search's results, a tag, a view), to a file chosen in a dialog;
- File → Import BibTeX… (``.bib``, or a ``.csv`` written by Export), Add PDFs…, Add a Folder
  of PDFs…;
- Edit → Copy Citation (Ctrl+Shift+C): the selected papers' BibTeX on the clipboard;
- Tools → Merge Duplicates…: lists the papers found twice and, once confirmed, merges them.

The core does the work (``core.export``, ``core.bibtex``, ``core.pdfimport``,
``core.duplicates``) in the task runner's lanes: anything that writes the library (citation
keys are saved on their first export) in the write lane, finding duplicates in the read lane.
What changed reaches the list through the bridge's library observer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from desktop_app.core.interop.bibtex import Dialect, export_bibtex, import_bibtex
from desktop_app.core.interop.duplicates import (
    DuplicateGroup,
    MergedGroup,
    find_duplicates,
    merge_duplicates,
)
from desktop_app.core.interop.export import ExportFormat, export_papers, import_csv, papers_for_keys
from desktop_app.core.interop.importing import ImportReport
from desktop_app.core.storage import atomic_write_bytes
from desktop_app.core.words import plural
from desktop_app.gui.tasks import Lane

if TYPE_CHECKING:
    from desktop_app.gui.window.main_window import MainWindow

log = logging.getLogger(__name__)

_FILTERS = {
    ExportFormat.BIBTEX: "BibTeX (*.bib)",
    ExportFormat.BIBLATEX: "BibLaTeX (*.bib)",
    ExportFormat.CSV: "CSV (*.csv)",
    ExportFormat.MARKDOWN: "Markdown (*.md)",
    ExportFormat.READING_LIST: "Markdown (*.md)",
}


class InteropFeatures(QObject):
    """Wires export, import, Copy Citation and Merge Duplicates into one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.library
        self.bridge = window.bridge
        self._build_actions()
        window.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        window.table.selectionModel().currentRowChanged.connect(lambda *_: self.update_actions())
        self.update_actions()

    # -- actions -------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w.new_action
        self.export_actions = {
            fmt: a(f"{fmt.label}…", partial(self.ask_export, fmt)) for fmt in ExportFormat
        }
        self.import_bibtex_action = a("Import &BibTeX…", self.ask_import_bibtex)
        self.add_pdfs_action = a("Add &PDFs…", self.ask_add_pdfs)
        self.add_folder_action = a("Add a Folder of P&DFs…", self.ask_add_folder)
        self.copy_citation_action = a(
            "Copy &Citation",
            self.copy_citation,
            "Ctrl+Shift+C",
            tip="Copy the selected papers' BibTeX",
        )
        self.merge_duplicates_action = a("&Merge Duplicates…", self.find_and_merge)

        self.export_menu = QMenu("&Export", w.file_menu)
        self.export_menu.addActions(list(self.export_actions.values()))
        w.file_menu.insertActions(
            w.folder_action,
            [
                self.import_bibtex_action,
                self.add_pdfs_action,
                self.add_folder_action,
                self.export_menu.menuAction(),
            ],
        )
        w.file_menu.insertSeparator(w.folder_action)
        w.edit_menu.addSeparator()
        w.edit_menu.addAction(self.copy_citation_action)
        tools = QMenu("&Tools", w.menuBar())
        w.menuBar().insertMenu(w.help_menu.menuAction(), tools)
        tools.addAction(self.merge_duplicates_action)

    def update_actions(self) -> None:
        self.copy_citation_action.setEnabled(self.window.has_selection())

    # -- export ----------------------------------------------------------------------------------

    def ask_export(self, fmt: ExportFormat) -> None:
        """Export the papers the list shows, to a file the user names."""
        keys = self.window.model.keys()
        if not keys:
            self.window.show_info("No papers are listed: there is nothing to export.")
            return
        state = self.window.state
        folder = Path(str(state.value("paths/export", str(Path.home()))))
        name = f"{self.library.name or 'papers'}{fmt.suffix}"
        path, _ = QFileDialog.getSaveFileName(
            self.window, f"Export {plural(len(keys), 'paper')} as {fmt.label}", str(folder / name),
            _FILTERS[fmt],
        )  # fmt: skip
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(fmt.suffix)
        state.setValue("paths/export", str(target.parent))
        self.export_to(keys, fmt, target)

    def export_to(self, keys: Sequence[str], fmt: ExportFormat, target: Path) -> None:
        keys = list(keys)

        def work() -> int:
            papers = papers_for_keys(self.library, keys)
            text = export_papers(self.library, papers, fmt)
            encoding = "utf-8-sig" if fmt is ExportFormat.CSV else "utf-8"
            atomic_write_bytes(target, text.encode(encoding))
            return len(papers)

        self.bridge.run(
            f"Exporting to {target.name}",
            work,
            lambda n: self.window.show_info(f"Exported {plural(n, 'paper')} to {target}."),
        )

    # -- Copy Citation ---------------------------------------------------------------------------

    def copy_citation(self) -> None:
        """Put the selected papers' BibTeX on the clipboard (keys assigned and saved first)."""
        keys = self.window.selected_keys()
        if not keys:
            return

        def work() -> str:
            return export_bibtex(self.library, papers_for_keys(self.library, keys), Dialect.BIBTEX)

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.window.show_info(f"Copied the BibTeX of {plural(len(keys), 'paper')}.")

        self.bridge.run("Copying the citation", work, done)

    # -- import ----------------------------------------------------------------------------------

    def ask_import_bibtex(self) -> None:
        start = str(self.window.state.value("paths/import", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(
            self.window,
            "Import BibTeX",
            start,
            "BibTeX (*.bib *.bibtex);;CSV exported by Papershelf (*.csv);;All files (*)",
        )
        if paths:
            self.window.state.setValue("paths/import", str(Path(paths[0]).parent))
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import .bib files (or .csv files as Export writes them), then fetch what is new."""
        paths = list(paths)

        def work() -> list[tuple[Path, ImportReport]]:
            return [
                (p, import_csv(self.library, p) if p.suffix.lower() == ".csv" else
                 import_bibtex(self.library, p))
                for p in paths
            ]  # fmt: skip

        def done(reports: list[tuple[Path, ImportReport]]) -> None:
            added = [k for _, r in reports for k in r.added]
            present = [k for _, r in reports for k in r.joined + r.unchanged]
            for path, report in reports:
                if report.problems:
                    details = "\n".join(str(p) for p in report.problems)
                    self.window.show_error(f"{path.name}: {report.summary()}", details)
            self.bridge.papers_added.emit(added, present)
            if added:
                self.bridge.start_fetching()  # the arXiv metadata of the new papers

        self.bridge.run("Importing " + ", ".join(p.name for p in paths), work, done)

    def ask_add_pdfs(self) -> None:
        start = str(self.window.state.value("paths/pdfs", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Add PDFs", start, "PDF (*.pdf)")
        if paths:
            self.window.state.setValue("paths/pdfs", str(Path(paths[0]).parent))
            self.bridge.import_pdfs([Path(p) for p in paths])

    def ask_add_folder(self) -> None:
        start = str(self.window.state.value("paths/pdfs", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self.window, "Add the PDFs of a folder", start)
        if folder:
            self.window.state.setValue("paths/pdfs", folder)
            self.bridge.import_pdfs([Path(folder)])

    # -- duplicates ------------------------------------------------------------------------------

    def find_and_merge(self) -> None:
        """Find duplicates (read lane), ask, then merge them (write lane)."""
        self.bridge.run(
            "Looking for duplicates",
            lambda: find_duplicates(self.library.papers()),
            self._confirm_merge,
            lane=Lane.READ,
        )

    def _confirm_merge(self, groups: list[DuplicateGroup]) -> None:
        if not groups:
            self.window.show_info("No duplicates: no two papers share a DOI, or a title and "
                                  "first author.")  # fmt: skip
            return
        lines = []
        for group in groups:
            lines.append(f"{group.reason}:")
            lines += [f"  keep   {group.keep.display_id}  {group.keep.title}"]
            lines += [f"  merge  {p.display_id}  {p.title}" for p in group.others]
        n = sum(len(g.others) for g in groups)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Merge Duplicates",
            f"Found {plural(len(groups), 'group')} of duplicates "
            f"({plural(n, 'paper')} to merge). Merge them? Tags, notes, status and rating are "
            "kept; the merged copies go to the Trash.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setDetailedText("\n".join(lines))
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        self.bridge.run(
            "Merging duplicates", lambda: merge_duplicates(self.library, groups), self._merged
        )

    def _merged(self, results: list[MergedGroup]) -> None:
        trashed = sum(len(r.trashed) for r in results)
        self.window.show_info(
            f"Merged {plural(trashed, 'paper')} into {plural(len(results), 'paper')}; "
            "the copies are in the Trash."
        )
