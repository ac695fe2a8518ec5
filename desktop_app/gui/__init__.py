"""The PySide6 desktop app: windows, Qt models over the core, background workers."""

from desktop_app.gui import pyside_fixes

pyside_fixes.apply()
