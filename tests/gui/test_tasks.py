"""Background tasks: results, failures, progress and cancelling, reported in the UI thread."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.errors import InvalidValue
from desktop_app.gui.tasks import Lane, TaskControl, TaskInfo, TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


def test_a_result_arrives_in_the_ui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    got: list[tuple[Any, bool]] = []
    ui = threading.get_ident()

    def work(control: TaskControl) -> int:
        assert threading.get_ident() != ui
        return 42

    runner.submit(work, on_done=lambda r: got.append((r, threading.get_ident() == ui)))
    qtbot.waitUntil(lambda: got == [(42, True)])


class _Held:
    """Something a task's function holds (what it compares, what it read)."""


@pytest.mark.parametrize("lane", list(Lane))
def test_a_task_that_ran_holds_no_memory(qtbot: QtBot, runner: TaskRunner, lane: Lane) -> None:
    # A window runs a check for changes every second or two, each holding the stamps of
    # every paper folder: kept after they ran, they grew its memory without end.
    held: weakref.WeakSet[_Held] = weakref.WeakSet()
    done: list[object] = []

    def submit() -> None:
        data, result = _Held(), _Held()
        held.update((data, result))
        runner.submit(lambda control: (data, result)[1], lane=lane, on_done=done.append)

    for _ in range(5):
        submit()
    qtbot.waitUntil(lambda: len(done) == 5 and not runner.busy)
    done.clear()
    gc.collect()
    assert len(held) == 0


def test_a_failure_is_reported_never_raised(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[BaseException] = []

    def work(control: TaskControl) -> None:
        raise InvalidValue("rating 7 is out of range (0 to 5)")

    runner.submit(work, on_error=lambda e, tb: errors.append(e))
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert "rating 7" in str(errors[0])

    unhandled: list[str] = []
    runner.task_failed.connect(lambda what, e, tb: unhandled.append(f"{what}: {e}"))
    runner.submit(lambda c: 1 / 0, title="Dividing")
    qtbot.waitUntil(lambda: len(unhandled) == 1)
    assert unhandled[0].startswith("Dividing: division by zero")


def test_the_write_lane_runs_one_task_at_a_time_in_order(qtbot: QtBot, runner: TaskRunner) -> None:
    order: list[int] = []
    running = threading.Semaphore(1)

    def work(n: int) -> Any:
        def run(control: TaskControl) -> None:
            assert running.acquire(blocking=False), "two writes at once"
            time.sleep(0.01)
            order.append(n)
            running.release()

        return run

    for n in range(5):
        runner.submit(work(n), lane=Lane.WRITE)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]


def test_visible_tasks_report_progress_and_can_be_cancelled(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    started = threading.Event()
    progress: list[tuple[int, int]] = []
    cancelled: list[bool] = []
    runner.task_progressed.connect(lambda info: progress.append((info.done, info.total)))

    def work(control: TaskControl) -> None:
        for i in range(1, 10_000):
            control.progress(i, 10_000)
            started.set()
            time.sleep(0.001)

    infos: list[TaskInfo] = []
    runner.task_started.connect(infos.append)
    runner.submit(work, title="Long work", on_cancel=lambda: cancelled.append(True))
    assert [i.title for i in infos] == ["Long work"]
    qtbot.waitUntil(lambda: bool(progress))
    runner.cancel_all()
    qtbot.waitUntil(lambda: cancelled == [True])
    assert not runner.visible
    assert progress[-1][1] == 10_000
