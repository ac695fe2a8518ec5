"""The composition root of the desktop app: builds everything once and passes it in.

:func:`run_app` (what ``papershelf`` without a command calls) sets up logging (Qt's own
messages included) under the platformdirs log folder, the QApplication, an excepthook that
logs an unexpected exception and shows it in a dialog instead of dying, then
:func:`build_window`: settings, library, search index, arXiv client, fetcher, task runner,
bridge, the main window and its features (``gui/features``: built from the window's host),
wired together here and nowhere else (no globals).
"""

from __future__ import annotations

import gc
import linecache
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app import APP_ID, APP_NAME, __version__
from desktop_app.core import paths
from desktop_app.core.arxiv.api import ArxivClient
from desktop_app.core.arxiv.fetch import Fetcher
from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.search.api import SearchIndex
from desktop_app.core.search.whoosh.index import WhooshIndex
from desktop_app.core.settings import Appearance, Settings
from desktop_app.core.words import collate_by_user_locale
from desktop_app.gui import icons
from desktop_app.gui.bridge import Bridge
from desktop_app.gui.features import find, install
from desktop_app.gui.features.preferences import PreferencesFeature
from desktop_app.gui.platform_check import missing_platform_libraries
from desktop_app.gui.tasks import TaskRunner
from desktop_app.gui.theme import apply_appearance
from desktop_app.gui.window.main_window import MainWindow

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

LOG_FILE = paths.LOG_FILE
GIL_SWITCH_INTERVAL_S = 0.0001
STATE_FILE = "window-state.ini"
#: Set to a number of milliseconds, the app closes its window that long after showing it
#: and exits (status 0): the smoke test of the frozen app (``make package-test``) and the
#: start-up timing in packaging/README.md use it; an empty value means 0.
ENV_QUIT_AFTER_START = "PAPERSHELF_QUIT_AFTER_START"

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def setup_logging() -> Path:
    """Log to ``<log dir>/papershelf.log`` (rotated), Qt's messages included; returns it."""
    folder = paths.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        # The file gets INFO; the terminal keeps the level it had (-v or warnings only).
        for existing in root.handlers:
            if existing.level == logging.NOTSET:
                existing.setLevel(root.level or logging.WARNING)
        root.setLevel(logging.INFO)
    root.addHandler(handler)
    qInstallMessageHandler(_qt_message)
    return path


