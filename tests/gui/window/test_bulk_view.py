"""A bulk change shows as it is written: the list, the counts and the detail pane are right
when its progress bar ends (issue #15, item 6)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.gui.tasks import TaskInfo
from tests.helpers.window import WAIT_MS, Factory

PAPERS = 300  # more than one batch of bulk.WRITTEN_EVERY


def test_the_view_is_right_when_the_progress_bar_of_a_bulk_change_ends(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    with library.batch():
        for i in range(1, PAPERS + 1):
            key = f"2301.{i:05d}"
            library.add(Paper(key=key, arxiv_id=key, title=f"Paper {i}", status=Status.UNREAD))
    window = make_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == PAPERS, timeout=WAIT_MS)
    window.table.selectAll()
    qtbot.waitUntil(lambda: len(window.selected_keys()) == PAPERS)

    shown_as_written: set[str] = set()  # papers the views were told of before the bar ended
    read_when_the_bar_ended: list[int] = []

    def changed(keys: list[str]) -> None:
        if not read_when_the_bar_ended:
            shown_as_written.update(keys)

    def ended(info: TaskInfo) -> None:
        if info.title.startswith("Mark"):
            # What the list shows from here on, as the index holds it at this moment.
            read_when_the_bar_ended.append(window.bridge.index.search("status:read").total)

    window.bridge.papers_changed.connect(changed)
    window.runner.task_ended.connect(ended)
    window.action_table["mark_read"].trigger()
    qtbot.waitUntil(lambda: bool(read_when_the_bar_ended), timeout=WAIT_MS)
    assert read_when_the_bar_ended == [PAPERS]
    assert len(shown_as_written) == PAPERS
    qtbot.waitUntil(
        lambda: window.sidebar_model.find("view:read").count == PAPERS,  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )
    assert {window.model.summary(r).status for r in range(PAPERS)} == {"read"}  # type: ignore[union-attr]
    assert window.detail.key is not None
    assert library.get(window.detail.key).status is Status.READ
