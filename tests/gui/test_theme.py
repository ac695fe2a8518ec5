"""Light and dark: the chosen status button stands out in both palettes, and the Appearance
setting (System / Light / Dark) switches the app's colours."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.gui.features.preferences import PreferencesFeature
from desktop_app.gui.theme import apply_appearance, contrast, dark_palette, light_palette
from desktop_app.gui.widgets.detail import StatusSwitch
from tests.helpers.window import Factory, feature


@pytest.fixture
def app_palette() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = QPalette(app.palette())
    scheme = app.styleHints().colorScheme()
    yield
    app.setPalette(before)
    app.styleHints().setColorScheme(scheme)


def _background(widget: object) -> QColor:
    """The colour most of a button is painted in."""
    image = widget.grab().toImage()  # type: ignore[attr-defined]
    counts = Counter(image.pixel(x, y) for x in range(image.width()) for y in range(image.height()))
    return QColor.fromRgb(counts.most_common(1)[0][0])


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_chosen_status_stands_out(qtbot: QtBot, app_palette: None, dark: bool) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(dark_palette() if dark else light_palette())
    switch = StatusSwitch()
    qtbot.addWidget(switch)
    switch.restyle()
    switch.set_status("reading")
    switch.resize(400, 40)
    switch.show()
    qtbot.waitExposed(switch)
    chosen = _background(switch.buttons["reading"])
    for other in ("unread", "read"):
        ratio = contrast(chosen, _background(switch.buttons[other]))
        assert ratio >= 3.0, f"{other}: {ratio:.2f}"


def test_appearance_setting_switches_the_palette(app_palette: None) -> None:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    apply_appearance(app, "dark")
    window = app.palette().color(QPalette.ColorRole.Window)
    assert window.lightness() < 80
    apply_appearance(app, "light")
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    apply_appearance(app, "system")  # the platform's own palette again


def test_preferences_force_dark_then_follow_the_system(
    make_window: Factory, app_palette: None, qtbot: QtBot
) -> None:
    window = make_window()
    preferences = feature(window, PreferencesFeature)
    dialog = preferences.show_preferences()
    dialog.appearance.setCurrentIndex(dialog.appearance.findData("dark"))
    dialog.accept()
    assert window.settings.appearance == "dark"
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() < 80)
    # The chosen status button is restyled in the dark palette's highlight.
    highlight = dark_palette().color(QPalette.ColorRole.Highlight).name()
    qtbot.waitUntil(lambda: highlight in window.detail.status.styleSheet())
    dialog = preferences.show_preferences()
    assert dialog.appearance.currentData() == "dark"
    dialog.appearance.setCurrentIndex(dialog.appearance.findData("system"))
    dialog.accept()
    assert window.settings.appearance == "system"