def _qt_message(mode: QtMsgType, context: object, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s", message)


class ExceptHook:
    """Logs an unexpected exception and shows it in a dialog; the app keeps running."""

    def __init__(self) -> None:
        self.window: QWidget | None = None
        self._showing = False

    def __call__(
        self,
        kind: type[BaseException],
        error: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        text = "".join(traceback.format_exception(kind, error, tb))
        log.critical("unexpected error:\n%s", text)
        if self._showing or QApplication.instance() is None:
            return
        if threading.current_thread() is not threading.main_thread():
            return  # widgets belong to the UI thread (a dialog made here hangs the app)
        self._showing = True
        try:
            box = QMessageBox(self.window)
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle(f"{APP_NAME}: unexpected error")
            box.setText(
                "Something went wrong inside Papershelf. Your library is safe; "
                "the last action may not have completed."
            )
            box.setInformativeText(f"{kind.__name__}: {error}")
            box.setDetailedText(text)
            box.exec()
        finally:
            self._showing = False


def window_state() -> QSettings:
    """Window geometry, splitters and columns: an INI file in the state folder (moved
    there from the config folder, where older versions kept it)."""
    path = paths.state_file(STATE_FILE, formerly_in=paths.config_dir())
    return QSettings(str(path), QSettings.Format.IniFormat)


def build_window(
    library: Library,
    settings: Settings,
    *,
    state: QSettings | None = None,
    index: SearchIndex | None = None,
    fetcher: Fetcher | None = None,
    fetch: bool = True,
) -> MainWindow:
    """Wire the library window together (tests call this with their own parts)."""
    # Workers run Python too: the UI thread waits for the GIL up to the switch interval
    # (5 ms by default) at each call from Qt into Python, hundreds of them per repaint.
    # At 0.1 ms the longest stall while a digest is imported is 7-18 ms (at 0.5 ms: 31-77
    # ms), the import no slower (tests/bench/test_bench_gui.py, issue #5's 50 ms).
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
    runner = TaskRunner()
    if index is None:
        index = WhooshIndex(library, observe=False, texts_in_background=True)
    if fetcher is None and fetch:
        fetcher = Fetcher(library, ArxivClient(settings), settings)
    bridge = Bridge(library, index, runner, settings=settings, fetcher=fetcher)
    window = MainWindow(library, bridge, runner, settings, state or window_state())
    window.host.features = install(window.host)
    runner.setParent(window)
    bridge.setParent(window)
    window.closed.connect(bridge.close)
    window.closed.connect(bridge.start_up.stop)  # what waits for it to settle never starts
    window.closed.connect(index.close)
    bridge.start_up.settled.connect(bridge.start_fetching)  # what waited in the queue
    _settle_memory(window, bridge)
    bridge.sync_index()
    return window


def _settle_memory(window: MainWindow, bridge: Bridge) -> None:
    """Once the window is built: drop the module sources PySide6 read, and leave the objects
    made so far (modules, widgets, actions, features: ~100,000, there as long as the window)
    out of the garbage collector's full passes, until the window closes.

    - PySide6 reads the source of every module imported after it into ``linecache`` (to see
      whether it uses PySide, ``shibokensupport.feature``): ~175,000 lines, 19 MB, kept only
      for tracebacks, which read again what they need.
    - A full pass of the collector walks every object it tracks, in whichever thread starts
      it: with 10,000 papers one took 270-720 ms of the UI thread on the shared 2-core
      machine (the window's longest stalls: switching views, a first build's full text);
      with these left out, ~25 ms. Frozen once per window, not at each reload of the records
      as before: what is frozen is never collected (a searcher frozen at each reload stayed
      for good, ``opened.entries_of``), and a closed window unfreezes it all.
    - Once more when the window has settled (:attr:`StartUp.settled`), without a pass:
      what the start-up made, the papers' records and the list's rows, is left out too. On
      a first open without an index the records come after the window: the full passes
      that the text phase's commits set off walked them, 43 of over 20 ms in one first
      open at 10,000 papers, up to 165 ms of the UI thread each.
    """
    linecache.clearcache()
    gc.collect()
    gc.freeze()
    window.closed.connect(gc.unfreeze)
    bridge.start_up.settled.connect(gc.freeze)  # (never once closed: StartUp.stop)


def _offer_library_switch(window: MainWindow, settings: Settings, hook: ExceptHook) -> None:
    """Preferences → another library: a window opens on it and this one closes."""

    def switch(root: Path) -> None:
        try:
            library = Library.open(root)
        except PapershelfError as e:
            window.show_error(f"Cannot open the library {root}: {e}")
            return
        new = build_window(library, settings)
        _offer_library_switch(new, settings, hook)
        hook.window = new
        new.show()
        window.close()

    window.host.library_switch_requested.connect(switch)
    window.host.can_switch_library = True


def run_app(library_path: Path) -> int:
    """Open the library window on ``library_path``; returns the exit status."""
    log_path = setup_logging()
    if QApplication.instance() is None and (problem := missing_platform_libraries()):
        # Qt would abort with a message that names the wrong library (issue #15). One line
        # on the terminal (the terminal's log handler shows warnings: info goes to the file).
        log.info("%s", problem)
        print(f"papershelf: error: {problem}", file=sys.stderr)
        return 1
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        QGuiApplication.highDpiScaleFactorRoundingPolicy().PassThrough
    )
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    collate_by_user_locale()  # the index sorts titles as the list's QCollator does
    app.setWindowIcon(icons.app_icon())
    hook = ExceptHook()
    sys.excepthook = hook
    log.info("Papershelf %s on %s (log: %s)", __version__, library_path, log_path)

    settings, notices = Settings.load()
    if settings.appearance != Appearance.SYSTEM.value:
        apply_appearance(app, settings.appearance)
    try:
        library = Library.open(library_path)
    except PapershelfError as e:
        QMessageBox.critical(None, f"{APP_NAME}: cannot open the library", str(e))
        return 1
    window = build_window(library, settings)
    _offer_library_switch(window, settings, hook)
    find(window.host.features, PreferencesFeature).settings_notices = list(notices)
    hook.window = window
    for notice in notices:
        window.show_info(notice)
    window.show()
    if (delay := os.environ.get(ENV_QUIT_AFTER_START)) is not None:
        QTimer.singleShot(int(delay) if delay.isdigit() else 0, window.close)
    return int(app.exec())
