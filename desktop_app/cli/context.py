"""What a command works on: the library, the settings and the search index, each opened lazily.

This is the command line's composition root: with ``gui/app.py`` the only module that
imports the Whoosh engine (``desktop_app.core.search.whoosh``); every command sees the
index through the engine-neutral :class:`~desktop_app.core.search.api.SearchIndex`.
Also here: the exit statuses and the type of a command's handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli.output import ProgressLine
from desktop_app.core import paths
from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.settings import Settings

if TYPE_CHECKING:
    from desktop_app.core.search.api import SearchIndex
    from desktop_app.core.search.whoosh.index import WhooshIndex

EXIT_OK = 0
EXIT_USER_ERROR = 1  # one line on stderr says what was wrong
EXIT_USAGE = 2  # argparse's status for bad usage


class Context:
    """What a command works on, built lazily from the global options."""

    def __init__(self, library_arg: Path | None) -> None:
        self.library_arg = library_arg
        #: The command changed papers (the kept exports are brought up to date after it).
        self.changed_papers = False

    @cached_property
    def library_path(self) -> Path:
        """--library, else ``paths.default_library`` (the environment, the settings, Documents)."""
        if self.library_arg is not None:
            return self.library_arg
        return paths.default_library(self._loaded_settings[0].library_path)

    @cached_property
    def library(self) -> Library:
        library = Library.open(self.library_path)
        # Every change a command makes goes to the search index at once.
        library.observers.append(_IndexObserver(self))
        return library

    @property
    def index(self) -> SearchIndex:
        """The library's search index (opened on first use, built when missing)."""
        return self._engine

    @cached_property
    def _engine(self) -> WhooshIndex:
        # Imported here: the engine alone takes ~0.1 s to load, and most commands never search.
        from desktop_app.core.search.whoosh.index import WhooshIndex

        return WhooshIndex(self.library, observe=False)

    def close(self) -> None:
        if "_engine" in self.__dict__:
            self._engine.close()

    @cached_property
    def _loaded_settings(self) -> tuple[Settings, list[str]]:
        return Settings.load()  # read once, whether for the library's path or a command

    @cached_property
    def settings(self) -> Settings:
        """The user's settings; what could not be used is said on stderr."""
        settings, notices = self._loaded_settings
        for notice in notices:
            print(f"papershelf: warning: {notice}", file=sys.stderr)
        return settings


class _IndexObserver:
    """Hands the library's changes to the context's search index, opening it on first use,
    and notes that the command changed papers.

    The index skips a change when no index is built yet: the next search builds it, change
    included.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def paper_changed(self, library: Library, key: str) -> None:
        self.ctx.changed_papers = True
        self.ctx._engine.paper_changed(library, key)

    def paper_removed(self, library: Library, key: str) -> None:
        self.ctx.changed_papers = True
        self.ctx._engine.paper_removed(library, key)

    def papers_changed(self, library: Library, changed: list[str], removed: list[str]) -> None:
        self.ctx.changed_papers = True
        self.ctx._engine.papers_changed(library, changed, removed)


#: A command's handler: runs the command and returns the exit status.
Command = Callable[[Context, argparse.Namespace], int]


def synced_index(ctx: Context) -> SearchIndex:
    """The index, in step with the library folder (built, with progress, when missing)."""
    with ProgressLine("indexing") as show:
        report = ctx.index.sync(show)
    if report.rebuilt_for_a_reason:
        print(f"papershelf: the search index was rebuilt ({report.reason})", file=sys.stderr)
    return ctx.index


def for_each(refs: Sequence[str], action: Callable[[str], None]) -> int:
    """Run ``action`` on each reference; a failing one is reported and the rest go on."""
    status = EXIT_OK
    for ref in refs:
        try:
            action(ref)
        except PapershelfError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            status = EXIT_USER_ERROR
    return status
