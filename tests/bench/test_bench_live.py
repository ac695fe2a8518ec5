"""Benchmark: how soon a change made outside the window shows in it (issue #15: 2 s), at
10,000 papers.

Measured from the moment the other program is done (the ``papershelf`` process exited, the
hand edit written) until the window's sidebar counts show the change: a tag added by
``papershelf tag``, a tag written into a paper.json by hand (found by the stamp check, no
journal), and a 33-paper digest imported by ``papershelf import-digest``. The reference in
the same run: the time the ``papershelf tag`` process itself took (start-up included), so
the ratio says how long the window makes the user wait next to what the terminal already
made them wait. The processor time of one stamp check is given too.

Run with ``make bench BENCH_ARGS=tests/bench/test_bench_live.py``; the figures go to the
"Live updates" section of tests/bench/RESULTS.md. ``PAPERSHELF_BENCH_LIVE_PAPERS`` sets the
size of the library (default 10,000).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from pytestqt.qtbot import QtBot

from desktop_app.core import stamps
from desktop_app.core.settings import Settings
from desktop_app.gui.app import build_window
from desktop_app.gui.features.live import LiveFeature
from desktop_app.gui.tasks import TaskInfo
from desktop_app.gui.window.main_window import MainWindow
from tests.bench.genlib import generate_records
from tests.bench.results import write_section
from tests.helpers.files import ROOT, SAMPLE_DIGEST
from tests.helpers.window import feature

SECTION = "Live updates"
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_live.py"
WAIT_MS = 900_000
ROUNDS = 3
BULK = 1271  # the bulk change


def _view_count(window: MainWindow, node_id: str) -> int:
    node = window.sidebar_model.find(node_id)
    return node.count if node is not None else 0


def _tag_count(window: MainWindow, tag: str) -> int:
    node = window.sidebar_model.find(f"tag:{tag}")
    return node.count if node is not None else 0


@pytest.mark.timeout(3600)
def test_bench_live_updates(qtbot: QtBot, tmp_path: Path) -> None:
    n = int(os.environ.get("PAPERSHELF_BENCH_LIVE_PAPERS", "10000"))
    library = generate_records(tmp_path / "lib", n)
    cpu = []
    for _ in range(5):
        start = time.thread_time()
        stamps.take(library.papers_dir)
        cpu.append(time.thread_time() - start)
    window = build_window(library, Settings(offline=True))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    live = feature(window, LiveFeature).live
    qtbot.waitUntil(lambda: live._stamps is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def cli(*args: str) -> float:
        start = time.perf_counter()
        command = [sys.executable, "-m", "desktop_app", "--library", str(library.root)]
        subprocess.run([*command, "--offline", *args], env=env, check=True, capture_output=True)
        return time.perf_counter() - start

    def shown_after(done: float, ready: object) -> float:
        qtbot.waitUntil(ready, timeout=WAIT_MS)  # type: ignore[arg-type]
        return time.perf_counter() - done

    keys = library.keys()
    tag_cli, tag_shown, hand_shown = [], [], []
    for i in range(ROUNDS):
        tag = f"cli{i}"
        tag_cli.append(cli("tag", keys[100 + i], "--add", tag))
        done = time.perf_counter()
        tag_shown.append(shown_after(done, lambda t=tag: _tag_count(window, t) == 1))
        path = library.paper_dir(keys[200 + i]) / "paper.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["tags"] = [f"hand{i}"]
        path.write_text(json.dumps(data), encoding="utf-8")  # in place, as an editor
        done = time.perf_counter()
        hand_shown.append(shown_after(done, lambda t=f"hand{i}": _tag_count(window, t) == 1))
    inbox = window.sidebar_model.find("view:inbox")
    before = inbox.count if inbox is not None else 0
    cli("import-digest", str(SAMPLE_DIGEST))
    done = time.perf_counter()

    def imported() -> bool:
        node = window.sidebar_model.find("view:inbox")
        return node is not None and node.count == before + 33

    digest_shown = shown_after(done, imported)

    # A bulk change of 1,271 papers: how long after its progress bar ends the view is right.
    window.sidebar.select_node("view:all")
    qtbot.waitUntil(lambda: window.node_id == "view:all", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() > 1000 + BULK, timeout=WAIT_MS)
    bulk = window.model.keys()[1000 : 1000 + BULK]
    read_before = _view_count(window, "view:read")
    read_in_bulk = sum(1 for k in bulk if library.get(k).status.value == "read")
    model = window.model
    rows = QItemSelection(model.index(1000, 0), model.index(999 + BULK, model.columnCount() - 1))
    window.table.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.waitUntil(lambda: len(window.selected_keys()) == BULK, timeout=WAIT_MS)
    bar_ended: list[float] = []

    def ended(info: TaskInfo) -> None:
        if info.title.startswith("Mark"):
            bar_ended.append(time.perf_counter())

    window.runner.task_ended.connect(ended)
    started = time.perf_counter()
    window.action_table["mark_read"].trigger()
    qtbot.waitUntil(lambda: bool(bar_ended), timeout=WAIT_MS)
    want = read_before + BULK - read_in_bulk
    qtbot.waitUntil(lambda: _view_count(window, "view:read") == want, timeout=WAIT_MS)
    bulk_shown = time.perf_counter() - bar_ended[0]
    bulk_bar = bar_ended[0] - started
    window.close()

    def ms(values: list[float]) -> str:
        return ", ".join(f"{v * 1000:.0f}" for v in values) + " ms"

    reference = statistics.median(tag_cli)
    lines = [
        f"Command: `{COMMAND}` · {n:,} papers (records only) · {platform.python_version()} "
        f"on {platform.machine()}",
        "",
        "| shown in the window after the write is done | each round | median / reference |",
        "|---|---|---|",
        f"| `papershelf tag` (journal) | {ms(tag_shown)} | "
        f"{statistics.median(tag_shown) / reference:.2f} |",
        f"| paper.json edited by hand (stamp check) | {ms(hand_shown)} | "
        f"{statistics.median(hand_shown) / reference:.2f} |",
        f"| `papershelf import-digest` (33 papers) | {ms([digest_shown])} | "
        f"{digest_shown / reference:.2f} |",
        f"| Mark Read on {BULK:,} papers, after its progress bar ended "
        f"(the bar: {bulk_bar:.1f} s) | {ms([bulk_shown])} | {bulk_shown / reference:.2f} |",
        "",
        f"Reference: the `papershelf tag` process itself, median {reference * 1000:.0f} ms. "
        f"One stamp check of {n:,} folders: {statistics.median(cpu) * 1000:.0f} ms of "
        f"processor time (the window runs it every "
        f"{live._next_check.interval() / 1000:.1f} s).",
    ]
    write_section(SECTION, lines)
    print("\n".join(lines), flush=True)
