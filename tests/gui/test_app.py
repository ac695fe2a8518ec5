"""The composition root: `papershelf` opens the window; errors are logged and shown."""

from __future__ import annotations

import gc
import linecache
import logging
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QtMsgType
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.gui import app as app_module
from desktop_app.gui.app import ExceptHook
from tests.helpers.indexing import add_paper
from tests.helpers.window import WAIT_MS, Factory


def test_papershelf_without_a_command_opens_the_window_and_logs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        app_module.ENV_QUIT_AFTER_START: "200",
    }
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--library", str(tmp_path / "My papers")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    log = (Path(os.environ["PAPERSHELF_LOG_DIR"]) / app_module.LOG_FILE).read_text()
    assert "Papershelf" in log and "My papers" in log
    assert "Traceback" not in result.stderr
    assert (tmp_path / "My papers" / "library.json").exists()


def test_an_unexpected_exception_is_logged_and_shown_not_fatal(
    qapp: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda self: shown.append((self.text(), self.detailedText())) or 0
    )
    hook = ExceptHook()
    try:
        raise RuntimeError("the gremlin")
    except RuntimeError as e:
        with caplog.at_level(logging.CRITICAL):
            hook(type(e), e, e.__traceback__)
    assert "the gremlin" in caplog.text
    assert len(shown) == 1
    assert "Your library is safe" in shown[0][0]
    assert "RuntimeError: the gremlin" in shown[0][1]


def test_qt_messages_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="qt"):
        app_module._qt_message(QtMsgType.QtWarningMsg, None, "QPainter::begin: not active")
    assert ("qt", logging.WARNING, "QPainter::begin: not active") in caplog.record_tuples


def test_the_window_state_moves_from_the_config_folder_once() -> None:
    """Older versions kept window-state.ini in the config folder; it is state, not settings."""
    from desktop_app.core import paths

    old = paths.config_dir() / app_module.STATE_FILE
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text("[window]\nversion=7\n", encoding="utf-8")
    state = app_module.window_state()
    assert state.value("window/version") in ("7", 7)
    assert not old.exists()
    assert (paths.state_dir() / app_module.STATE_FILE).is_file()


def test_the_first_start_of_the_app_creates_the_default_library(tmp_path: Path) -> None:
    """The command line no longer creates a library for a reading command; the app's
    first start still creates ~/Documents/Papershelf (as Zotero creates its data folder)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "QT_QPA_PLATFORM": "offscreen",
        app_module.ENV_QUIT_AFTER_START: "200",
    }
    env.pop("PAPERSHELF_LIBRARY", None)
    env.pop("XDG_DOCUMENTS_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (home / "Documents" / "Papershelf" / "library.json").is_file()


class _Cycle:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_the_window_keeps_no_module_sources_and_its_own_objects_are_not_walked(
    make_window: Factory,
) -> None:
    # A full pass over every object took the UI thread 270-720 ms at 10,000 papers: the
    # ~100,000 the window made at start-up and keeps (modules, widgets, actions) are left
    # out of it while the window is open; what is made later is collected as usual.
    window = make_window()
    assert gc.get_freeze_count() > 10_000
    # PySide6 had read the source of every module imported after it (19 MB): dropped.
    assert sum(len(entry[2]) for entry in linecache.cache.values() if len(entry) == 4) < 20_000
    later = _Cycle()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None
    window.close()
    assert gc.get_freeze_count() == 0  # a closed window leaves nothing frozen


def test_what_the_start_up_made_is_left_out_of_full_passes_once_the_window_has_settled(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    # On a first open the papers' records and the list's rows come after the window: the
    # full passes that the full text's commits set off walked them (up to 165 ms of the UI
    # thread each at 10,000 papers). Once the window has settled they are left out too.
    for i in range(3):
        add_paper(library, f"2504.0000{i}", title=f"Paper {i}")
    window = make_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.bridge.start_up.starting, timeout=WAIT_MS)  # settled
    rows = window.model._rows  # (the list of the rows shown, made after the window)
    assert id(rows) not in {id(o) for o in gc.get_objects()}  # not walked by a full pass
    later = _Cycle()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None  # what is made later is collected as usual
    window.close()
    assert gc.get_freeze_count() == 0
