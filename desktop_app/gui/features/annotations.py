"""The annotations feature: highlight, underline, comment, notes and areas in the reader.

Each reader tab gets an :class:`~desktop_app.gui.widgets.annotation_layer.AnnotationLayer`
over its pages and an "Annotations" tab in its side panel
(:class:`~desktop_app.gui.widgets.annotation_panel.AnnotationPanel`). The actions sit in
Paper → Annotate with their shortcuts and work while a reader has the focus:

====================  ==================  ===========================================
1 … 5                 Highlight …         highlight the selection (or the current find
                                          match) in yellow, red, green, blue, purple;
                                          on a selected annotation: change its colour
U                     Underline           underline the selection
C                     Comment…            comment the selection (a yellow highlight) or
                                          edit the comment of the selected annotation
N                     Sticky Note         the next click pins a note there
A                     Area                the next drag draws a rectangle, saved with
                                          its image (annotations/<id>.png)
Delete                Delete Annotation   the selected one (Undo brings it back)
Shift+→ / Shift+←     Extend Selection    by a character (Ctrl: by a word); without a
                                          selection, from the current find match, else
                                          from the first word of the page shown
Ctrl+Alt+A            Annotations Panel   show the side panel's list
Ctrl+Alt+I            Import from PDF     the annotations other readers left in it
Ctrl+Alt+E            Export Annotated PDF…
Ctrl+Alt+N            Add Annotations to Notes
Ctrl+Shift+U          Fetch New Version   (Paper menu) the version check-updates found;
                                          the annotations are re-anchored on its PDF
====================  ==================  ===========================================

Links ``papershelf://open/<key>?page=N&annotation=<id>`` (written by "Add Annotations to
Notes") open the reader there when clicked in the notes' preview, or anywhere the app opens
a URL: the feature is Qt's handler of the ``papershelf`` scheme while its window is open.

Selecting text: drag over it, or find it (Ctrl+F) and press a colour key. Clicking an
annotation selects it; hovering shows its comment. Every change is written off the UI thread
through the bridge and is one Undo step (``core.annotations.undo``); the layer shows it at
once and re-reads the file after the write, so a change made elsewhere (the CLI, a sync)
shows too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QObject,
    QPointF,
    QRectF,
    Qt,
    QUrl,
    Slot,
)
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog

from desktop_app.core.annotations import markdown, ops, store
from desktop_app.core.annotations.model import (
    Annotation,
    Color,
    Kind,
    reading_order,
)
from desktop_app.core.annotations.undo import AnnotationUndo
from desktop_app.core.arxiv import fetch
from desktop_app.core.errors import PapershelfError
from desktop_app.core.pdf.annotations import text_in_rect
from desktop_app.core.pdf.text import file_sha256
from desktop_app.core.words import plural
from desktop_app.gui.features.host import Host
from desktop_app.gui.features.reader import ReaderFeature
from desktop_app.gui.tasks import Lane
from desktop_app.gui.widgets.annotation_layer import NOTE_SIZE, Tool
from desktop_app.gui.widgets.annotation_tab import ReaderAnnotations
from desktop_app.gui.widgets.reader import ReaderView

log = logging.getLogger(__name__)

MENU = "paper/annotate"


class AnnotationsFeature(QObject):
    """Annotations in every reader tab (see the module docstring)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.library = host.library
        self.bridge = host.bridge
        self.readers: dict[str, ReaderAnnotations] = {}
        self.actions: dict[str, QAction] = {}
        #: What to show once a reader has read its annotations: key -> an annotation's id, or
        #: (page, words) of a search hit whose annotation to find.
        self._to_show: dict[str, str | tuple[int, list[str]]] = {}
        self._build_actions()
        host.tabs.paper_opened.connect(self._paper_opened)
        # After the reader feature opened the page of a hit (it connected first).
        host.detail.page_activated.connect(self._hit_opened)
        self.bridge.papers_changed.connect(self._papers_changed)
        QDesktopServices.setUrlHandler(markdown.SCHEME, self, "open_link")  # type: ignore[arg-type]  # PySide 6.12 wants str
        host.closing.connect(lambda: QDesktopServices.unsetUrlHandler(markdown.SCHEME))

    # -- actions -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def add(name: str, text: str, keys: str, slot: Callable[[], object]) -> QAction:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys.split(";") if k])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False: slot())
            self.actions[name] = action
            self.host.add_action(MENU, action)
            # In the menu, but its keys work only in a reader (each tab adds the action):
            # 1–5 and Delete mean rating and trash in the paper list.
            self.host.widget.removeAction(action)
            return action

        for n, color in enumerate(Color, start=1):
            label = f"Highlight {color.value.capitalize()}"
            add(f"highlight_{color.value}", label, str(n), partial(self.highlight, color))
        add("underline", "&Underline", "U", lambda: self.highlight(Color.YELLOW, Kind.UNDERLINE))
        add("comment", "&Comment…", "C", self.ask_comment)
        add("note", "Sticky &Note", "N", lambda: self.set_tool(Tool.NOTE))
        add("area", "&Area (Figure, Equation)", "A", lambda: self.set_tool(Tool.AREA))
        add("delete", "&Delete Annotation", "Delete", self.delete_selected)
        add("extend", "E&xtend Selection", "Shift+Right", lambda: self.extend(1))
        add("shrink", "Shrin&k Selection", "Shift+Left", lambda: self.extend(-1))
        add(
            "extend_word", "Extend Selection by a &Word", "Ctrl+Shift+Right", lambda: self.extend(0)
        )
        add("panel", "Show Annotations &Panel", "Ctrl+Alt+A", self.show_panel)
        add("import", "&Import Annotations from PDF", "Ctrl+Alt+I", self.import_from_pdf)
        add("export", "&Export Annotated PDF…", "Ctrl+Alt+E", self.ask_export)
        add("to_notes", "Add Annotations to &Notes", "Ctrl+Alt+N", self.add_to_notes)
        # Paper → Fetch New Version works on the list's selection too: a window action.
        newer = QAction("Fetch &New Version", self)
        newer.setShortcut(QKeySequence("Ctrl+Shift+U"))
        newer.setStatusTip("Fetch the newer arXiv version; the annotations move onto it")
        newer.triggered.connect(lambda _checked=False: self.fetch_new_version())
        self.actions["new_version"] = newer
        self.host.add_action("paper", newer)

    def fetch_new_version(self) -> None:
        """Take the newer version of the paper read (or the selected ones) and fetch it."""
        ra = self.current()
        keys = [ra.key] if ra is not None else self.host.selected_keys()
        if not keys:
            return

        def work() -> list[str]:
            taken = []
            for key in keys:
                if self.library.get(key).has_update:
                    taken.append(fetch.take_new_version(self.library, key).display_id)
            return taken

        def done(taken: list[str]) -> None:
            if not taken:
                self.host.show_info(
                    "No newer version is known ('papershelf check-updates' asks arXiv)."
                )
                return
            self.host.show_info(
                f"Fetching the new version of {', '.join(taken)}; its annotations follow it."
            )
            self.bridge.start_fetching()

        self.bridge.run("Taking the new version", work, done)

    def current(self) -> ReaderAnnotations | None:
        view = self.host.tabs.currentWidget()
        if isinstance(view, ReaderView):
            return self.readers.get(view.key)
        return None

    # -- reader tabs ---------------------------------------------------------------------

    def _paper_opened(self, key: str) -> None:
        view = self.host.tabs.view_for(key)
        known = self.readers.get(key)
        if view is None or (known is not None and known.view is view):
            return
        ra = ReaderAnnotations(view)
        self.readers[key] = ra
        for action in self.actions.values():
            view.addAction(action)
        ra.layer.annotation_clicked.connect(lambda ann_id, r=ra: self._clicked(r, ann_id))
        ra.layer.area_drawn.connect(lambda page, rect, r=ra: self.add_area(r, page, rect))
        ra.layer.note_placed.connect(lambda page, point, r=ra: self.ask_note(r, page, point))
        ra.panel.activated.connect(ra.show)
        ra.popup.chosen.connect(self._popup_chosen)
        view.destroyed.connect(partial(self._forget, key, ra))
        self.reload(key)
        path = view.path
        self.bridge.run(
            f"Reading {path.name}",
            lambda: file_sha256(path),
            partial(setattr, ra, "sha256"),
            lane=Lane.READ,
        )

    def _forget(self, key: str, ra: ReaderAnnotations, *_: object) -> None:
        if self.readers.get(key) is ra:  # not a newer tab of the same paper
            del self.readers[key]

    def _popup_chosen(self, name: str) -> None:
        if name == "underline":
            self.highlight(Color.YELLOW, Kind.UNDERLINE)
        elif name == "comment":
            self.ask_comment()
        else:
            self.highlight(Color(name))

    def reload(self, key: str) -> None:
        """Read the paper's annotations again (off the UI thread) and show them."""

        def done(items: list[Annotation]) -> None:
            ra = self.readers.get(key)
            if ra is not None and ra.pending == 0 and shiboken6.isValid(ra.layer):
                ra.set_items(items)
                if (wanted := self._to_show.pop(key, None)) is not None:
                    self._show_wanted(ra, wanted)

        self.bridge.run(
            f"Reading the annotations of {key}",
            lambda: store.load(self.library, key).annotations,
            done,
            lane=Lane.READ,
        )

    @Slot(QUrl)
    def open_link(self, url: QUrl) -> None:
        """Open ``papershelf://open/<key>?page=N&annotation=<id>`` in the reader."""
        link = markdown.parse_open_link(url.toString())
        if link is None:
            self.host.show_error(f"Not a link Papershelf can open: {url.toString()}")
            return
        view = self._reader().open_paper(link.key, page=link.page)
        if view is None or not link.annotation:
            return
        ra = self.readers.get(view.key)
        if ra is not None and ra.get(link.annotation) is not None:
            ra.show(link.annotation)
        else:
            self._to_show[view.key] = link.annotation  # once the annotations are read

    def _hit_opened(self, key: str, page: int) -> None:
        """A search hit's page was opened: select the annotation there that the query found."""
        wanted = (page, [t.casefold() for t in self.host.query_terms() if t.strip()])
        ra = self.readers.get(key)
        if ra is not None and ra.items:
            self._show_wanted(ra, wanted)
        else:
            self._to_show[key] = wanted

    def _show_wanted(self, ra: ReaderAnnotations, wanted: str | tuple[int, list[str]]) -> None:
        if isinstance(wanted, str):
            ra.show(wanted)
            return
        page, words = wanted
        for ann in ra.items:
            said = f"{ann.text}\n{ann.comment}".casefold()
            if ann.page == page and words and any(w in said for w in words):
                ra.show(ann.id)
                return

    def _papers_changed(self, keys: list[str]) -> None:
        for key in keys:
            ra = self.readers.get(key)
            if ra is None:
                continue
            if self._pdf_replaced(ra):
                # A new version's PDF arrived: the annotations moved onto it, so the tab
                # shows it, at the same page.
                page = ra.view.current_page
                self.host.tabs.close_paper(key)
                self._reader().open_paper(key, page=page)
            else:
                self.reload(key)

    def _pdf_replaced(self, ra: ReaderAnnotations) -> bool:
        try:
            path = self.library.pdf_path(self.library.get(ra.key))
        except PapershelfError:
            return False
        return path is not None and path.name != ra.view.path.name

    def _reader(self) -> ReaderFeature:
        return next(f for f in self.host.features if isinstance(f, ReaderFeature))

    def _clicked(self, ra: ReaderAnnotations, ann_id: str) -> None:
        if ann_id:
            ra.panel.select(ann_id)

    def show_panel(self) -> None:
        ra = self.current()
        if ra is None:
            return
        ra.view.sidebar_action.setChecked(True)
        ra.view.side_panel.setCurrentIndex(ra.panel_index)
        ra.panel.filter_field.setFocus()

    def set_tool(self, tool: Tool) -> None:
        ra = self.current()
        if ra is None:
            return
        ra.layer.tool = Tool.SELECT if ra.layer.tool is tool else tool
        cursor = (
            Qt.CursorShape.IBeamCursor
            if ra.layer.tool is Tool.SELECT
            else Qt.CursorShape.CrossCursor
        )
        ra.layer.setCursor(cursor)
        if ra.layer.tool is not Tool.SELECT:
            what = "click where the note goes" if tool is Tool.NOTE else "drag around the area"
            self.host.show_info(f"{'Note' if tool is Tool.NOTE else 'Area'}: {what}.")

    # -- selection -----------------------------------------------------------------------

    def extend(self, chars: int) -> None:
        """Grow the selection by ``chars`` characters (0: to the end of the next word)."""
        ra = self.current()
        if ra is not None:
            ra.extend(chars)

    # -- changes -------------------------------------------------------------------------

    def highlight(self, color: Color, kind: Kind = Kind.HIGHLIGHT, comment: str = "") -> None:
        """1–5, U: highlight/underline the selection, or recolour the selected annotation."""
        ra = self.current()
        if ra is None:
            return
        selected = ra.get(ra.layer.selected_id)
        if selected is not None and kind is Kind.HIGHLIGHT:
            self.edit(ra, selected, color=color)
            return
        if ra.layer.selection is None and not ra.select_find_match():
            self.host.show_info(
                "Select text first: drag over it, or find it (Ctrl+F) and press 1–5."
            )
            return
        ann = ra.from_selection(kind, color)
        if ann is None:
            return
        ann.comment = comment
        ra.layer.clear_selection()
        self.add(ra, ann)

    def add(self, ra: ReaderAnnotations, ann: Annotation, image: bytes | None = None) -> None:
        ra.put(ann)
        what = f"Add a {ann.kind.value}"

        def work() -> AnnotationUndo:
            if ann.kind is Kind.AREA and ann.rect is not None and not ann.text:
                # The words inside the area, so a search finds it (pdfium: write lane only).
                ann.text = text_in_rect(ra.view.path, ann.page, ann.rect)[:500]
            store.add(self.library, ra.key, ann, image=image)
            return AnnotationUndo(what, key=ra.key, after=[ann])

        self._write(ra, what, work)

    def edit(self, ra: ReaderAnnotations, ann: Annotation, **changes: object) -> None:
        ra.put(ann.edited(**changes))
        what = "Change the comment" if "comment" in changes else f"Change a {ann.kind.value}"

        def work() -> AnnotationUndo:
            before, after = store.edit(self.library, ra.key, ann.id, **changes)
            return AnnotationUndo(what, key=ra.key, before=[before], after=[after])

        self._write(ra, what, work)

    def delete_selected(self) -> None:
        ra = self.current()
        ann = ra.get(ra.layer.selected_id) if ra is not None else None
        if ra is None or ann is None:
            return
        ra.put(ann.tombstone())
        what = f"Delete a {ann.kind.value}"

        def work() -> AnnotationUndo:
            gone = store.delete(self.library, ra.key, [ann.id])  # as the file held them
            return AnnotationUndo(what, key=ra.key, before=gone)

        self._write(ra, what, work)

    def _write(self, ra: ReaderAnnotations, what: str, work: Callable[[], AnnotationUndo]) -> None:
        """Run a change in the write lane; once written it is an Undo step."""
        key = ra.key
        ra.pending += 1

        def settled() -> None:
            ra.pending -= 1
            self.reload(key)

        def done(undo: AnnotationUndo) -> None:
            self.bridge.push_undo(undo)
            settled()

        def failed(error: BaseException, tb: str) -> None:
            self.host.show_error(f"{what} in {key} failed: {error}")
            settled()  # show what the file holds

        self.bridge.run_task(lambda control: work(), on_done=done, on_error=failed)

    # -- comments, notes, areas ----------------------------------------------------------

    def ask_comment(self) -> None:
        """C: comment the selection, or edit the selected annotation's comment."""
        ra = self.current()
        if ra is None:
            return
        ann = ra.get(ra.layer.selected_id)
        if ann is None and ra.layer.selection is None and not ra.select_find_match():
            self.host.show_info("Select text or an annotation first.")
            return
        text, ok = QInputDialog.getMultiLineText(
            self.host.widget, "Comment", "Comment (Markdown):", ann.comment if ann else ""
        )
        if ok:
            self.set_comment(text)

    def set_comment(self, text: str) -> None:
        """The comment of the selected annotation, or a new highlight of the selection."""
        ra = self.current()
        if ra is None:
            return
        ann = ra.get(ra.layer.selected_id)
        if ann is not None:
            if text != ann.comment:
                self.edit(ra, ann, comment=text)
        elif ra.layer.selection is not None:
            self.highlight(Color.YELLOW, comment=text)

    def ask_note(self, ra: ReaderAnnotations, page: int, point: QPointF) -> None:
        text, ok = QInputDialog.getMultiLineText(self.host.widget, "Sticky Note", "Note:")
        if ok:
            self.add_note(ra, page, point, text)
        self.set_tool(Tool.NOTE)  # back to selecting text

    def add_note(self, ra: ReaderAnnotations, page: int, point: QPointF, text: str) -> None:
        """Pin a note at ``point`` (PDF points, bottom-left origin) of ``page`` (0-based)."""
        x, y = round(point.x(), 2), round(point.y(), 2)
        ann = Annotation.new(
            Kind.NOTE,
            page + 1,
            rect=(x, y - NOTE_SIZE, x + NOTE_SIZE, y),
            comment=text,
            pdf_file=ra.view.path.name,
            pdf_sha256=ra.sha256,
        )
        self.add(ra, ann)

    def add_area(self, ra: ReaderAnnotations, page: int, rect: QRectF) -> None:
        """An area drawn on ``page`` (0-based), ``rect`` in PDF points: saved with its image."""
        ra.layer.tool = Tool.SELECT
        ra.layer.setCursor(Qt.CursorShape.IBeamCursor)
        ann, image = ra.area(page, rect)
        self.add(ra, ann, image=image)

    # -- the PDF and the notes -----------------------------------------------------------

    def import_from_pdf(self) -> None:
        ra = self.current()
        if ra is None:
            return
        key = ra.key

        def done(report: ops.ImportReport) -> None:
            known = f" ({report.known} imported before)" if report.known else ""
            self.host.show_info(f"Imported {plural(len(report.added), 'annotation')}{known}.")
            self.reload(key)

        self.bridge.run(
            f"Importing the annotations of {key}",
            lambda: ops.import_from_pdf(self.library, key),
            done,
        )

    def ask_export(self) -> None:
        ra = self.current()
        if ra is None:
            return
        start = str(Path.home() / f"{ra.key}-annotated.pdf")
        name, _ = QFileDialog.getSaveFileName(
            self.host.widget, "Export Annotated PDF", start, "PDF (*.pdf)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, dest: Path) -> None:
        ra = self.current()
        if ra is None:
            return
        key = ra.key
        self.bridge.run(
            f"Exporting {key} with its annotations",
            lambda: ops.export_annotated_pdf(self.library, key, dest),
            lambda n: self.host.show_info(f"Wrote {dest.name} with {plural(n, 'annotation')}."),
        )

    def add_to_notes(self) -> None:
        """Append the paper's annotations to its notes, as Markdown quotes with links."""
        ra = self.current()
        if ra is None:
            return
        key = ra.key
        found = [a for a in ra.items if not a.not_found_in]
        text = markdown.annotations_markdown(key, sorted(found, key=reading_order), "Annotations")
        if not text:
            self.host.show_info("This paper has no annotations to add to its notes.")
            return
        self.bridge.run(
            f"Adding the annotations of {key} to its notes",
            lambda: self.library.append_notes(key, text),
            lambda _: self.host.show_info(
                f"Added {plural(len(found), 'annotation')} to the notes."
            ),
        )
