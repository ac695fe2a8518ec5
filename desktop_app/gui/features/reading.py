"""Bulk work on the selected papers: Add Tag, Remove Tag, Extract Text Again (Paper menu).

They act on the whole selection in the background; tag changes are one undo step (the
bridge's undo stack, Ctrl+Z); extracting the text again re-reads the PDFs into the index.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog

from desktop_app.core import bulk
from desktop_app.core.paper import normalize_tag
from desktop_app.core.words import plural
from desktop_app.gui.features.host import Host


class ReadingFeature(QObject):
    """The tag and text actions of the Paper menu (see the module docstring)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.bridge = host.bridge
        self.add_tag_action = host.on_action("add_tag", self.ask_add_tag)
        self.remove_tag_action = host.on_action("remove_tag", self.ask_remove_tag)
        self.reextract_action = host.on_action("reextract", self.reextract_selected)

    def _selected_tags(self, keys: Sequence[str]) -> list[str]:
        tags: dict[str, str] = {}
        for key in keys:
            summary = self.host.summary(key)
            for tag in summary.tags if summary is not None else ():
                tags.setdefault(tag.casefold(), tag)
        return sorted(tags.values(), key=str.casefold)

    def ask_add_tag(self) -> None:
        keys = self.host.selected_keys()
        if not keys:
            return
        known = self.host.tag_names()
        tag, ok = QInputDialog.getItem(
            self.host.widget, "Add a Tag", f"Tag for {plural(len(keys), 'paper')}:", known, -1, True
        )
        if ok and normalize_tag(tag):
            self.add_tag(keys, tag)

    def add_tag(self, keys: Sequence[str], tag: str) -> None:
        self.bridge.change(keys, *bulk.tag_operation(tag, len(keys)))

    def ask_remove_tag(self) -> None:
        keys = self.host.selected_keys()
        tags = self._selected_tags(keys)
        if not tags:
            self.host.show_info("The selected papers have no tags.")
            return
        tag, ok = QInputDialog.getItem(
            self.host.widget,
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
        keys = self.host.selected_keys()
        if not keys:
            return

        def done(result: bulk.BulkResult) -> None:
            for error in result.errors:
                self.host.show_error(str(error))
            skipped = len(keys) - len(result.done) - len(result.errors)
            note = f" ({plural(skipped, 'paper')} without a PDF)" if skipped else ""
            self.host.show_info(f"Extracted the text of {plural(len(result.done), 'paper')}{note}.")

        self.bridge.reextract_text(
            keys,
            on_done=done,
            on_error=lambda e, tb: self.host.show_error(f"Extracting text failed: {e}", tb),
        )
