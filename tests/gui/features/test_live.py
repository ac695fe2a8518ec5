"""Live updates: changes made by other programs trigger a re-scan; conflict copies are found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features import live
from desktop_app.gui.features.live import LiveUpdates, report_changed
from desktop_app.gui.tasks import TaskControl

KEY = "2301.00001"


@pytest.fixture
def watched(
    qtbot: QtBot, library: Library, bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveUpdates, list[str]]]:
    monkeypatch.setattr(live, "DEBOUNCE_MS", 20)
    library.add(Paper(key=KEY, arxiv_id=KEY, title="Watched"))
    calls: list[str] = []

    def sync(control: TaskControl) -> SimpleNamespace:
        calls.append("sync")
        return SimpleNamespace(added=0, updated=1, removed=0, rebuilt=False)

    updates = LiveUpdates(library, bridge, sync)
    yield updates, calls
    updates.stop()


def test_edit_by_another_program_is_followed(
    qtbot: QtBot, library: Library, bridge: Bridge, watched: tuple[LiveUpdates, list[str]]
) -> None:
    updates, _ = watched
    updates.watch_papers([KEY])
    assert updates.watched_papers == {KEY}
    other = Library.open(library.root)  # as the CLI would
    qtbot.waitUntil(lambda: not bridge.runner.busy)
    changed: list[str] = []
    bridge.papers_changed.connect(changed.extend)
    other.set_status(KEY, "read")
    qtbot.waitUntil(lambda: KEY in changed, timeout=5000)


def test_new_paper_folder_is_followed(
    qtbot: QtBot, library: Library, bridge: Bridge, watched: tuple[LiveUpdates, list[str]]
) -> None:
    updates, _ = watched
    qtbot.waitUntil(lambda: updates._stamps is not None)  # the first stamps are taken
    changed: list[str] = []
    bridge.papers_changed.connect(changed.extend)
    # Another Library object in this process, as a script using the core API would.
    Library.open(library.root).add(Paper(key="2301.00002", arxiv_id="2301.00002"))
    qtbot.waitUntil(lambda: "2301.00002" in changed, timeout=5000)


def test_a_hand_edit_nobody_announced_is_found_by_the_stamp_check(
    qtbot: QtBot, library: Library, bridge: Bridge, watched: tuple[LiveUpdates, list[str]]
) -> None:
    updates, _ = watched
    qtbot.waitUntil(lambda: updates._stamps is not None)  # the first stamps are taken
    qtbot.waitUntil(lambda: not bridge.runner.busy)
    changed: list[str] = []
    bridge.papers_changed.connect(changed.extend)
    path = library.paper_dir(KEY) / "paper.json"
    path.write_text(path.read_text().replace("Watched", "Edited"))
    qtbot.waitUntil(lambda: KEY in changed, timeout=5000)


def test_the_check_costs_a_few_per_cent_of_a_core() -> None:
    assert live.check_interval_ms(0.001) == live.MIN_CHECK_MS
    assert live.check_interval_ms(0.06) == 1200  # 10,000 papers here
    assert live.check_interval_ms(5.0) == live.MAX_CHECK_MS


def test_focus_triggers_a_scan_not_too_often(
    qtbot: QtBot, watched: tuple[LiveUpdates, list[str]]
) -> None:
    updates, calls = watched
    updates._state_changed(Qt.ApplicationState.ApplicationActive)
    updates._state_changed(Qt.ApplicationState.ApplicationActive)
    qtbot.waitUntil(lambda: len(calls) == 1)
    qtbot.wait(100)
    assert len(calls) == 1


def test_conflict_copies_are_reported_once_and_merged(
    qtbot: QtBot, library: Library, watched: tuple[LiveUpdates, list[str]]
) -> None:
    updates, _ = watched
    copy = Paper(key=KEY, arxiv_id=KEY, title="Watched", tags=["from-laptop"])
    name = "paper.sync-conflict-20250407-093000-LAPTOP1.json"
    (library.paper_dir(KEY) / name).write_text(json.dumps(copy.to_dict()))
    with qtbot.waitSignal(updates.conflicts_found, timeout=5000) as found:
        updates.scan_now()
    assert [c.name for c in found.args[0]] == [name]

    seen: list[object] = []
    updates.conflicts_found.connect(seen.append)
    updates.scan_now()
    qtbot.waitUntil(lambda: not updates._running)
    assert seen == []  # already reported

    with qtbot.waitSignal(updates.conflicts_merged, timeout=5000) as merged:
        updates.merge_conflicts()
    assert merged.args[0][0].key == KEY
    assert library.get(KEY).tags == ["from-laptop"]


def test_report_changed() -> None:
    assert not report_changed(None)
    assert not report_changed(SimpleNamespace(added=0, updated=0, removed=0, rebuilt=False))
    assert report_changed(SimpleNamespace(added=0, updated=0, removed=2, rebuilt=False))


def test_annotation_conflict_copies_are_merged_live(
    qtbot: QtBot, library: Library, watched: tuple[LiveUpdates, list[str]]
) -> None:
    from desktop_app.core.annotations import store
    from desktop_app.core.annotations.model import Annotation, AnnotationFile, Kind

    updates, _ = watched
    here = Annotation.new(Kind.NOTE, 1, comment="made here", rect=(1, 1, 2, 2))
    there = Annotation.new(Kind.NOTE, 2, comment="made on the laptop", rect=(1, 1, 2, 2))
    store.add(library, KEY, here)
    name = "annotations.sync-conflict-20250407-093000-LAPTOP1.json"
    copy = AnnotationFile([here.tombstone(), there])  # deleted there after syncing, and one new
    (library.paper_dir(KEY) / name).write_text(json.dumps(copy.to_dict()))
    with qtbot.waitSignal(updates.conflicts_found, timeout=5000) as found:
        updates.scan_now()
    assert [c.name for c in found.args[0]] == [name]
    with qtbot.waitSignal(updates.conflicts_merged, timeout=5000):
        updates.merge_conflicts()
    assert [a.comment for a in store.live(library, KEY)] == ["made on the laptop"]
