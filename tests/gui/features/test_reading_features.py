"""Reading in the library window (issue #6): reader tabs, progress, bulk work with one undo,
Trash, Preferences, changes made by other programs, conflict copies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.settings import Settings
from desktop_app.gui.features.live import LiveFeature
from desktop_app.gui.features.preferences import PreferencesFeature
from desktop_app.gui.features.reading import ReadingFeature
from desktop_app.gui.features.trash import TrashFeature
from desktop_app.gui.widgets import detail
from desktop_app.gui.widgets.paper_model import Column
from desktop_app.gui.widgets.reader import ReaderView
from desktop_app.gui.widgets.sidebar_model import ALL_ID
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.files import testdata as shared_file
from tests.helpers.pdfgen import write_pdf
from tests.helpers.window import WAIT_MS, Factory, feature

PAGES = [
    "Introduction to dense retrieval.",
    "Background on sparse models.",
    "Method: the zebra index is built here.",
    "Experiments.",
    "Results.",
    "Conclusion.",
]


def add_paper(
    library: Library, n: int, *, pdf: bool = True, last_page: int = 0, **values: Any
) -> str:
    key = f"2504.{n:05d}"
    paper = Paper(
        key=key,
        arxiv_id=key,
        arxiv_version=1,
        title=f"Paper {n} on zebra retrieval",
        authors=["Ada Lovelace"],
        published="2025-04-07",
        last_page=last_page,
        **values,
    )
    if pdf:
        paper.pdf_file = f"{key}v1.pdf"
        paper.pdf_state = FetchState.DONE
    library.add(paper)
    if pdf:
        write_pdf(library.paper_dir(key) / f"{key}v1.pdf", PAGES)
    return key


def on_disk(library: Library, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((library.paper_dir(key) / "paper.json").read_text())
    return data


def select(qtbot: QtBot, window: MainWindow, *keys: str) -> None:
    if window.node_id != ALL_ID:
        window.sidebar.select_node(ALL_ID)
    qtbot.waitUntil(lambda: all(window.model.row_of(k) >= 0 for k in keys), timeout=WAIT_MS)
    selection = window.table.selectionModel()
    flags = selection.SelectionFlag
    first = window.model.index(window.model.row_of(keys[0]), 0)
    selection.setCurrentIndex(first, flags.ClearAndSelect | flags.Rows)
    for key in keys[1:]:
        selection.select(window.model.index(window.model.row_of(key), 0), flags.Select | flags.Rows)
    window.table.setFocus()
    assert sorted(window.selected_keys()) == sorted(keys)


def current_reader(window: MainWindow) -> ReaderView:
    view = window.tabs.currentWidget()
    assert isinstance(view, ReaderView)
    return view


# -- the reader --------------------------------------------------------------------------------


def test_enter_opens_the_reader_at_the_remembered_page_and_marks_reading(
    qtbot: QtBot, make_window: Factory, library: Library, qtmodeltester: object
) -> None:
    key = add_paper(library, 1, last_page=4)
    window = make_window(fetch=False)
    select(qtbot, window, key)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)

    view = current_reader(window)
    qtbot.waitUntil(lambda: view.current_page == 4, timeout=WAIT_MS)
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith("Paper 1")
    qtbot.waitUntil(lambda: on_disk(library, key)["status"] == "reading", timeout=WAIT_MS)
    assert on_disk(library, key)["started"]

    view.go_to_page(5)
    qtbot.waitUntil(lambda: on_disk(library, key)["last_page"] == 5, timeout=WAIT_MS)
    assert on_disk(library, key)["page_count"] == 6
    # The list shows the progress.
    row = window.model.row_of(key)
    progress = window.model.index(row, Column.PROGRESS)
    qtbot.waitUntil(lambda: progress.data() == "p. 5 of 6", timeout=WAIT_MS)
    assert progress.data(Qt.ItemDataRole.ToolTipRole) == "Read to page 5 of 6 (83%)"
    qtmodeltester.check(window.model)  # type: ignore[attr-defined]


def test_real_pdf_opens_in_the_reader(qtbot: QtBot, make_window: Factory, library: Library) -> None:
    source = shared_file("pdfs", "arxiv", "2302.07302v1.pdf")
    key = add_paper(library, 2, pdf=False, last_page=12)
    (library.paper_dir(key) / "2302.07302v1.pdf").write_bytes(source.read_bytes())
    library.update(key, lambda p: setattr(p, "pdf_file", "2302.07302v1.pdf"))
    window = make_window(fetch=False)
    select(qtbot, window, key)
    window.action_table["open_pdf"].trigger()
    view = current_reader(window)
    qtbot.waitUntil(lambda: view.current_page == 12, timeout=WAIT_MS)
    assert view.page_count == 15


def test_last_page_offers_read_and_marks_it(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    key = add_paper(library, 1, last_page=5, status=Status.READING)
    window = make_window(fetch=False)
    select(qtbot, window, key)
    window.action_table["open_pdf"].trigger()
    view = current_reader(window)
    view.go_to_page(6)
    qtbot.waitUntil(view.read_bar.isVisible, timeout=WAIT_MS)
    view.read_bar.mark_button.click()
    qtbot.waitUntil(lambda: on_disk(library, key)["status"] == "read", timeout=WAIT_MS)
    # A user action: Undo takes it back.
    qtbot.waitUntil(window.action_table["undo"].isEnabled, timeout=WAIT_MS)
    window.action_table["undo"].trigger()
    qtbot.waitUntil(lambda: on_disk(library, key)["status"] == "reading", timeout=WAIT_MS)


@pytest.mark.parametrize(
    ("query", "marked", "found"),
    [
        ("zebra", "<b>zebra</b>", "zebra"),
        ('"zebra index"', "<b>zebra index</b>", "zebra index"),
        # Two words marked side by side are found together, not the first one alone.
        ("zebra index", "<b>zebra</b> <b>index</b>", "zebra index"),
    ],
)
def test_a_hit_page_opens_the_reader_there_with_what_it_marks_found(
    qtbot: QtBot, make_window: Factory, library: Library, query: str, marked: str, found: str
) -> None:
    key = add_paper(library, 1)
    window = make_window(fetch=False)
    window.search.set_text(query)
    select(qtbot, window, key)
    qtbot.waitUntil(window.detail.hits.isVisible, timeout=WAIT_MS)
    assert marked in window.detail.hits.text()
    window.detail._hit_link("page:3")  # the "p. 3" link of a full-text hit
    view = current_reader(window)
    qtbot.waitUntil(lambda: view.find_bar.count.text() == "1 of 1", timeout=WAIT_MS)
    assert (view.current_page, view.find_bar.field.text()) == (3, found)


def test_the_abstract_marks_what_the_query_matched(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    key = add_paper(library, 1, abstract="Dense retrievers: retrieving passages by dense vectors.")
    window = make_window(fetch=False)
    mark = '<span style="{}">{}</span>'.format
    for query, marked in [
        ("retrieval", ["retrievers", "retrieving"]),  # by the stem, as the search found them
        ('"dense vectors"', ["dense vectors"]),  # the phrase, not "Dense" alone
        ("vect*", ["vectors"]),
    ]:
        window.search.set_text(query)
        select(qtbot, window, key)
        expected = [mark(detail.HIGHLIGHT_STYLE, m) for m in marked]

        def shown(expected: list[str] = expected) -> bool:
            return all(m in window.detail.abstract.text() for m in expected)

        qtbot.waitUntil(shown, timeout=WAIT_MS)
        assert window.detail.abstract.text().count("<span") == len(marked), query


def test_open_in_system_viewer(
    qtbot: QtBot, make_window: Factory, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = add_paper(library, 1)
    opened: list[str] = []
    monkeypatch.setattr(MainWindow, "open_url", lambda self, url: opened.append(url.toLocalFile()))
    window = make_window(fetch=False)
    select(qtbot, window, key)
    window.action_table["open_externally"].trigger()
    assert opened == [str(library.paper_dir(key) / f"{key}v1.pdf")]


# -- bulk work ---------------------------------------------------------------------------------


def test_bulk_status_lands_in_every_file_and_one_undo_restores_them(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    keys = [add_paper(library, n, pdf=False) for n in (1, 2, 3)]
    window = make_window(fetch=False)
    select(qtbot, window, *keys)
    window.action_table["mark_read"].trigger()
    qtbot.waitUntil(
        lambda: all(on_disk(library, k)["status"] == "read" for k in keys), timeout=WAIT_MS
    )
    qtbot.waitUntil(window.action_table["undo"].isEnabled, timeout=WAIT_MS)
    window.action_table["undo"].trigger()
    qtbot.waitUntil(
        lambda: all(on_disk(library, k)["status"] == "unread" for k in keys), timeout=WAIT_MS
    )
    assert all(on_disk(library, k)["finished"] is None for k in keys)


def test_bulk_tags_land_in_every_file_and_one_undo_restores_them(
    qtbot: QtBot,
    make_window: Factory,
    library: Library,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = [add_paper(library, n, pdf=False, tags=["ml"]) for n in (1, 2, 3)]
    window = make_window(fetch=False)

    def step(expected_tags: list[list[str]], undo_text: str) -> None:
        """Wait for every file to hold these tags and Undo to offer ``undo_text``."""
        tags = lambda: [on_disk(library, k)["tags"] for k in keys]  # noqa: E731
        qtbot.waitUntil(lambda: tags() == expected_tags, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: undo_text in window.action_table["undo"].text().replace("&", ""),
            timeout=WAIT_MS,
        )

    select(qtbot, window, *keys[:2])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("to-read/soon", True))
    feature(window, ReadingFeature).add_tag_action.trigger()
    tagged = [["ml", "to-read/soon"], ["ml", "to-read/soon"], ["ml"]]
    step(tagged, "Undo tag 2 papers")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("ml", True))
    feature(window, ReadingFeature).remove_tag_action.trigger()
    step([["to-read/soon"], ["to-read/soon"], ["ml"]], "Undo remove the tag “ml”")
    window.action_table["undo"].trigger()  # the removal
    step(tagged, "Undo tag 2 papers")
    window.action_table["undo"].trigger()  # the tagging
    step([["ml"], ["ml"], ["ml"]], "")


def test_bulk_delete_trash_view_and_restore(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    keys = [add_paper(library, n, pdf=False) for n in (1, 2)]
    window = make_window(fetch=False)
    select(qtbot, window, *keys)
    window.action_table["delete"].trigger()
    qtbot.waitUntil(lambda: library.keys() == [], timeout=WAIT_MS)
    dialog = feature(window, TrashFeature).show_trash()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=WAIT_MS)
    dialog.table.selectAll()
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: library.keys() == keys, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    dialog.close()


# -- preferences -------------------------------------------------------------------------------


def test_preferences_are_saved_and_applied(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = make_window(Settings(offline=True, default_sort="added"), fetch=False)
    preferences = feature(window, PreferencesFeature)
    preferences.settings_notices = ["setting 'max_retries': 99 is out of range (0 to 20)"]
    dialog = feature(window, PreferencesFeature).show_preferences()
    notices = dialog.findChild(QLabel, "settingsNotices")
    assert notices is not None and "max_retries" in notices.text()
    dialog.offline.setChecked(False)
    dialog.auto_fetch.setChecked(False)
    dialog.sort.setCurrentIndex(dialog.sort.findData("title"))
    dialog.accept()
    assert window.settings.offline is False
    assert window.settings.default_sort == "title"
    assert feature(window, PreferencesFeature).settings_notices == []
    path = Settings.default_path()
    qtbot.waitUntil(path.exists, timeout=WAIT_MS)
    saved = json.loads(path.read_text())
    assert saved["fetch_pdfs_automatically"] is False
    assert saved["default_sort"] == "title"


def test_preferences_open_another_library(
    qtbot: QtBot, make_window: Factory, tmp_path: Path
) -> None:
    other = Library.open(tmp_path / "other").root
    window = make_window(fetch=False)
    switched: list[Path] = []
    window.host.library_switch_requested.connect(switched.append)
    window.host.can_switch_library = True
    dialog = feature(window, PreferencesFeature).show_preferences()
    assert dialog.choose_library(other, dialog_action("open"))
    dialog.accept()
    assert switched == [other]
    assert window.settings.library_path == str(other)


def dialog_action(name: str) -> Any:
    from desktop_app.gui.features.preferences import LibraryAction

    return LibraryAction(name)


# -- live updates ------------------------------------------------------------------------------


def test_a_paper_changed_by_another_process_shows_up(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    key = add_paper(library, 1, pdf=False)
    window = make_window(fetch=False)
    select(qtbot, window, key)
    live_updates = feature(window, LiveFeature).live
    qtbot.waitUntil(lambda: key in live_updates.watched_papers, timeout=WAIT_MS)

    other = Library.open(library.root)  # another program: the CLI, a sync tool
    other.update(key, lambda p: (p.set_status(Status.READ), p.add_tags(["from-cli"])))

    row = lambda: window.model.summary(window.model.row_of(key))  # noqa: E731
    qtbot.waitUntil(lambda: row() is not None and row().status == "read", timeout=WAIT_MS)  # type: ignore[union-attr]
    assert "from-cli" in row().tags  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: window.detail.paper is not None and "from-cli" in window.detail.paper.tags,
        timeout=WAIT_MS,
    )


def test_a_conflict_copy_is_offered_and_merged_with_nothing_lost(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    key = add_paper(library, 1, pdf=False, tags=["home"])
    library.write_notes(key, "Notes written at home.\n")
    window = make_window(fetch=False)
    theirs = Paper.from_dict(on_disk(library, key))
    theirs.tags = ["laptop"]
    theirs.set_status(Status.READ)
    name = "paper.sync-conflict-20250407-093000-LAPTOP1.json"
    (library.paper_dir(key) / name).write_text(json.dumps(theirs.to_dict()))
    notes_copy = library.paper_dir(key) / "notes.sync-conflict-20250407-093000-LAPTOP1.md"
    notes_copy.write_text("Notes written on the laptop.\n")

    feature(window, LiveFeature).live.scan_now()
    qtbot.waitUntil(
        lambda: any("conflict copies" in m for m in window.notices.messages()), timeout=WAIT_MS
    )
    assert feature(window, LiveFeature).merge_action.isEnabled()
    notice = next(n for n in window.notices.notices if "conflict copies" in n.message)
    merge = next(b for b in notice.findChildren(QPushButton) if b.text() == "Merge")
    merge.click()

    qtbot.waitUntil(
        lambda: any("Merged 2" in m for m in window.notices.messages()), timeout=WAIT_MS
    )
    assert on_disk(library, key)["tags"] == ["home", "laptop"]
    assert on_disk(library, key)["status"] == "read"
    notes = library.read_notes(key)
    assert "written at home" in notes
    assert "written on the laptop" in notes
    kept = {p.name for p in (library.root / ".merged" / key).iterdir()}
    assert {name, notes_copy.name} <= kept


def test_window_close_stores_the_page(qtbot: QtBot, make_window: Factory, library: Library) -> None:
    key = add_paper(library, 1)
    window = make_window(fetch=False)
    select(qtbot, window, key)
    window.action_table["open_pdf"].trigger()
    view = current_reader(window)
    qtbot.waitUntil(lambda: on_disk(library, key)["page_count"] == 6, timeout=WAIT_MS)
    view._save_timer.setInterval(600_000)
    view.go_to_page(4)
    qtbot.waitUntil(lambda: view.current_page == 4)
    window.close()
    assert on_disk(library, key)["last_page"] == 4
    assert QApplication.instance() is not None


def test_switching_library_opens_a_new_window(
    qtbot: QtBot, make_window: Factory, tmp_path: Path
) -> None:
    from desktop_app.gui.app import ExceptHook, _offer_library_switch

    other = Library.open(tmp_path / "other").root
    window = make_window(fetch=False)
    hook = ExceptHook()
    _offer_library_switch(window, window.settings, hook)
    assert window.host.can_switch_library
    assert window.host.request_library_switch(other)
    new = hook.window
    assert isinstance(new, MainWindow) and new is not window
    qtbot.addWidget(new)
    assert new.windowTitle() == "Papershelf — other"
    assert new.isVisible()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: new.bridge.index_is_ready, timeout=WAIT_MS)
    new.close()


def test_reader_keys_inside_the_window(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    key = add_paper(library, 1)
    window = make_window(fetch=False)
    select(qtbot, window, key)
    window.action_table["open_pdf"].trigger()
    view = current_reader(window)
    view.view.setFocus()
    qtbot.keyClick(view.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.find_bar.isVisible()  # finds in the paper, not in the library
    assert not window.action_table["find"].isEnabled()
    qtbot.keyClick(view.find_bar.field, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.count() == 1
    assert window.action_table["find"].isEnabled()


def test_the_abstract_shows_tex_as_text_with_the_source_in_a_tooltip(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    typed = r"Ranking in $\mathcal{O}(n^2)$ time with the $\alpha$-divergence."
    key = add_paper(library, 1, abstract=typed)
    window = make_window(fetch=False)
    window.search.set_text("ranking")
    select(qtbot, window, key)
    abstract = window.detail.abstract
    qtbot.waitUntil(lambda: "O(n²)" in abstract.text(), timeout=WAIT_MS)
    assert "α-divergence" in abstract.text() and "mathcal" not in abstract.text()
    qtbot.waitUntil(lambda: "Ranking</span>" in abstract.text(), timeout=WAIT_MS)  # marked
    assert "\\mathcal{O}(n^2)" in abstract.toolTip()
