"""Opening the window, on a machine without the library's search index and with it (issue
#18): the list is shown once the index can be searched, and the start-up does each piece of
work once (at 10,000 papers every search or look at every folder done twice came right when
the list was first shown, and held it and the first query back)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.search.api import SyncReport
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.settings import Settings
from desktop_app.gui.app import build_window
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features import live as live_module
from desktop_app.gui.features.live import LiveFeature
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.pdfgen import make_pdf
from tests.helpers.window import WAIT_MS, feature, settle


class CountedIndex(WhooshIndex):
    """The real index, counting the full syncs asked of it; a sync waits while ``go`` is
    clear (as the start-up sync of a big library takes seconds)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full_syncs = 0
        self.go = threading.Event()
        self.go.set()

    def sync(self, *args: Any, **kwargs: Any) -> SyncReport:
        self.go.wait(WAIT_MS / 1000)
        if not kwargs.get("quick"):
            self.full_syncs += 1
        return super().sync(*args, **kwargs)


def add_papers(library: Library, n: int, *, pdf_words: str = "") -> list[str]:
    """``n`` papers (with ``pdf_words``, each with a PDF of them and its key)."""
    keys = [f"2504.{i:05d}" for i in range(1, n + 1)]
    for i, key in enumerate(keys, 1):
        paper = Paper(key=key, arxiv_id=key, title=f"Paper {i}", authors=["Ada"])
        paper.status = Status.UNREAD
        if pdf_words:
            library.paper_dir(key).mkdir(parents=True, exist_ok=True)
            pdf = library.paper_dir(key) / f"{key}v1.pdf"
            pdf.write_bytes(make_pdf([f"{pdf_words} {key}"]))
            paper.pdf_file, paper.pdf_state = pdf.name, FetchState.DONE
        library.add(paper)
    return keys


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[Library]:
    """The libraries the feeds' scan read, in order (the real scan runs)."""
    from desktop_app.gui.features import feeds

    found: list[Library] = []
    scan = feeds.scan_library

    def counted(lib: Library, cache: Any) -> Any:
        found.append(lib)
        return scan(lib, cache)

    monkeypatch.setattr(feeds, "scan_library", counted)
    return found


def open_window(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch, *, slow_sync: bool = False
) -> tuple[MainWindow, CountedIndex, list[str]]:
    """The window on ``library`` (its index as it is), shown and active; the queries the
    list asked the index for, in order. With ``slow_sync``, the start-up sync waits until
    the caller sets ``index.go``."""
    asked: list[str] = []
    search = Bridge.search

    def counted(self: Bridge, query: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(query)
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(Bridge, "search", counted)
    index = CountedIndex(library, observe=False, texts_in_background=True)
    if slow_sync:
        index.go.clear()
    window = build_window(library, Settings(offline=True), index=index)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window, index, asked


def idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: not feature(window, LiveFeature).live._running, timeout=WAIT_MS)
    settle(qtbot, window)


@pytest.mark.parametrize("index_there", [False, True], ids=["first open", "index there"])
def test_the_list_is_searched_once_at_start_up(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch, index_there: bool
) -> None:
    add_papers(library, 5)
    if index_there:
        with WhooshIndex(library, observe=False) as index:
            index.sync()
    window, _, asked = open_window(qtbot, library, monkeypatch)
    idle(qtbot, window)
    assert window.model.rowCount() == 5
    assert window.count_label.text() == "5 papers in All"
    assert asked == [""]  # not once when searchable and again when the sync is done
    window.close()


