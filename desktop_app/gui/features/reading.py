"""The main window's reading features: reader tabs, bulk tag actions, Trash, Preferences,
live updates and the merging of sync conflicts.

:class:`ReadingFeatures` is built by the main window once its widgets exist. It adds its
actions to the window's menus and connects the reader, the detail pane's full-text hits, the
bridge and :class:`~desktop_app.gui.features.live.LiveUpdates`:

- Enter opens the selected paper in a reader tab at its last page; a full-text hit's page
  opens it there with the query's words found. Opening an unread paper marks it Reading; the
  page read is stored (debounced) with ``core.reading.record_page``; neither is an undo step.
- Add Tag / Remove Tag / Extract Text Again act on the whole selection in the background;
  tag changes are one undo step (the bridge's undo stack, Ctrl+Z).
- View → Trash opens the Trash window; Edit → Preferences edits the settings and applies
  them at once (a new library opens in a new window, through :attr:`switch_library`).
- Changes made elsewhere refresh the list, the detail pane and the readers; conflict copies
  are offered for merging in a notice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu

from desktop_app.core import bulk
from desktop_app.core.conflicts import MERGED_DIR, ConflictCopy, MergeResult
from desktop_app.core.errors import LibraryError, PapershelfError
from desktop_app.core.paper import Paper, Status, normalize_tag
from desktop_app.core.reading import record_page, start_reading
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural
from desktop_app.gui.features.live import LiveUpdates
from desktop_app.gui.features.preferences import PreferencesDialog, open_chosen_library
from desktop_app.gui.features.trash import TrashDialog
from desktop_app.gui.tasks import TaskControl
from desktop_app.gui.widgets.notices import Level
from desktop_app.gui.widgets.reader import ReaderTabs, ReaderView

if TYPE_CHECKING:
    from desktop_app.gui.window.main_window import MainWindow

log = logging.getLogger(__name__)


class ReadingFeatures(QObject):
    """Wires the reading features into one main window (see the module docstring)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.library
        self.bridge = window.bridge
        self.runner = window.runner
        tabs = window.tabs
        if not isinstance(tabs, ReaderTabs):
            raise TypeError("the main window's centre must be a ReaderTabs")
        self.tabs: ReaderTabs = tabs
        self.trash_dialog: TrashDialog | None = None
        self.conflicts: list[ConflictCopy] = []
        #: Settings that fell back to their defaults at start-up (shown in Preferences).
        self.settings_notices: list[str] = []
        #: Opens another library in a new window (set by the app; None: at the next start).
        self.switch_library: Callable[[Path], None] | None = None

        tabs.page_read.connect(self._page_read)
        tabs.paper_opened.connect(self._paper_opened)
        tabs.mark_read_requested.connect(lambda key: self.bridge.set_status([key], Status.READ))
        tabs.failed.connect(lambda key, message: window.show_error(message))
        tabs.currentChanged.connect(lambda _: self._watch())  # and update_actions()
        window.detail.page_activated.connect(self.open_at_hit)
        self.bridge.papers_changed.connect(self._papers_changed)
        window.table.selectionModel().currentRowChanged.connect(lambda *_: self._watch())
        window.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())

        self.live = LiveUpdates(self.library, self.runner, self._resync, self)
        self.live.changed_elsewhere.connect(self._changed_elsewhere)
        self.live.conflicts_found.connect(self._conflicts_found)
        self.live.conflicts_merged.connect(self._conflicts_merged)
        self.live.error.connect(window.show_error)

        self._build_actions()
        self.update_actions()

    # -- actions -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w.new_action
        self.external_action = a("Open in S&ystem Viewer", self.open_externally, "Ctrl+Shift+O")
        self.add_tag_action = a("Add &Tag…", self.ask_add_tag, "Ctrl+T", icon="tag")
        self.remove_tag_action = a("Remo&ve Tag…", self.ask_remove_tag, "Ctrl+Shift+T")
        self.reextract_action = a("Extract Te&xt Again", self.reextract_selected)
        self.trash_action = a("&Trash", self.show_trash, "Ctrl+Shift+Delete", icon="trash")
        self.preferences_action = a(
            "&Preferences…",
            self.show_preferences,
            QKeySequence.StandardKey.Preferences,
            icon="preferences",
        )
        if self.preferences_action.shortcut().isEmpty():
            self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.merge_action = a("&Merge Sync Conflicts", self.live.merge_conflicts, icon="merge")
        self.merge_action.setEnabled(False)
        self.close_tab_action = self.tabs.close_action

        paper_menu: QMenu = w.paper_menu
        # Open in System Viewer right after Open PDF.
        paper_menu.insertAction(w.download_action, self.external_action)
        # The tag and text actions go before Keep/Dismiss.
        paper_menu.insertSeparator(w.keep_action)
        paper_menu.insertActions(
            w.keep_action, [self.add_tag_action, self.remove_tag_action, self.reextract_action]
        )
        paper_menu.addSeparator()
        paper_menu.addAction(self.close_tab_action)
        w.edit_menu.addSeparator()
        w.edit_menu.addAction(self.preferences_action)
        w.view_menu.addSeparator()
        w.view_menu.addAction(self.trash_action)
        w.file_menu.insertAction(w.quit_action, self.merge_action)
        w.file_menu.insertSeparator(w.quit_action)

    def update_actions(self) -> None:
        has = self.window.has_selection()
        for action in (
            self.external_action,
            self.add_tag_action,
            self.remove_tag_action,
            self.reextract_action,
        ):
            action.setEnabled(has)
        reading = isinstance(self.tabs.currentWidget(), ReaderView)
        # Ctrl+F finds in the paper while one is shown, else it searches the library.
        self.window.find_action.setEnabled(not reading)

    # -- the reader ----------------------------------------------------------------------

    def open_paper(
        self, key: str, *, page: int | None = None, find: Sequence[str] | None = None
    ) -> ReaderView | None:
        """Open a paper in the reader (its PDF must be here): at ``page`` or its last page."""
        try:
            paper = self.library.get(key)
        except PapershelfError as e:
            self.window.show_error(str(e))
            return None
        path = self.library.pdf_path(paper)
        if path is None:
            self.window.show_info(f"{paper.display_id} has no PDF here yet.")
            return None
        return self.open_pdf(paper, path, page=page, find=find)

    def open_pdf(
        self,
        paper: Paper,
        path: Path,
        *,
        page: int | None = None,
        find: Sequence[str] | None = None,
    ) -> ReaderView | None:
        view = self.tabs.open_paper(
            paper.key,
            path,
            paper.title or paper.display_id,
            last_page=paper.last_page,
            page_count=paper.page_count,
            status=paper.status.value,
            page=page,
            find=list(find) if find else None,
        )
        self._watch()
        self.update_actions()
        return view

    def open_at_hit(self, key: str, page: int) -> None:
        """A full-text hit's page was clicked: open the reader there, with what the hit
        marks found (a phrase, or a word as it is written there), else the query's words."""
        results = self.window.results
        terms = list(results.terms) if results is not None and results.terms else []
        if not terms:
            terms = [w.strip('"') for w in self.window.search.text.split() if ":" not in w]
        marked = self.window.detail.marked_on_page(page)
        self.open_paper(key, page=page, find=marked + [t for t in terms if t not in marked])

    def open_externally(self) -> None:
        keys = self.window.selected_keys()
        view = self.tabs.currentWidget()
        if isinstance(view, ReaderView) and not self.window.table.hasFocus():
            view.open_externally()
            return
        if not keys:
            return
        try:
            path = self.library.pdf_path(self.library.get(keys[0]))
        except PapershelfError as e:
            self.window.show_error(str(e))
            return
        if path is None:
            self.window.show_info("This paper has no PDF here yet.")
            return
        self.window.open_url(QUrl.fromLocalFile(str(path)))

    def _paper_opened(self, key: str) -> None:
        self.bridge.run(f"Marking {key} as being read", lambda: start_reading(self.library, key))

    def _page_read(self, key: str, page: int, count: int) -> None:
        self.bridge.run(
            f"Saving the page read in {key}", lambda: record_page(self.library, key, page, count)
        )

    def _papers_changed(self, keys: list[str]) -> None:
        for key in keys:
            view = self.tabs.view_for(key)
            if view is None:
                continue
            try:
                view.set_status(self.library.get(key).status.value)
            except PapershelfError:
                continue

    def close(self) -> None:
        """Before the window closes: store the pages read, stop watching."""
        self.tabs.flush()
        self.live.stop()

    # -- bulk ----------------------------------------------------------------------------

    def _selected_tags(self, keys: Sequence[str]) -> list[str]:
        model = self.window.model
        tags: dict[str, str] = {}
        for key in keys:
            summary = model.summary(model.row_of(key))
            for tag in summary.tags if summary is not None else ():
                tags.setdefault(tag.casefold(), tag)
        return sorted(tags.values(), key=str.casefold)

    def ask_add_tag(self) -> None:
        keys = self.window.selected_keys()
        if not keys:
            return
        known = self.window.sidebar_model.tag_names()
        tag, ok = QInputDialog.getItem(
            self.window, "Add a Tag", f"Tag for {plural(len(keys), 'paper')}:", known, -1, True
        )
        if ok and normalize_tag(tag):
            self.add_tag(keys, tag)

    def add_tag(self, keys: Sequence[str], tag: str) -> None:
        self.bridge.change(keys, *bulk.tag_operation(tag, len(keys)))

    def ask_remove_tag(self) -> None:
        keys = self.window.selected_keys()
        tags = self._selected_tags(keys)
        if not tags:
            self.window.show_info("The selected papers have no tags.")
            return
        tag, ok = QInputDialog.getItem(
            self.window,
            "Remove a Tag",
            f"Remove from {plural(len(keys), 'paper')}:",
            tags,
            0,
            False,
        )
        if ok and tag:
            self.remove_tag(keys, tag)

    def remove_tag(self, keys: Sequence[str], tag: str) -> None:
        self.bridge.change(keys, *bulk.tag_operation(tag, len(keys), remove=True))

    def reextract_selected(self) -> None:
        keys = self.window.selected_keys()
        if not keys:
            return
        index = self.bridge.index

        def work(control: TaskControl) -> bulk.BulkResult:
            return bulk.reextract_text(
                self.library, index, keys, progress=control.progress, should_stop=None
            )

        def done(result: bulk.BulkResult) -> None:
            for error in result.errors:
                self.window.show_error(str(error))
            skipped = len(keys) - len(result.done) - len(result.errors)
            note = f" ({plural(skipped, 'paper')} without a PDF)" if skipped else ""
            self.window.show_info(
                f"Extracted the text of {plural(len(result.done), 'paper')}{note}."
            )
            self.bridge.papers_changed.emit(result.done)

        self.runner.submit(
            work,
            title=f"Extracting the text of {plural(len(keys), 'paper')} again",
            on_done=done,
            on_error=lambda e, tb: self.window.show_error(f"Extracting text failed: {e}", tb),
        )

    # -- trash and preferences -----------------------------------------------------------

    def show_trash(self) -> TrashDialog:
        if self.trash_dialog is None:
            dialog = TrashDialog(self.library, self.runner, self.window)
            dialog.restored.connect(
                lambda keys: self.window.show_info(f"Restored {plural(len(keys), 'paper')}.")
            )
            dialog.emptied.connect(
                lambda n: self.window.show_info(f"Removed {plural(n, 'paper')} for good.")
            )
            dialog.error.connect(self.window.show_error)
            self.trash_dialog = dialog
        else:
            self.trash_dialog.reload()
        self.trash_dialog.show()
        self.trash_dialog.activateWindow()
        return self.trash_dialog

    def show_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(
            self.window.settings,
            current_library=self.library.root,
            notices=self.settings_notices,
            parent=self.window,
        )
        dialog.accepted.connect(lambda: self.apply_preferences(dialog))
        dialog.open()
        return dialog

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        new = dialog.settings()
        old = self.window.settings
        was_offline = old.offline
        for f in fields(Settings):
            setattr(old, f.name, getattr(new, f.name))  # shared with the bridge and fetcher
        self.settings_notices = []  # the values saved now are all valid
        self.bridge.run("Saving the preferences", lambda: new.save())
        self.window.refresh()
        if was_offline and not new.offline:
            self.bridge.start_fetching()
        choice = dialog.library_choice
        if choice is not None:
            try:
                library = open_chosen_library(choice)
            except (LibraryError, OSError) as e:
                self.window.show_error(f"Cannot open the library {choice.path}: {e}")
                return
            if self.switch_library is not None:
                self.switch_library(library.root)
            else:
                self.window.show_info(f"{library.root} opens the next time Papershelf starts.", "")

    # -- live updates --------------------------------------------------------------------

    def _resync(self, control: TaskControl) -> Any:
        return self.bridge.index.sync()

    def _papers_shown(self) -> set[str]:
        """The papers open in a reader tab and in the detail pane."""
        keys = {v.key for v in self.tabs.views()}
        if self.window.detail.key:
            keys.add(self.window.detail.key)
        return keys

    def _watch(self) -> None:
        self.live.watch_papers(self._papers_shown())
        self.update_actions()

    def _changed_elsewhere(self, report: Any) -> None:
        # The list searches again; the detail pane and the readers re-read their papers.
        self.bridge.papers_changed.emit(sorted(self._papers_shown()))
        self.window.refresh()

    def _conflicts_found(self, copies: list[ConflictCopy]) -> None:
        self.conflicts = copies
        self.merge_action.setEnabled(bool(copies))
        papers = len({c.key for c in copies})
        tools = ", ".join(sorted({c.tool.value for c in copies}))
        details = "\n".join(f"{c.key}: {c.name}" for c in copies)
        self.window.notices.show_notice(
            Level.WARNING,
            f"{tools} left conflict copies for {plural(papers, 'paper')}: two machines changed "
            "them at the same time. Merging keeps everything from both.",
            details,
            [("Merge", self.live.merge_conflicts)],
        )

    def _conflicts_merged(self, results: list[MergeResult]) -> None:
        merged = sum(len(r.merged) for r in results)
        self.conflicts = []
        self.merge_action.setEnabled(False)
        if merged:
            folder = self.library.root / MERGED_DIR
            self.window.show_info(
                f"Merged {plural(merged, 'conflict copy', 'conflict copies')}; the copies "
                f"and the files as they were are kept in {folder}."
            )
            self.bridge.papers_changed.emit(sorted({r.key for r in results if r.merged}))
