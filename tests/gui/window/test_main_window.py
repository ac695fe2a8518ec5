"""The library window, driven as a user would: clicks, keys, typing, drops (issue #5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.settings import Settings
from desktop_app.gui.app import build_window, window_state
from desktop_app.gui.widgets.paper_model import Column
from desktop_app.gui.widgets.sidebar_model import ALL_ID, INBOX_ID
from desktop_app.gui.window import main_window as main_window_module
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.locks import index_lock_held, lock_held
from tests.helpers.window import WAIT_MS, Factory

SAMPLE_PAPERS = 33


def wait_rows(qtbot: QtBot, window: MainWindow, n: int) -> None:
    qtbot.waitUntil(lambda: window.model.rowCount() == n, timeout=WAIT_MS)


def add_papers(library: Library, n: int, status: Status = Status.UNREAD) -> list[str]:
    keys = []
    for i in range(1, n + 1):
        key = f"2504.{i:05d}"
        library.add(
            Paper(
                key=key,
                arxiv_id=key,
                arxiv_version=1,
                title=f"Paper {i} about {'retrieval' if i % 2 else 'recommendation'}",
                authors=["Ada Lovelace", "Alan Turing"],
                abstract=f"We study {'dense retrieval' if i % 2 else 'sequential recommenders'}.",
                status=status,
                published="2025-04-07",
            )
        )
        keys.append(key)
    return keys


def one_paper_selected(
    qtbot: QtBot, make_window: Factory, library: Library
) -> tuple[MainWindow, str]:
    (key,) = add_papers(library, 1)
    window = make_window()
    wait_rows(qtbot, window, 1)
    select(qtbot, window, key)
    return window, key


def keys_of(window: MainWindow) -> list[str]:
    return window.model.keys()


def select(qtbot: QtBot, window: MainWindow, key: str) -> None:
    assert window.select_key(key)
    window.table.setFocus()
    qtbot.waitUntil(lambda: window.detail.key == key)


# -- first run ---------------------------------------------------------------------------------


def test_an_empty_library_shows_the_welcome_view(make_window: Factory) -> None:
    window = make_window()
    assert window.page_stack.currentWidget() is window.welcome
    labels = [b.text() for b in window.welcome.buttons]
    assert labels == ["Add an arXiv paper", "Import a digest", "Try the sample digest"]
    assert window.windowTitle() == "Papershelf — library"


def test_the_sample_digest_imported_through_the_ui_shows_33_papers_in_the_inbox(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = make_window()
    qtbot.mouseClick(window.welcome.buttons[2], Qt.MouseButton.LeftButton)
    wait_rows(qtbot, window, SAMPLE_PAPERS)
    assert window.page_stack.currentWidget() is window.content_splitter
    assert window.node_id == INBOX_ID
    assert len(library) == SAMPLE_PAPERS
    assert window.sidebar_model.inbox.count == SAMPLE_PAPERS
    assert any("33 added" in m for m in window.notices.messages())
    titles = [window.model.summary(r).title for r in range(window.model.rowCount())]  # type: ignore[union-attr]
    assert "LLM-Alignment Live-Streaming Recommendation" in titles


def test_import_digest_from_the_file_menu_reports_what_it_did(
    qtbot: QtBot, make_window: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    monkeypatch.setattr(
        main_window_module.QFileDialog,
        "getOpenFileName",
        staticmethod(lambda *a, **k: (str(SAMPLE_DIGEST), "")),
    )
    window.action_table["import_digest"].trigger()
    wait_rows(qtbot, window, SAMPLE_PAPERS)
    window.action_table["import_digest"].trigger()  # the same digest again: nothing new
    qtbot.waitUntil(
        lambda: any("Nothing new" in m for m in window.notices.messages()), timeout=WAIT_MS
    )
    assert any("33 already present" in m for m in window.notices.messages())


# -- searching ---------------------------------------------------------------------------------


def test_typing_a_query_narrows_the_list(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    add_papers(library, 6)
    window = make_window()
    wait_rows(qtbot, window, 6)
    qtbot.keyClicks(window.search.field, "retrieval")
    wait_rows(qtbot, window, 3)
    assert all("retrieval" in window.model.summary(r).title for r in range(3))  # type: ignore[union-attr]
    assert "match “retrieval”" in window.count_label.text()
    window.search.field.clear()
    wait_rows(qtbot, window, 6)


def test_a_query_matching_nothing_says_so_and_suggests_a_spelling(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    add_papers(library, 4)
    window = make_window()
    wait_rows(qtbot, window, 4)
    window.search.set_text("retreival")
    qtbot.waitUntil(lambda: window.list_stack.currentWidget() is window.empty_label)
    assert "No papers match" in window.empty_label.text()
    if "Did you mean" in window.empty_label.text():
        window.view._empty_link("suggest:retrieval")
        wait_rows(qtbot, window, 2)


def test_the_sidebar_narrows_the_list_and_counts_follow_the_search(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    keys = add_papers(library, 4)
    library.set_status(keys[0], Status.READ)
    library.add_tags(keys[1], ["rag/eval"])
    library.add_tags(keys[2], ["rag"])
    window = make_window()
    wait_rows(qtbot, window, 4)
    model = window.sidebar_model
    assert model.find("view:read").count == 1  # type: ignore[union-attr]
    assert model.find("tag:rag").count == 2  # type: ignore[union-attr]
    assert model.find("tag:rag/eval").count == 1  # type: ignore[union-attr]
    window.sidebar.select_node("tag:rag")
    wait_rows(qtbot, window, 2)
    window.sidebar.select_node("view:read")
    wait_rows(qtbot, window, 1)
    window.search.set_text("recommendation")
    qtbot.waitUntil(lambda: model.find(ALL_ID).count == 2)  # type: ignore[union-attr]
    assert model.find("tag:rag").count == 1  # type: ignore[union-attr]


# -- editing through the widgets -----------------------------------------------------------------


def test_status_tags_rating_and_notes_set_in_the_detail_pane_land_in_the_files(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window, key = one_paper_selected(qtbot, make_window, library)
    detail = window.detail

    qtbot.mouseClick(detail.status.buttons["reading"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: library.get(key).status is Status.READING, timeout=WAIT_MS)
    assert library.get(key).started

    qtbot.mouseClick(detail.rating.buttons[3], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: library.get(key).rating == 4, timeout=WAIT_MS)

    detail.tags.setFocus()
    detail.tags.setText("rag/eval, to-")  # QTest's key table has no "/"
    qtbot.keyClicks(detail.tags, "read")
    qtbot.keyClick(detail.tags, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: library.get(key).tags == ["rag/eval", "to-read"], timeout=WAIT_MS)

    detail.notes.editor.setFocus()
    qtbot.keyClicks(detail.notes.editor, "# Summary")
    qtbot.keyClick(detail.notes.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(detail.notes.editor, "Good **baseline**.")
    # Saved by itself within a second of the last keystroke, no Save button.
    qtbot.waitUntil(
        lambda: library.read_notes(key) == "# Summary\nGood **baseline**.\n", timeout=1500
    )
    detail.notes.setCurrentWidget(detail.notes.preview)
    assert "baseline" in detail.notes.preview.toPlainText()
    assert "**" not in detail.notes.preview.toPlainText()  # rendered, not shown as typed

    window.search.set_text("tag:rag")
    qtbot.waitUntil(lambda: window.sidebar_model.find("tag:rag/eval") is not None)


def test_notes_typed_just_before_closing_are_saved(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window, key = one_paper_selected(qtbot, make_window, library)
    window.detail.notes.editor.setFocus()
    qtbot.keyClicks(window.detail.notes.editor, "last words")
    window.close()
    assert library.read_notes(key) == "last words\n"


def test_keys_cycle_the_status_rate_and_undo(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window, key = one_paper_selected(qtbot, make_window, library)
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: library.get(key).status is Status.READING, timeout=WAIT_MS)
    qtbot.keyClick(window.table, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: library.get(key).rating == 3, timeout=WAIT_MS)
    # The Edit menu says what Undo takes back.
    qtbot.waitUntil(lambda: window.action_table["undo"].text() == "&Undo rate 1 paper 3 stars")
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: library.get(key).rating == 0, timeout=WAIT_MS)
    window.action_table["undo"].trigger()
    qtbot.waitUntil(lambda: library.get(key).status is Status.UNREAD, timeout=WAIT_MS)


def test_delete_moves_to_the_trash_and_undo_brings_it_back(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    keys = add_papers(library, 2)
    window = make_window()
    wait_rows(qtbot, window, 2)
    select(qtbot, window, keys[0])
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    wait_rows(qtbot, window, 1)
    assert library.in_trash(keys[0])
    assert window.detail.key == keys[1]
    window.action_table["undo"].trigger()
    wait_rows(qtbot, window, 2)
    assert library.exists(keys[0])


def test_triage_keeps_and_dismisses_with_k_and_d_and_moves_to_the_next_paper(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    add_papers(library, 3, Status.NEW)
    window = make_window()
    window.sidebar.select_node(INBOX_ID)
    wait_rows(qtbot, window, 3)
    order = keys_of(window)
    select(qtbot, window, order[0])
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    assert window.detail.key == order[1]  # at once: no waiting for the write
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    wait_rows(qtbot, window, 1)
    assert window.detail.key == order[2]
    assert library.get(order[0]).status is Status.UNREAD
    assert library.was_dismissed(order[1])
    assert window.sidebar_model.inbox.count == 1


def test_every_shortcut_of_the_issue_sits_in_a_menu(make_window: Factory) -> None:
    window = make_window()
    shown = {
        action.shortcut().toString()
        for menu in window.menuBar().findChildren(QMenu)
        for action in menu.actions()
    }
    for key in ["Ctrl+F", "Ctrl+N", "Ctrl+I", "Return", "Space", "Del", "Ctrl+Z", "K", "D"]:
        assert key in shown, key
    assert {str(n) for n in range(1, 6)} <= shown


# -- getting papers in ---------------------------------------------------------------------------


def test_dropping_an_arxiv_link_adds_the_paper(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://arxiv.org/abs/2504.05220v1")])
    window.handle_drop(mime)
    wait_rows(qtbot, window, 1)
    paper = library.get("2504.05220")
    assert paper.status is Status.UNREAD
    assert paper.metadata_state is FetchState.PENDING
    assert window.page_stack.currentWidget() is window.content_splitter


def test_dropping_a_digest_file_imports_it(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SAMPLE_DIGEST))])
    window.handle_drop(mime)
    wait_rows(qtbot, window, SAMPLE_PAPERS)
    assert window.node_id == INBOX_ID


def test_dropping_a_pdf_named_by_its_id_attaches_it(
    qtbot: QtBot, make_window: Factory, library: Library, tmp_path: Path
) -> None:
    from tests.helpers.pdfgen import write_pdf

    pdf = tmp_path / "2504.05220v1.pdf"
    write_pdf(pdf, ["Leveraging LLMs for utility-focused annotation."])
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    window.handle_drop(mime)
    qtbot.waitUntil(lambda: library.exists("2504.05220"), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: library.pdf_path(library.get("2504.05220")) is not None, timeout=WAIT_MS
    )
    wait_rows(qtbot, window, 1)


def test_the_add_dialog_shows_what_it_recognised_and_adds_it(
    qtbot: QtBot, make_window: Factory, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.gui.widgets.dialogs import AddDialog

    QApplication.clipboard().setText("see arXiv:2504.05216 and https://arxiv.org/pdf/2504.05181v2")
    dialog = AddDialog()
    qtbot.addWidget(dialog)
    assert [a.canonical for a in dialog.ids] == ["2504.05216", "2504.05181v2"]
    assert "2504.05181v2" in dialog.recognised.text()
    dialog.editor.setPlainText("nothing here")
    assert "Nothing recognised" in dialog.recognised.text()

    window = make_window()
    monkeypatch.setattr(AddDialog, "exec", lambda self: 1)
    window.action_table["add"].trigger()
    wait_rows(qtbot, window, 2)
    assert library.exists("2504.05216") and library.exists("2504.05181")


# -- fetching ------------------------------------------------------------------------------------


def test_a_failing_download_shows_a_notice(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    from tests.helpers.arxiv_server import Fault

    arxiv_server.add_paper("2504.05220", title="Served paper")
    for _ in range(4):
        arxiv_server.fail_next("pdf", Fault.http(404))
    settings = arxiv_server.settings(max_retries=1)
    key = "2504.05220"
    library.add(Paper(key=key, arxiv_id=key, arxiv_version=1, title="Served paper"))
    window = make_window(settings)
    wait_rows(qtbot, window, 1)
    select(qtbot, window, key)
    qtbot.mouseClick(window.detail.download, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any("2504.05220" in m and "PDF" in m for m in window.notices.messages()),
        timeout=WAIT_MS,
    )
    assert library.get(key).pdf_state is FetchState.FAILED
    qtbot.waitUntil(lambda: "failed" in window.detail.pdf_state.text().lower(), timeout=WAIT_MS)


def test_adding_a_paper_online_fetches_it_by_itself(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    arxiv_server.add_paper("2504.05220", title="Fetched title")
    window = make_window(arxiv_server.settings())
    window.bridge.add_ids([arxiv_id.parse("2504.05220")])
    qtbot.waitUntil(
        lambda: (
            library.exists("2504.05220") and library.get("2504.05220").pdf_state is FetchState.DONE
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(
        lambda: window.model.rowCount() == 1 and window.model.summary(0).title == "Fetched title",  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )


# -- state ---------------------------------------------------------------------------------------


def test_hidden_columns_and_the_view_are_remembered(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    add_papers(library, 2)
    window = make_window()
    assert window.table.horizontalHeader().isSectionHidden(Column.TAGS)  # by default
    window.paper_list.column_actions[Column.TAGS].setChecked(True)
    window.paper_list.column_actions[Column.YEAR].setChecked(False)
    window.sidebar.select_node("view:unread")
    window.close()
    again = make_window()
    assert again.table.horizontalHeader().isSectionHidden(Column.YEAR)
    assert not again.table.horizontalHeader().isSectionHidden(Column.TAGS)
    assert not again.paper_list.column_actions[Column.YEAR].isChecked()
    assert again.node_id == "view:unread"
    assert window_state().value("window/version") is not None


# -- saved searches, full text, background work -------------------------------------------------


def test_a_search_is_saved_renamed_and_deleted_from_the_sidebar(
    qtbot: QtBot, make_window: Factory, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_papers(library, 4)
    window = make_window()
    wait_rows(qtbot, window, 4)
    window.search.set_text("recommendation")
    wait_rows(qtbot, window, 2)
    monkeypatch.setattr(
        main_window_module.QInputDialog,
        "getText",
        staticmethod(lambda *a, **k: ("Recsys", True)),
    )
    window.action_table["save_search"].trigger()
    qtbot.waitUntil(lambda: window.sidebar_model.find("saved:Recsys") is not None)
    window.search.set_text("")
    wait_rows(qtbot, window, 4)
    window.sidebar.select_node("saved:Recsys")
    assert window.search.text == "recommendation"
    wait_rows(qtbot, window, 2)
    window.sidebar.rename_requested.emit("Recsys", "Recommenders")
    qtbot.waitUntil(lambda: window.sidebar_model.find("saved:Recommenders") is not None)
    window.sidebar.delete_requested.emit("Recommenders")
    qtbot.waitUntil(lambda: not window.sidebar_model.saved.children)
    assert '"searches": []' in (library.root / "saved-searches.json").read_text()


def test_full_text_hits_of_the_query_show_their_pages(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    from tests.helpers.pdfgen import make_pdf

    (key,) = add_papers(library, 1)
    pdf = make_pdf(["An introduction.", "The zeppelin experiment is described here."])
    (library.paper_dir(key) / f"{key}v1.pdf").write_bytes(pdf)
    library.update(key, lambda p: setattr(p, "pdf_file", f"{key}v1.pdf"))
    library.update(key, lambda p: setattr(p, "pdf_state", FetchState.DONE))
    window = make_window()
    window.search.set_text("zeppelin")
    wait_rows(qtbot, window, 1)
    select(qtbot, window, key)
    qtbot.waitUntil(lambda: window.detail.hits.isVisibleTo(window.detail), timeout=WAIT_MS)
    assert "p.&nbsp;2" in window.detail.hits.text()
    opened: list[tuple[str, int]] = []
    window.detail.page_activated.connect(lambda k, page: opened.append((k, page)))
    window.detail.hits.linkActivated.emit("page:2")
    assert opened == [(key, 2)]


def test_background_work_shows_in_the_status_bar_and_can_be_cancelled(
    qtbot: QtBot, make_window: Factory
) -> None:
    import threading

    window = make_window()
    started = threading.Event()

    def long_work(control: Any) -> None:
        for i in range(100_000):
            started.set()
            control.progress(i, 100_000)
            threading.Event().wait(0.001)

    cancelled: list[bool] = []
    window.runner.submit(long_work, title="Counting sheep", on_cancel=lambda: cancelled.append(1))
    qtbot.waitUntil(lambda: window.task_status.isVisible())
    qtbot.waitUntil(lambda: "of 100,000" in window.task_status.label.text())
    assert window.task_status.label.text().startswith("Counting sheep")
    qtbot.mouseClick(window.task_status.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(cancelled) and not window.task_status.isVisible())


def test_the_index_task_shows_its_progress_in_percent(qtbot: QtBot, make_window: Factory) -> None:
    import threading

    window = make_window()
    release = threading.Event()

    def rebuild(control: Any) -> None:  # steps that are not papers: a percentage
        control.progress(1, 4)
        release.wait(10)

    window.runner.submit(rebuild, title="Updating the search index", percent=True)
    try:
        qtbot.waitUntil(
            lambda: window.task_status.label.text() == "Updating the search index — 25%"
        )
    finally:
        release.set()


def test_errors_show_as_notices_with_details_to_expand(qtbot: QtBot, make_window: Factory) -> None:
    window = make_window()
    window.show_error("Could not fetch the PDF of 2504.05220: HTTP 404", "GET /pdf/2504.05220")
    notice = window.notices.notices[-1]
    assert notice.details_view is not None and not notice.details_view.isVisible()
    qtbot.mouseClick(notice.toggle, Qt.MouseButton.LeftButton)
    assert notice.details_view.isVisible()
    assert "GET /pdf" in notice.details_view.toPlainText()
    window.show_error("Could not fetch the PDF of 2504.05220: HTTP 404", "again")
    assert len(window.notices.notices) == 1 and "×2" in notice.label.text()
    notice.close_notice()
    assert window.notices.messages() == []


def test_the_about_box_thanks_arxiv(make_window: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.gui.widgets import dialogs

    shown: list[str] = []
    monkeypatch.setattr(
        dialogs.QMessageBox, "about", staticmethod(lambda parent, title, text: shown.append(text))
    )
    window = make_window()
    window.action_table["about"].trigger()
    assert "Thank you to arXiv for use of its open access interoperability." in shown[0]


def test_the_list_says_why_it_is_empty_while_the_index_is_built(
    qtbot: QtBot, library: Library
) -> None:
    from desktop_app.core.search.whoosh.index import WhooshIndex

    add_papers(library, 3)
    with WhooshIndex(library, observe=False) as probe:
        index_dir = probe.dir
    with index_lock_held(index_dir):  # another program is building the index
        window = build_window(library, Settings(offline=True))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(
            lambda: window.list_stack.currentWidget() is window.empty_label, timeout=WAIT_MS
        )
        assert "search index" in window.empty_label.text()
        assert window.count_label.text() == "Building the search index"
    wait_rows(qtbot, window, 3)
    assert window.list_stack.currentWidget() is window.table
    assert window.count_label.text() == "3 papers in All"
    window.close()


def test_papers_are_listed_from_an_older_index_while_it_is_rebuilt(
    qtbot: QtBot, library: Library
) -> None:
    import json

    from desktop_app.core.search.whoosh import index as index_module
    from desktop_app.core.search.whoosh.index import WhooshIndex

    add_papers(library, 3)
    with WhooshIndex(library, observe=False) as old:
        old.sync()
        index_dir = old.dir
    pointer = index_dir / index_module.POINTER
    data = json.loads(pointer.read_text())
    data["schema"] = 1  # made by the version before
    pointer.write_text(json.dumps(data))
    with index_lock_held(index_dir):  # the rebuild waits (for a big library: minutes)
        window = build_window(library, Settings(offline=True))
        qtbot.addWidget(window)
        window.show()
        wait_rows(qtbot, window, 3)
        assert not window.bridge.index_is_ready
        assert window.task_status.label.text().startswith("Updating the search index")
    qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
    wait_rows(qtbot, window, 3)
    window.close()


def test_the_undo_label_reads_naturally_and_never_moves_the_search_field(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window, key = one_paper_selected(qtbot, make_window, library)
    window.resize(1024, 640)
    qtbot.wait(50)
    search_x = window.search.mapTo(window, window.search.rect().topLeft()).x()
    window.detail.tags.setText("to-read, long-tag-name")
    window.detail.tags.editingFinished.emit()
    qtbot.waitUntil(lambda: library.get(key).tags == ["to-read", "long-tag-name"], timeout=WAIT_MS)
    undo = window.action_table["undo"]
    qtbot.waitUntil(lambda: undo.text() == "&Undo tag change")  # not "Undo Edit the tags"
    button = window.toolbar.widgetForAction(undo)
    assert button is not None and button.text() == "Undo"
    qtbot.wait(50)
    assert window.search.mapTo(window, window.search.rect().topLeft()).x() == search_x


def test_the_last_search_belongs_to_its_library(
    qtbot: QtBot, make_window: Factory, library: Library, tmp_path: Path
) -> None:
    add_papers(library, 2)
    window = make_window()
    window.search.set_text("retrieval")
    window.sidebar.select_node("view:unread")
    window.close()
    other = build_window(Library.open(tmp_path / "other library"), Settings(offline=True))
    qtbot.addWidget(other)
    other.show()
    qtbot.waitUntil(lambda: other.bridge.index_is_ready, timeout=WAIT_MS)
    assert other.search.text == ""  # not the first library's search
    assert other.node_id == ALL_ID
    other.close()
    qtbot.waitUntil(lambda: not other.runner.busy, timeout=WAIT_MS)
    again = make_window()
    assert again.search.text == "retrieval"
    assert again.node_id == "view:unread"


@pytest.mark.parametrize("how", ["search", "bad-query", "status", "cli-status", "cli-trash"])
def test_the_detail_pane_never_shows_a_paper_the_list_no_longer_has(
    qtbot: QtBot, make_window: Factory, library: Library, how: str
) -> None:
    keys = add_papers(library, 3)
    window = make_window()
    window.sidebar.select_node("view:unread")
    wait_rows(qtbot, window, 3)
    select(qtbot, window, keys[1])  # "Paper 2 about recommendation"
    if how == "search":
        window.search.set_text("retrieval")  # papers 1 and 3
    elif how == "bad-query":  # the list says the query cannot be read, and shows no paper
        window.search.set_text('"unclosed quote')
        qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
        qtbot.wait(100)
        assert window.detail.key is None
        return
    elif how == "status":  # read in the reader: it leaves the Unread view
        window.bridge.set_status([keys[1]], Status.READ)
    elif how == "cli-status":  # the CLI or another machine
        library.update(keys[1], lambda p: p.set_status(Status.READ))
    else:
        library.delete(keys[1])
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    qtbot.wait(100)
    assert keys[1] not in keys_of(window)
    shown = window.detail.key
    assert shown is None or shown in keys_of(window)
    if shown is not None:
        assert window.table.currentIndex().isValid()


def test_a_paper_without_notes_opens_them_for_writing(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    keys = add_papers(library, 2)
    library.write_notes(keys[0], "# Read again\n\nSection 3.")
    window = make_window()
    wait_rows(qtbot, window, 2)
    notes = window.detail.notes
    select(qtbot, window, keys[0])
    notes.setCurrentWidget(notes.preview)
    assert "Read again" in notes.preview.toPlainText()
    select(qtbot, window, keys[1])  # no notes: an empty Preview would stay selected
    assert notes.currentWidget() is notes.editor


def test_the_add_dialog_counts_only_papers_not_in_the_library(
    qtbot: QtBot, make_window: Factory, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.gui.widgets.dialogs import AddDialog

    (present,) = add_papers(library, 1, status=Status.READ)
    window = make_window()
    window.sidebar.select_node("view:unread")  # the paper in the library is not listed here
    text = f"{present} 2504.05216 https://arxiv.org/abs/2504.05181 and again 2504.05216v2"
    dialog = AddDialog(window, text, library.exists)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.text() == "Add 2 papers"
    assert [a.key for a in dialog.ids] == ["2504.05216", "2504.05181"]
    assert "1 paper already in the library" in dialog.recognised.text()
    dialog.editor.setPlainText(present)
    assert ok.text() == "Show in the library" and ok.isEnabled()

    infos: list[str] = []
    monkeypatch.setattr(window, "show_info", lambda text, *a: infos.append(text))
    window.view.show_info = window.show_info  # type: ignore[method-assign]
    monkeypatch.setattr(AddDialog, "exec", lambda self: 1)
    window.show_add_dialog(text)
    qtbot.waitUntil(lambda: any(t.startswith("Added") for t in infos), timeout=WAIT_MS)
    # As many as the button said (it said "Add 3 papers", then "Added 2").
    assert [t for t in infos if t.startswith("Added")] == [
        "Added 2 papers: 2504.05216, 2504.05181."
    ]


def test_a_new_index_lists_the_papers_first_and_its_full_text_comes_in_the_background(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #18: on a machine without the index, the list and the searches of metadata
    work as soon as the records are indexed; the full text follows in the background,
    with its progress in the status bar, and a query that reads it says that more may
    match, then shows the hits as they come, without being typed again."""
    from desktop_app.core.search.whoosh import store, texts
    from desktop_app.core.search.whoosh.index import WhooshIndex
    from desktop_app.gui.features import find
    from desktop_app.gui.features.fulltext import FullTextFeature
    from desktop_app.gui.window import library_view
    from tests.helpers.pdfgen import make_pdf

    monkeypatch.setattr(texts, "FIRST_BATCH_PER_WORKER", 1)
    monkeypatch.setattr(texts, "BATCH_PER_WORKER", 1)
    monkeypatch.setattr(library_view, "TEXTS_REFRESH_MS", 100)
    keys = add_papers(library, 4)
    for key in keys:
        (library.paper_dir(key) / f"{key}v1.pdf").write_bytes(make_pdf([f"zeppelin {key}"]))
        library.update(key, lambda p, k=key: setattr(p, "pdf_file", f"{k}v1.pdf"))
        library.update(key, lambda p: setattr(p, "pdf_state", FetchState.DONE))
    with WhooshIndex(library, observe=False) as probe:
        index_dir = probe.dir
    # Another program (the command line) is indexing the full text when the window opens.
    with lock_held(index_dir / store.TEXTS_LOCK):
        window = build_window(library, Settings(offline=True))
        qtbot.addWidget(window)
        window.show()
        wait_rows(qtbot, window, 4)
        qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
        window.search.set_text("author:lovelace")  # metadata: answered in full
        qtbot.waitUntil(lambda: "match" in window.count_label.text(), timeout=WAIT_MS)
        wait_rows(qtbot, window, 4)
        assert "indexed" not in window.count_label.text()
        window.search.set_text("zeppelin")
        qtbot.waitUntil(lambda: "still being indexed" in window.count_label.text())
        assert window.model.rowCount() == 0
        assert "the full text of 4 papers is still being indexed" in window.count_label.text()

    titles: list[str] = []
    window.runner.task_started.connect(lambda info: titles.append(info.title))
    progress: list[str] = []
    window.runner.task_progressed.connect(lambda info: progress.append(info.title))
    find(window.host.features, FullTextFeature).start()  # as the next start does
    wait_rows(qtbot, window, 4)  # the hits came by themselves
    qtbot.waitUntil(lambda: "indexed" not in window.count_label.text(), timeout=WAIT_MS)
    assert titles == ["Indexing full text"] and "Indexing full text" in progress
    window.close()