def test_papers_the_start_up_sync_finds_are_listed_after_it(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list shown from the index as it was is searched again when the sync changed it."""
    add_papers(library, 3)
    with WhooshIndex(library, observe=False) as index:
        index.sync()
    other = Library.open(library.root)
    other.observers.clear()
    other.add(Paper(key="2504.00009", arxiv_id="2504.00009", title="Added elsewhere"))
    # As a sync tool would bring it: no line in this machine's change journal either.
    window, _, asked = open_window(qtbot, library, monkeypatch)
    qtbot.waitUntil(lambda: window.model.row_of("2504.00009") >= 0, timeout=WAIT_MS)
    idle(qtbot, window)
    assert window.model.rowCount() == 4
    assert asked == ["", ""]
    window.close()


@pytest.mark.parametrize("index_there", [False, True], ids=["first open", "index there"])
def test_the_start_up_looks_at_every_paper_folder_once(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch, index_there: bool
) -> None:
    """The start-up sync is the full look at the folders: a re-scan asked for meanwhile
    (the window becoming active at start-up; later, it looks for what changed while the
    window was in the background) only looks for conflict copies after it, and finds them."""
    import json

    keys = add_papers(library, 3)
    if index_there:
        with WhooshIndex(library, observe=False) as index:
            index.sync()
    copy = Paper(key=keys[0], arxiv_id=keys[0], title="Paper 1", tags=["from-laptop"])
    name = "paper.sync-conflict-20250407-093000-LAPTOP1.json"
    (library.paper_dir(keys[0]) / name).write_text(json.dumps(copy.to_dict()))
    found: list[Any] = []
    window, index, _ = open_window(qtbot, library, monkeypatch, slow_sync=True)
    live = feature(window, LiveFeature).live
    live.conflicts_found.connect(found.append)
    live.scan_soon()  # as the window becoming active asks, while the start-up sync runs
    index.go.set()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: bool(found), timeout=WAIT_MS)
    assert [c.name for c in found[0]] == [name]
    assert index.full_syncs == 1
    window.close()


def test_the_feeds_scan_starts_once_the_list_is_shown_and_the_sync_done(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch, scanned: list[Library]
) -> None:
    """The list shown from the index before the start-up sync ended (and not searched
    again after it, nothing having changed) still starts the feeds' scan of the library."""
    from desktop_app.gui.features import feeds

    add_papers(library, 3)
    with WhooshIndex(library, observe=False) as index:
        index.sync()
    monkeypatch.setattr(feeds, "FIRST_SCAN_LATEST_MS", 10 * WAIT_MS)  # (not its fallback)
    window, index, asked = open_window(qtbot, library, monkeypatch, slow_sync=True)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    assert not scanned  # not before the start-up sync is done
    index.go.set()
    qtbot.waitUntil(lambda: bool(scanned), timeout=WAIT_MS)
    idle(qtbot, window)
    assert asked == [""]
    window.close()


def test_the_stamps_are_not_checked_again_while_the_start_up_sync_runs(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first stamps are taken at once; the next check (every second or so) waits for
    the start-up sync, and a paper edited by hand meanwhile is found after it."""
    import json

    keys = add_papers(library, 3)
    window, index, _ = open_window(qtbot, library, monkeypatch, slow_sync=True)
    live = feature(window, LiveFeature).live
    qtbot.waitUntil(lambda: live._stamps is not None, timeout=WAIT_MS)  # the first check
    path = library.paper_dir(keys[1]) / "paper.json"
    data = json.loads(path.read_text())
    data["title"] = "Edited by hand"
    path.write_text(json.dumps(data))
    qtbot.wait(2 * live_module.MIN_CHECK_MS)  # (a check every second or so, before)
    assert live.checks == 1
    index.go.set()
    qtbot.waitUntil(lambda: live.checks > 1, timeout=WAIT_MS)

    def shown_title() -> str:
        summary = window.model.summary(window.model.row_of(keys[1]))
        return summary.title if summary is not None else ""

    qtbot.waitUntil(lambda: shown_title() == "Edited by hand", timeout=WAIT_MS)
    idle(qtbot, window)
    window.close()


def test_the_start_up_looks_at_the_library_wait_until_the_first_list_is_shown(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch, scanned: list[Library]
) -> None:
    """The feeds' scan, the look for conflict copies and the next stamp check each read
    every paper: they start once the start-up sync is done and the list was shown, a
    moment later (StartUp.settled), not with the first list and query."""

    add_papers(library, 3)
    window, index, _ = open_window(qtbot, library, monkeypatch, slow_sync=True)
    live = feature(window, LiveFeature).live
    qtbot.waitUntil(lambda: live._stamps is not None, timeout=WAIT_MS)  # the first check
    live.scan_soon()  # as the window becoming active asks
    with qtbot.waitSignal(window.bridge.results_ready, timeout=WAIT_MS):
        index.go.set()  # the first build's records: the list is shown
    qtbot.wait(200)
    assert (scanned, live.scans, live.checks) == ([], 0, 1)
    qtbot.waitUntil(lambda: bool(scanned) and live.scans == 1 and live.checks > 1)
    idle(qtbot, window)
    assert index.full_syncs == 1
    window.close()


def test_a_query_on_the_full_text_shows_each_batch_as_it_is_committed(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While this window indexes a new index's full text, the query that said more may
    match runs again as each batch is committed (not every few seconds: at 10,000 papers
    each run searched and listed up to 10,000 papers), and once more at the end."""
    from desktop_app.core.search.whoosh import store, texts
    from desktop_app.gui.features.fulltext import FullTextFeature
    from desktop_app.gui.window import library_view
    from tests.helpers.locks import lock_held

    monkeypatch.setattr(texts, "FIRST_BATCH_PER_WORKER", 1)
    monkeypatch.setattr(texts, "BATCH_PER_WORKER", 1)
    monkeypatch.setattr(library_view, "TEXTS_REFRESH_MS", 10 * WAIT_MS)  # (not the timer)
    add_papers(library, 3, pdf_words="zeppelin")
    with WhooshIndex(library, observe=False) as probe:
        index_dir = probe.dir
    # Another program is indexing the full text when the window opens: the list says that
    # more may match.
    with lock_held(index_dir / store.TEXTS_LOCK):
        window, _, _ = open_window(qtbot, library, monkeypatch)
        qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
        window.search.set_text("fulltext:zeppelin")
        qtbot.waitUntil(lambda: "still being indexed" in window.count_label.text())
        assert window.model.rowCount() == 0
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)  # (it gave way)
    feature(window, FullTextFeature).start()  # as the next start does: this window indexes
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "indexed" not in window.count_label.text(), timeout=WAIT_MS)
    assert window.count_label.text() == "3 papers in All match “fulltext:zeppelin”"
    idle(qtbot, window)
    window.close()


def test_the_full_text_is_indexed_from_a_moment_after_the_first_list(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second phase of a new index (reading its first batch, starting its worker
    processes) starts once the first list is shown and the window has settled, not with
    the first list and the first query."""
    from desktop_app.gui.features.fulltext import TITLE

    add_papers(library, 3, pdf_words="zeppelin")
    window, _, _ = open_window(qtbot, library, monkeypatch)
    started: list[str] = []
    window.runner.task_started.connect(lambda info: started.append(info.title))
    with qtbot.waitSignal(window.bridge.results_ready, timeout=WAIT_MS):
        pass  # the first list
    qtbot.wait(200)
    assert TITLE not in started
    qtbot.waitUntil(lambda: TITLE in started, timeout=WAIT_MS)
    window.search.set_text("fulltext:zeppelin")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    idle(qtbot, window)
    window.close()
