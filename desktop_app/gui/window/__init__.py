"""The main window as a shell: it composes the widgets, the action table and the paper list.

The window holds no features of its own: those in :mod:`desktop_app.gui.features` are built
by the composition root (``gui/app.py``) from the window's host interface.
"""
