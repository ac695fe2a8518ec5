"""Work-arounds for bugs of the PySide6 release in use, applied once when the GUI is imported.

PySide6 6.12.0 under Python 3.11 releases one reference too many to ``True`` each time
``Signal.emit()`` returns, and to ``None`` each time a Python ``data()`` (or any method
returning a QVariant) returns None to Qt. Their reference counts fall with every emit and
every blank cell painted until the interpreter aborts ("Fatal Python error: bool_dealloc" or
"none_dealloc"), minutes into a session. Python 3.12 made these singletons immortal, so
there the bug is harmless; here the same is done by hand: their counts are raised so far
that no session can bring them down to zero. Nothing else changes (a count is not observable
but through ``sys.getrefcount``). ``tests/gui/test_pyside_fixes.py`` shows the bug.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: Far more releases than a process will ever make: at a million a second, 35 years.
_RESERVE = 1 << 50
_applied = False


def _affected(pyside_version: tuple[int, ...]) -> bool:
    return sys.version_info < (3, 12) and pyside_version[:2] == (6, 12)


def apply() -> bool:
    """Apply the work-around if this PySide6 and Python need it; True when applied."""
    global _applied
    if _applied:
        return True
    import PySide6

    version = tuple(int(p) for p in PySide6.__version__.split(".")[:3] if p.isdigit())
    if not _affected(version) or sys.implementation.name != "cpython":
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
    _applied = True
    log.debug("PySide6 %s: None, True and False made immortal", PySide6.__version__)
    return True
