"""A new panel is one module built from the host and one line in FEATURES (issue #13).

The feature here stands for a "Related papers" panel: it lives only in this test, is added to
:data:`desktop_app.gui.features.FEATURES` as the one line a real one would add, and sees the
window only through :class:`~desktop_app.gui.features.host.Host`.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMenu
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.gui import features
from desktop_app.gui.features.host import Host
from tests.helpers.window import WAIT_MS, Factory, feature


class TitleWordsFeature(QObject):
    """A panel that shows the words of the current paper's title."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.label = QLabel("Nothing selected")
        self.panel = host.add_panel("title-words", "Title Words", self.label)
        host.current_changed.connect(self._show)

    def _show(self) -> None:
        keys = self.host.selected_keys()
        summary = self.host.summary(keys[0]) if keys else None
        self.label.setText(" ".join(sorted(summary.title.lower().split())) if summary else "")


@pytest.fixture
def with_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "FEATURES", (*features.FEATURES, TitleWordsFeature))


def _view_menu_action(window: object, text: str) -> object:
    menus = [a.menu() for a in window.menuBar().actions()]  # type: ignore[attr-defined]
    (view,) = [m for m in menus if isinstance(m, QMenu) and m.title() == "&View"]
    matches = [a for a in view.actions() if a.text() == text]
    assert len(matches) == 1, [a.text() for a in view.actions()]
    return matches[0]


@pytest.mark.usefixtures("with_panel")
def test_a_panel_added_by_one_line_in_features_follows_the_selection(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    library.add(Paper(key="2504.00001", arxiv_id="2504.00001", title="Dense Retrieval Revisited"))
    window = make_window()
    panel = feature(window, TitleWordsFeature)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    assert panel.panel.isVisible() and panel.label.isVisible()
    assert window.select_key("2504.00001")
    qtbot.waitUntil(lambda: panel.label.text() == "dense retrieval revisited", timeout=WAIT_MS)


@pytest.mark.usefixtures("with_panel")
def test_a_panel_is_shown_and_hidden_from_the_view_menu_and_remembered(
    qtbot: QtBot, make_window: Factory
) -> None:
    window = make_window()
    panel = feature(window, TitleWordsFeature)
    toggle = _view_menu_action(window, "Title Words")
    assert toggle.isChecked()  # type: ignore[attr-defined]
    toggle.trigger()  # type: ignore[attr-defined]
    assert not panel.panel.isVisible()
    window.close()
    again = make_window()
    assert not feature(again, TitleWordsFeature).panel.isVisible()
    assert not _view_menu_action(again, "Title Words").isChecked()  # type: ignore[attr-defined]
