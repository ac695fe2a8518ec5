"""The window on its screen: never larger than the screen's free area, never off it.

A saved geometry (or the first start's 1280×800) can be larger than the screen the window
opens on: another monitor, a laptop screen, or the same screen at a larger scale (with
``QT_SCALE_FACTOR=2`` a 1600×1000 screen is 800×500 to Qt, and the window opened at
2560×1600 pixels). :func:`fit_to_screen` shrinks and moves it into the screen's available
area, frame included, as Zotero and JabRef do on a smaller display.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget) -> None:
    """Shrink ``window`` to its screen's available area and move it fully onto it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    # The frame's width and height beyond the window's own (zero before it is first shown).
    extra_w = frame.width() - window.width()
    extra_h = frame.height() - window.height()
    width = min(window.width(), available.width() - extra_w)
    height = min(window.height(), available.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, 1), max(height, 1))
    # move() places the frame's top-left corner.
    right = available.right() + 1 - window.width() - extra_w
    bottom = available.bottom() + 1 - window.height() - extra_h
    x = max(available.left(), min(frame.x(), right))
    y = max(available.top(), min(frame.y(), bottom))
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
