"""The main window's import and export: the menu actions of issue #7.

:class:`InteropFeature` is built from the window's host; its actions (in the window's action
table) are:

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

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.core.interop.bibtex import Dialect, export_bibtex
from desktop_app.core.interop.duplicates import (
    DuplicateGroup,
    MergedGroup,
    find_duplicates,
    merge_duplicates,
)
from desktop_app.core.interop.export import ExportFormat, export_papers, papers_for_keys
from desktop_app.core.storage import atomic_write_bytes
from desktop_app.core.words import plural
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import Lane

log = logging.getLogger(__name__)

_FILTERS = {
    ExportFormat.BIBTEX: "BibTeX (*.bib)",
    ExportFormat.BIBLATEX: "BibLaTeX (*.bib)",
    ExportFormat.CSV: "CSV (*.csv)",
    ExportFormat.MARKDOWN: "Markdown (*.md)",
    ExportFormat.READING_LIST: "Markdown (*.md)",
}


class InteropFeature(QObject):
    """Export, import, Copy Citation and Merge Duplicates in one main window."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.library = host.library
        self.bridge = host.bridge
        self.export_actions = {
            fmt: host.on_action(f"export_{fmt.value}", partial(self.ask_export, fmt))
            for fmt in ExportFormat
        }
        self.import_bibtex_action = host.on_action("import_bibtex", self.ask_import_bibtex)
        self.add_pdfs_action = host.on_action("add_pdfs", self.ask_add_pdfs)
        self.add_folder_action = host.on_action("add_folder", self.ask_add_folder)
        self.copy_citation_action = host.on_action("copy_citation", self.copy_citation)
        self.merge_duplicates_action = host.on_action("merge_duplicates", self.find_and_merge)

    # -- export ----------------------------------------------------------------------------------

    def ask_export(self, fmt: ExportFormat) -> None:
        """Export the papers the list shows, to a file the user names."""
        keys = self.host.listed_keys()
        if not keys:
            self.host.show_info("No papers are listed: there is nothing to export.")
            return
        state = self.host.state
        folder = Path(str(state.value("paths/export", str(Path.home()))))
        name = f"{self.library.name or 'papers'}{fmt.suffix}"
        path, _ = QFileDialog.getSaveFileName(
            self.host.widget,
            f"Export {plural(len(keys), 'paper')} as {fmt.label}",
            str(folder / name),
            _FILTERS[fmt],
        )
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
            lambda n: self.host.show_info(f"Exported {plural(n, 'paper')} to {target}."),
        )

    # -- Copy Citation ---------------------------------------------------------------------------

    def copy_citation(self) -> None:
        """Put the selected papers' BibTeX on the clipboard (keys assigned and saved first)."""
        keys = self.host.selected_keys()
        if not keys:
            return

        def work() -> str:
            return export_bibtex(self.library, papers_for_keys(self.library, keys), Dialect.BIBTEX)

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.host.show_info(f"Copied the BibTeX of {plural(len(keys), 'paper')}.")

        self.bridge.run("Copying the citation", work, done)

    # -- import ----------------------------------------------------------------------------------

    def ask_import_bibtex(self) -> None:
        start = str(self.host.state.value("paths/import", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(
            self.host.widget,
            "Import BibTeX",
            start,
            "BibTeX (*.bib *.bibtex);;CSV exported by Papershelf (*.csv);;All files (*)",
        )
        if paths:
            self.host.state.setValue("paths/import", str(Path(paths[0]).parent))
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import .bib files (or .csv files as Export writes them), then fetch what is new."""
        self.bridge.import_files(paths)

    def ask_add_pdfs(self) -> None:
        start = str(self.host.state.value("paths/pdfs", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self.host.widget, "Add PDFs", start, "PDF (*.pdf)")
        if paths:
            self.host.state.setValue("paths/pdfs", str(Path(paths[0]).parent))
            self.bridge.import_pdfs([Path(p) for p in paths])

    def ask_add_folder(self) -> None:
        start = str(self.host.state.value("paths/pdfs", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(
            self.host.widget, "Add the PDFs of a folder", start
        )
        if folder:
            self.host.state.setValue("paths/pdfs", folder)
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
            self.host.show_info("No duplicates: no two papers share a DOI, or a title and "
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
            self.host.widget,
        )
        box.setDetailedText("\n".join(lines))
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        self.bridge.run(
            "Merging duplicates", lambda: merge_duplicates(self.library, groups), self._merged
        )

    def _merged(self, results: list[MergedGroup]) -> None:
        trashed = sum(len(r.trashed) for r in results)
        self.host.show_info(
            f"Merged {plural(trashed, 'paper')} into {plural(len(results), 'paper')}; "
            "the copies are in the Trash."
        )
