"""Light or dark: the app's palettes, the Appearance setting (System / Light / Dark), and
the colours of the detail pane's status switch.

"System" follows the desktop's colour scheme (Qt's style hints and the platform's palette);
"Light" and "Dark" force the app's own palettes, for desktops that do not tell (a bare X
session, some tiling window managers) or for a user who wants the other one. The status
switch's chosen button is drawn in the palette's highlight colour: in both palettes its
background has at least 3:1 contrast with the other buttons' (WCAG's ratio for the parts of
a control; tests/gui/test_theme.py measures it on the rendered buttons).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.core.settings import Appearance

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2e",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f22",
    QPalette.ColorRole.AlternateBase: "#27272a",
    QPalette.ColorRole.ToolTipBase: "#2b2b2e",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#9a9aa0",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#333337",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#47474c",
    QPalette.ColorRole.Midlight: "#3c3c41",
    QPalette.ColorRole.Mid: "#2f2f33",
    QPalette.ColorRole.Dark: "#1a1a1c",
    QPalette.ColorRole.Shadow: "#000000",
    # Light enough to stand out from the buttons (3:1), dark enough for white text.
    QPalette.ColorRole.Highlight: "#3d7fe0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7fb3ff",
    QPalette.ColorRole.LinkVisited: "#b99cff",
}


def dark_palette() -> QPalette:
    """A dark palette like the desktops' own dark themes (Fusion's dark colours)."""
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a80"))
    return palette


def light_palette() -> QPalette:
    """The style's own light palette."""
    app = QApplication.instance()
    style = app.style() if isinstance(app, QApplication) else None
    return style.standardPalette() if style is not None else QPalette()


def apply_appearance(app: QGuiApplication, appearance: str) -> None:
    """Show the app in ``appearance`` (an :class:`Appearance` value)."""
    hints = app.styleHints()
    # The style hints' colour scheme (what the style and the platform follow) is Qt 6.8's.
    scheme = hasattr(hints, "setColorScheme")
    if appearance == Appearance.DARK.value:
        if scheme:
            hints.setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())
    elif appearance == Appearance.LIGHT.value:
        if scheme:
            hints.setColorScheme(Qt.ColorScheme.Light)
        app.setPalette(light_palette())
    else:
        if scheme:
            hints.unsetColorScheme()
        app.setPalette(QPalette())  # the platform's own


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def status_switch_style(palette: QPalette) -> str:
    """The status switch's buttons: a plain segmented row, the chosen one in the highlight
    colour (Fusion's own checked button differs from the others by a shade, which in a dark
    palette cannot be told apart)."""
    button = palette.color(QPalette.ColorRole.Button)
    text = palette.color(QPalette.ColorRole.ButtonText)
    edge = QColor(text)
    edge.setAlphaF(0.35)
    border = _over(edge, button)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    chosen_text = palette.color(QPalette.ColorRole.HighlightedText)
    return (
        f"QPushButton {{ background: {button.name()}; color: {text.name()};"
        f" border: 1px solid {border.name()}; border-radius: 3px; padding: 3px 9px; }}"
        f" QPushButton:hover {{ border-color: {highlight.name()}; }}"
        f" QPushButton:checked {{ background: {highlight.name()}; color: {chosen_text.name()};"
        f" border-color: {highlight.darker(125).name()}; }}"
    )


def _over(top: QColor, bottom: QColor) -> QColor:
    """``top`` (with its alpha) drawn over ``bottom``."""
    a = top.alphaF()
    return QColor.fromRgbF(
        top.redF() * a + bottom.redF() * (1 - a),
        top.greenF() * a + bottom.greenF() * (1 - a),
        top.blueF() * a + bottom.blueF() * (1 - a),
    )
