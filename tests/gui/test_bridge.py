"""The bridge: the only door to background work, and what its signals report.

The first tests read the GUI's source: no module but bridge.py emits a bridge signal or
submits work to the task runner. The others drive a real bridge (a real library, index and
task runner) as the window does, and check the files and the signals.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Signal
from pytestqt.qtbot import QtBot

import desktop_app.gui
from desktop_app.core import bulk
from desktop_app.core.arxiv.fetch import FetchReport
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.search.api import FIRST_BUILD, SortOrder, SyncReport
from desktop_app.gui.bridge import Bridge, SearchRequest
from desktop_app.gui.fetch_queue import FetchQueueState, FetchStatus
from desktop_app.gui.index_follower import rebuild_note
from desktop_app.gui.tasks import Task
from desktop_app.gui.undo import UndoStack
from tests.helpers.window import WAIT_MS

GUI = Path(desktop_app.gui.__file__).parent
#: Modules allowed to submit to the task runner: the runner itself and the bridge.
DOORS = {GUI / "bridge.py", GUI / "tasks.py"}


def _bridge_signals() -> set[str]:
    return {
        name
        for klass in Bridge.__mro__
        if klass.__module__ == "desktop_app.gui.bridge"
        for name, value in vars(klass).items()
        if isinstance(value, Signal)
    }


def _names(node: ast.expr) -> list[str]:
    """``self.host.bridge`` -> ["self", "host", "bridge"]."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def _violations() -> list[str]:
    signals = _bridge_signals()
    found: list[str] = []
    for path in sorted(GUI.rglob("*.py")):
        if path == GUI / "bridge.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            where = f"{path.relative_to(GUI.parent.parent)}:{node.lineno}"
            chain = _names(node.func)
            if (
                node.func.attr == "emit"
                and len(chain) >= 3
                and chain[-2] in signals
                and "bridge" in chain[-3].lower()
            ):
                found.append(f"{where} emits the bridge's {chain[-2]}")
            if node.func.attr == "submit" and path not in DOORS:
                found.append(f"{where} submits to the task runner")
    return found


def test_only_the_bridge_emits_its_signals_and_submits_work() -> None:
    assert _bridge_signals() >= {"papers_changed", "papers_added", "error", "info"}
    assert _violations() == []


