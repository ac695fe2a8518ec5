"""Changes made outside the window (the CLI in a terminal, an editor) show in it within 2 s
(issue #15, item 1)."""

from __future__ import annotations

import json

from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.gui.features.live import LiveFeature
from desktop_app.gui.widgets.sidebar_model import ALL_ID, INBOX_ID
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.shelf import Shelf
from tests.helpers.window import WAIT_MS, Factory, feature

#: What the issue asks: a change made elsewhere shows within 2 s of the write.
SHOWN_WITHIN_MS = 2_000


def count(window: MainWindow, node: str) -> int | None:
    found = window.sidebar_model.find(node)
    return None if found is None else found.count


def listed(window: MainWindow) -> list[str]:
    return window.model.keys()


def opened(qtbot: QtBot, make_window: Factory, library: Library, n: int) -> MainWindow:
    for i in range(1, n + 1):
        key = f"2301.{i:05d}"
        library.add(Paper(key=key, arxiv_id=key, title=f"Paper {i}", status=Status.UNREAD))
    window = make_window()
    qtbot.waitUntil(lambda: len(listed(window)) == n, timeout=WAIT_MS)
    live = feature(window, LiveFeature).live
    qtbot.waitUntil(lambda: live._stamps is not None, timeout=WAIT_MS)  # the first check
    return window


def test_a_digest_imported_from_the_cli_shows_in_the_inbox(
    qtbot: QtBot, make_window: Factory, library: Library, terminal: Shelf
) -> None:
    window = opened(qtbot, make_window, library, 2)
    window.sidebar.select_node(INBOX_ID)
    qtbot.waitUntil(lambda: listed(window) == [], timeout=WAIT_MS)
    terminal.sub("import-digest", str(SAMPLE_DIGEST))
    qtbot.waitUntil(lambda: count(window, INBOX_ID) == 33, timeout=SHOWN_WITHIN_MS)
    qtbot.waitUntil(lambda: len(listed(window)) == 33, timeout=SHOWN_WITHIN_MS)
    assert count(window, ALL_ID) == 2  # "All" is the kept papers, not the inbox


def test_a_paper_added_and_removed_from_the_cli_shows_and_goes(
    qtbot: QtBot, make_window: Factory, library: Library, terminal: Shelf
) -> None:
    window = opened(qtbot, make_window, library, 2)
    terminal.sub("add", "2301.00009")  # offline: made from its ID, the fetch queued
    qtbot.waitUntil(lambda: "2301.00009" in listed(window), timeout=SHOWN_WITHIN_MS)
    qtbot.waitUntil(lambda: count(window, ALL_ID) == 3, timeout=SHOWN_WITHIN_MS)
    terminal.sub("rm", "2301.00001")
    qtbot.waitUntil(lambda: "2301.00001" not in listed(window), timeout=SHOWN_WITHIN_MS)
    qtbot.waitUntil(lambda: count(window, ALL_ID) == 2, timeout=SHOWN_WITHIN_MS)


def test_a_paper_added_by_another_library_object_shows(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = opened(qtbot, make_window, library, 2)
    # The core API used by a script (another Library object), not the window's.
    Library.open(library.root).add(Paper(key="2301.00009", arxiv_id="2301.00009"))
    qtbot.waitUntil(lambda: "2301.00009" in listed(window), timeout=SHOWN_WITHIN_MS)


def test_a_paper_json_edited_by_hand_shows_in_the_list(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = opened(qtbot, make_window, library, 3)
    # Not the selected paper: a file nobody in the window is looking at.
    path = library.paper_dir("2301.00003") / "paper.json"
    data = json.loads(path.read_text())
    data["title"] = "Retitled by hand"
    data["status"] = "read"
    path.write_text(json.dumps(data))  # in place, as an editor without atomic saves does

    def title() -> str | None:
        summary = window.model.summary(window.model.row_of("2301.00003"))
        return None if summary is None else summary.title

    qtbot.waitUntil(lambda: title() == "Retitled by hand", timeout=SHOWN_WITHIN_MS)
    qtbot.waitUntil(lambda: count(window, "view:read") == 1, timeout=SHOWN_WITHIN_MS)


def test_papers_of_one_second_keep_their_digest_order_and_the_selection_stays(
    qtbot: QtBot, make_window: Factory, library: Library, terminal: Shelf
) -> None:
    # 12 papers of one digest, added in one second, written in another order than the
    # digest's (as a sync tool or an import of several batches leaves them).
    keys = [f"2504.{i:05d}" for i in range(1, 13)]
    for position, key in sorted(enumerate(keys, 1), key=lambda p: p[1][::-1]):
        paper = Paper(key=key, arxiv_id=key, title=f"Entry {position}", status=Status.NEW)
        paper.added = "2025-04-07T09:30:00Z"
        paper.digest_position = position
        library.add(paper)
    window = make_window()
    window.sidebar.select_node(INBOX_ID)
    qtbot.waitUntil(lambda: listed(window) == keys, timeout=WAIT_MS)
    assert window.select_key(keys[4])
    # The CLI tags a few and indexes them again: its index puts them after the others.
    terminal.sub("tag", keys[0], keys[4], keys[7], "--add", "cli")
    qtbot.waitUntil(lambda: count(window, "tag:cli") == 3, timeout=SHOWN_WITHIN_MS)
    assert listed(window) == keys
    assert window.detail.key == keys[4]
    assert window.selected_keys() == [keys[4]]
