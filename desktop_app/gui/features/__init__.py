"""The window's features, each one a module built from the small host interface
(:class:`~desktop_app.gui.features.host.Host`), listed in one table: :data:`FEATURES`.

A feature is a ``QObject`` subclass built as ``Feature(host)``: it connects its actions (from
the window's action table, by name), listens to the host's and the bridge's signals and calls
the bridge. It never imports the main window, and the window never calls it. Adding a panel is
one new module here and one line in :data:`FEATURES` (and its actions' lines in
``window/actions.py``).
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

from desktop_app.gui.features.annotations import AnnotationsFeature
from desktop_app.gui.features.feeds import FeedsFeature
from desktop_app.gui.features.fetching import FetchingFeature
from desktop_app.gui.features.fulltext import FullTextFeature
from desktop_app.gui.features.host import Host
from desktop_app.gui.features.interop import InteropFeature
from desktop_app.gui.features.kept_exports import KeptExportsFeature
from desktop_app.gui.features.live import LiveFeature
from desktop_app.gui.features.preferences import PreferencesFeature
from desktop_app.gui.features.reader import ReaderFeature
from desktop_app.gui.features.reading import ReadingFeature
from desktop_app.gui.features.trash import TrashFeature

#: Every feature of the library window, in the order they are built.
FEATURES: tuple[type[QObject], ...] = (
    ReaderFeature,  # reader tabs: open, progress, system viewer
    ReadingFeature,  # bulk tags, extract text again
    TrashFeature,  # View → Trash
    PreferencesFeature,  # Edit → Preferences, switching the library
    LiveFeature,  # changes made elsewhere, sync conflicts
    InteropFeature,  # export, import, Copy Citation, Merge Duplicates
    AnnotationsFeature,  # highlights, notes and areas in the reader; Paper → Annotate
    KeptExportsFeature,  # files kept up to date (export --keep-updated)
    FeedsFeature,  # Feeds in the sidebar, Likely to keep, the related-papers panel
    FetchingFeature,  # the offline indicator, failed fetches and Retry
    FullTextFeature,  # a new index's full text, indexed in the background
)

F = TypeVar("F", bound=QObject)


def install(host: Host) -> list[QObject]:
    """Build every feature of :data:`FEATURES` on ``host``."""
    return [feature(host) for feature in FEATURES]


def find(features: list[QObject], kind: type[F]) -> F:
    """The installed feature of this class (the app and tests reach features this way)."""
    for feature in features:
        if isinstance(feature, kind):
            return feature
    raise LookupError(f"no {kind.__name__} installed")