def test_the_source_check_finds_what_it_forbids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above must not pass because it looks at nothing.
    sample = tmp_path / "gui"
    sample.mkdir()
    (sample / "bad.py").write_text(
        "def f(self):\n"
        "    self.host.bridge.papers_changed.emit([])\n"
        "    self.runner.submit(lambda c: None)\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "GUI", sample)
    found = _violations()
    assert len(found) == 2
    assert "emits the bridge's papers_changed" in found[0]
    assert "submits to the task runner" in found[1]


# -- the bridge, driven --------------------------------------------------------------------------


def _on_disk(library: Library, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((library.paper_dir(key) / "paper.json").read_text())
    return data


@pytest.fixture
def papers(library: Library) -> list[str]:
    keys = []
    for n in (1, 2, 3):
        key = f"2504.{n:05d}"
        library.add(
            Paper(key=key, arxiv_id=key, title=f"Paper {n} on retrieval", status=Status.UNREAD)
        )
        keys.append(key)
    return keys


@pytest.fixture
def ready(qtbot: QtBot, papers: list[str], bridge: Bridge) -> Bridge:
    """The bridge after its start-up sync over the three papers (the index holds them)."""
    with qtbot.waitSignal(bridge.index_ready, timeout=WAIT_MS):
        bridge.sync_index()
    assert bridge.index_is_ready
    return bridge


def test_set_status_writes_the_files_and_reports_one_undo_step(
    qtbot: QtBot, ready: Bridge, library: Library, papers: list[str]
) -> None:
    with (
        qtbot.waitSignal(ready.undo_changed, timeout=WAIT_MS) as undo,
        qtbot.waitSignal(ready.papers_changed, timeout=WAIT_MS) as changed,
    ):
        ready.set_status(papers[:2], Status.READ)
    assert undo.args == ["Mark 2 papers read"]
    assert ready.undo_text == "Mark 2 papers read"
    assert sorted(changed.args[0]) == papers[:2]
    assert [_on_disk(library, k)["status"] for k in papers] == ["read", "read", "unread"]


def test_undo_takes_the_change_back_and_says_so(
    qtbot: QtBot, ready: Bridge, library: Library, papers: list[str]
) -> None:
    with qtbot.waitSignal(ready.undo_changed, timeout=WAIT_MS):
        ready.set_rating([papers[0]], 4)
    assert _on_disk(library, papers[0])["rating"] == 4
    with (
        qtbot.waitSignal(ready.undo_changed, timeout=WAIT_MS) as undo,
        qtbot.waitSignal(ready.info, timeout=WAIT_MS) as info,
    ):
        ready.undo()
    assert undo.args == [""]
    assert info.args == ["Undone: Rate 1 paper 4 stars."]
    assert _on_disk(library, papers[0]).get("rating", 0) == 0
    with qtbot.waitSignal(ready.info, timeout=WAIT_MS) as nothing:
        ready.undo()
    assert nothing.args == ["Nothing to undo."]


def test_delete_moves_to_the_trash_and_undo_restores(
    qtbot: QtBot, ready: Bridge, library: Library, papers: list[str]
) -> None:
    with (
        qtbot.waitSignal(ready.papers_removed, timeout=WAIT_MS) as removed,
        qtbot.waitSignal(ready.undo_changed, timeout=WAIT_MS) as undo,
    ):
        ready.delete([papers[1]])
    assert removed.args == [[papers[1]]]
    assert undo.args == ["Move 1 paper to the trash"]
    assert papers[1] not in set(library.keys())
    with qtbot.waitSignal(ready.papers_changed, timeout=WAIT_MS) as changed:
        ready.undo()
    assert changed.args == [[papers[1]]]
    assert papers[1] in set(library.keys())


def test_cycle_status_goes_unread_reading_read(
    qtbot: QtBot, ready: Bridge, library: Library, papers: list[str]
) -> None:
    for expected in ("reading", "read", "unread"):
        with qtbot.waitSignal(ready.papers_changed, timeout=WAIT_MS):
            ready.cycle_status([papers[0]])
        assert _on_disk(library, papers[0])["status"] == expected


def test_search_answers_the_latest_request_with_its_results(
    qtbot: QtBot, ready: Bridge, papers: list[str]
) -> None:
    with qtbot.waitSignal(ready.results_ready, timeout=WAIT_MS) as answer:
        request = ready.search("retrieval", SortOrder.RELEVANCE, annotate=lambda r: r.total)
    got, results, annotation = answer.args
    assert isinstance(got, SearchRequest) and got == request
    assert sorted(s.key for s in results.summaries) == papers
    assert annotation == 3


def test_a_query_that_cannot_be_read_is_a_search_failure(qtbot: QtBot, ready: Bridge) -> None:
    with qtbot.waitSignal(ready.search_failed, timeout=WAIT_MS) as failed:
        request = ready.search('title:"unclosed')
    assert failed.args[0] == request and failed.args[1]


def test_saved_searches_are_saved_and_listed(qtbot: QtBot, ready: Bridge) -> None:
    with qtbot.waitSignal(ready.saved_searches_changed, timeout=WAIT_MS) as saved:
        ready.save_search("Retrieval", "retrieval")
    assert [(s.name, s.query) for s in saved.args[0]] == [("Retrieval", "retrieval")]


def test_an_edit_made_through_the_library_reaches_the_views(
    qtbot: QtBot, ready: Bridge, library: Library, papers: list[str]
) -> None:
    with qtbot.waitSignal(ready.papers_changed, timeout=WAIT_MS) as changed:
        library.update(papers[2], lambda p: p.add_tags(["x"]))
    assert changed.args == [[papers[2]]]


def test_without_a_fetcher_nothing_is_fetched(ready: Bridge) -> None:
    ready.start_fetching()
    assert not ready.fetching


# -- the state machines taken out of the bridge --------------------------------------------------


def _record(description: str) -> bulk.UndoRecord:
    return bulk.UndoRecord(description, [])


def test_the_undo_stack_keeps_the_last_changes() -> None:
    stack = UndoStack(limit=2)
    assert stack.text == "" and stack.pop() is None
    for n in range(3):
        stack.push(_record(f"change {n}"))
    assert len(stack) == 2 and stack.text == "change 2"
    popped = stack.pop()
    assert popped is not None and popped.description == "change 2"
    assert stack.text == "change 1"


def test_a_fetch_asked_for_while_one_runs_runs_after_it() -> None:
    state = FetchQueueState()
    assert state.request()
    state.started(Task(lambda control: None))
    assert state.running and not state.request()
    assert state.finished(FetchReport()) and not state.running
    assert state.request()
    state.started(Task(lambda control: None))
    assert not state.request()
    assert not state.finished(FetchReport(stopped="arXiv cannot be reached", offline=True))


def test_offline_reads_alike_whatever_the_cause() -> None:
    by_choice = FetchStatus(offline=True, by_choice=True, waiting=3)
    network_down = FetchStatus(offline=True, by_choice=False, waiting=3)
    assert by_choice.text == network_down.text == "Offline — 3 papers wait to be fetched"
    assert FetchStatus(offline=True, waiting=1).text == "Offline — 1 paper waits to be fetched"
    assert FetchStatus().text == ""


def test_a_rebuild_is_news_unless_it_is_the_first_build() -> None:
    assert rebuild_note(SyncReport(rebuilt=True, reason=FIRST_BUILD)) is None
    report = SyncReport(rebuilt=True, reason="schema 2, now 3")
    assert rebuild_note(report) == "The search index was rebuilt (schema 2, now 3)."
    assert rebuild_note(None) is None
