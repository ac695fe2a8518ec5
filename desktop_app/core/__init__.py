"""The Qt-free core of Papershelf: papers, the library folder, search, arXiv, import/export.

Nothing in this package may import PySide6 or ``desktop_app.gui`` (a test enforces it).
"""
