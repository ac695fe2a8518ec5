"""The one helper that loads the SVG icons of ``resources/icons`` (via importlib.resources).

Line icons are drawn in ``currentColor``; they are recoloured to the palette's text colour, so
they stay readable in light and dark mode (call :func:`clear_cache` when the palette changes).
Coloured icons (status, PDF state, stars) keep their own colours. Every icon is rendered at
several sizes and device pixel ratios, so it is sharp on high-DPI screens.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

log = logging.getLogger(__name__)

#: Rendered sizes; Qt scales the nearest larger one for any other size asked for.
_SIZES = (16, 24, 32, 48)
_icon_cache: dict[tuple[str, str, str], QIcon] = {}
#: By name and colour asked for, valid until the palette changes (list cells ask often).
_fast_cache: dict[tuple[str, str | None], QIcon] = {}


@cache
def _svg_text(name: str) -> str:
    """The SVG text of ``icons/<name>.svg`` (or ``<name>.svg`` when name starts with ``/``)."""
    parts = (f"{name[1:]}.svg",) if name.startswith("/") else ("icons", f"{name}.svg")
    try:
        return resources.files("desktop_app.resources").joinpath(*parts).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        log.error("icon %r is missing from resources/", "/".join(parts))
        return ""


def _text_colour(disabled: bool = False) -> QColor:
    palette = QGuiApplication.palette()
    group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
    return palette.color(group, QPalette.ColorRole.WindowText)


def _render(renderer: QSvgRenderer, size: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, colour: QColor | str | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg``; ``colour`` overrides the palette's text colour."""
    fast_key = (name, QColor(colour).name() if colour is not None else None)
    if (found := _fast_cache.get(fast_key)) is not None:
        return found
    svg = _svg_text(name)
    if not svg:
        return QIcon()
    tinted = "currentColor" in svg
    normal = QColor(colour) if colour is not None else _text_colour()
    key = (name, normal.name() if tinted else "", _text_colour(True).name() if tinted else "")
    if key in _icon_cache:
        return _icon_cache[key]
    result = QIcon()
    app = QGuiApplication.instance()
    ratios = {1.0}
    if isinstance(app, QGuiApplication):  # each screen's scale: sharp on high-DPI screens
        ratios |= {float(s.devicePixelRatio()) for s in QGuiApplication.screens()}
    for mode, col in ((QIcon.Mode.Normal, normal), (QIcon.Mode.Disabled, _text_colour(True))):
        text = svg.replace("currentColor", col.name()) if tinted else svg
        renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))  # parsed once per colour
        for size in _SIZES:
            for ratio in sorted(ratios):
                result.addPixmap(_render(renderer, size, ratio), mode)
        if not tinted:
            break  # Qt greys coloured icons out by itself
    _icon_cache[key] = result
    _fast_cache[fast_key] = result
    return result


def pixmap(name: str, size: int, ratio: float = 1.0) -> QPixmap:
    """One rendering of an icon (for labels), at ``size`` logical pixels."""
    return icon(name).pixmap(QSize(size, size), ratio)


def clear_cache() -> None:
    """Forget rendered icons (after a palette change, so tinted icons follow it)."""
    _icon_cache.clear()
    _fast_cache.clear()


def app_icon() -> QIcon:
    """The app's icon (``resources/papershelf.svg``)."""
    return icon("/papershelf")
