"""What a command works on: the library, the settings and the search index, each opened lazily.

This is the command line's composition root: with ``gui/app.py`` the only module that
imports the Whoosh engine (``desktop_app.core.search.whoosh``); every command sees the
index through the engine-neutral :class:`~desktop_app.core.search.api.SearchIndex`.
Also here: the exit statuses and the type of a command's handler.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli.output import ProgressLine
from desktop_app.core import errors, paths
from desktop_app.core.errors import LibraryError, PapershelfError
from desktop_app.core.library import LIBRARY_FILE, Library
from desktop_app.core.words import collate_by_user_locale

if TYPE_CHECKING:
    from desktop_app.core.search.api import SearchIndex
    from desktop_app.core.search.whoosh.index import WhooshIndex
    from desktop_app.core.settings import Settings

EXIT_OK = 0
EXIT_USER_ERROR = 1  # one line on stderr says what was wrong
EXIT_USAGE = 2  # argparse's status for bad usage


class Context:
    """What a command works on, built lazily from the global options.

    Only a command that brings papers in (``creates``: ``add``, the imports, ``init``)
    creates a missing library, saying so in one line; any other command on a folder that
    holds no library fails with one line naming it, so a mistyped ``--library`` creates
    nothing (and ``list`` never creates ``~/Documents/Papershelf``). Papis and git work
    the same way (``papis init``, ``git init``); Zotero creates its data folder only when
    the app first starts, as the desktop app here does.
    """

    def __init__(self, library_arg: Path | None, *, creates: bool = False) -> None:
        self.library_arg = library_arg
        self.creates = creates
        self.index_error: OSError | None = None  # set when the index's cache is unusable
        collate_by_user_locale()  # titles sort as the user's locale and the window sort them
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
        root = self.library_path.expanduser()
        if not (root / LIBRARY_FILE).is_file():
            if not self.creates:
                raise LibraryError(no_library_message(root))
            library = Library.open(root)
            print(f"papershelf: created a new library in {root}", file=sys.stderr)
        else:
            library = Library.open(root, create=False)
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

    def without_index(self, error: OSError) -> None:
        """Go on without the search index (its cache folder cannot be written), saying so
        once: the library's changes are indexed by the next search that can."""
        self.index_error = error
        print(f"papershelf: warning: {cache_message(error)}", file=sys.stderr)

    def close(self) -> None:
        if "_engine" in self.__dict__:
            self._engine.close()

    @cached_property
    def _loaded_settings(self) -> tuple[Settings, list[str]]:
        from desktop_app.core.settings import Settings  # not needed with --library

        return Settings.load()  # read once, whether for the library's path or a command

    @cached_property
    def settings(self) -> Settings:
        """The user's settings; what could not be used is said on stderr."""
        settings, notices = self._loaded_settings
        for notice in notices:
            print(f"papershelf: warning: {notice}", file=sys.stderr)
        return settings


def no_library_message(root: Path) -> str:
    """Why a command cannot run on ``root``, and how to make a library there."""
    if not root.exists():
        what = "no such folder"
    elif not root.is_dir():
        what = "not a folder"
    else:
        what = f"no Papershelf library in this folder (no {LIBRARY_FILE})"
    hint = f"; 'papershelf init {root}' creates one" if not root.is_file() else ""
    return f"{root}: {what}{hint}"


def in_cache(error: BaseException) -> bool:
    """The error is about a file of the cache (the search index, the PDFs' text)."""
    if not isinstance(error, OSError) or error.filename is None:
        return False
    cache = paths.cache_dir().expanduser().absolute()
    try:
        Path(str(error.filename)).absolute().relative_to(cache)
    except ValueError:
        return False
    return True


def cache_message(error: OSError) -> str:
    """An error of the cache in words: what failed, and that the cache can go."""
    return (
        f"the search index cannot be kept in the cache folder: {errors.describe(error)} "
        f"(the cache holds nothing that is not in the library: free or delete "
        f"{paths.cache_dir()}, or set ${paths.ENV_CACHE} to another folder)"
    )


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
        if self.ctx.index_error is None:
            self.ctx._engine.paper_changed(library, key)

    def paper_removed(self, library: Library, key: str) -> None:
        self.ctx.changed_papers = True
        if self.ctx.index_error is None:
            self.ctx._engine.paper_removed(library, key)

    def papers_changed(self, library: Library, changed: list[str], removed: list[str]) -> None:
        self.ctx.changed_papers = True
        self.ctx._engine.papers_changed(library, changed, removed)


#: A command's handler: runs the command and returns the exit status.
Command = Callable[[Context, argparse.Namespace], int]


def synced_index(ctx: Context) -> SearchIndex:
    """The index, in step with the library folder (built, with progress, when missing).

    A quick sync: the changes Papershelf made (its journal) and paper folders added or
    removed are indexed, without a look at every folder; an edit made outside Papershelf
    inside a paper folder is found by the app's scan or ``papershelf reindex --check``."""
    with ProgressLine("indexing") as show:
        report = ctx.index.sync(show, quick=True)
    if report.rebuilt_for_a_reason:
        print(f"papershelf: the search index was rebuilt ({report.reason})", file=sys.stderr)
    return ctx.index


class BatchStopped(PapershelfError):
    """A command that brings many papers in stopped part-way; says how far it got."""


@contextlib.contextmanager
def stops_with_count(library: Library, what: str, total: int | None = None) -> Iterator[None]:
    """Turn an error part-way through a batch (a full disk after 4 papers) into one line
    that says how far it got: ``digest.md: added 4 of 33 papers before: …``.

    The papers added are those whose paper.json is there now and was not before: each is
    written whole (atomic writes), so they are complete, and importing again adds the rest.
    """
    before = set(library.keys())
    try:
        yield
    except Exception as e:
        try:
            added = sum(1 for key in set(library.keys()) - before if library.exists(key))
        except OSError:
            raise e from None
        if isinstance(e, PapershelfError) and not added:
            raise  # a file that cannot be read, say: its message says it all
        of = f" of {total}" if total is not None else ""
        raise BatchStopped(
            f"{what}: added {added}{of} {'paper' if total == 1 else 'papers'} before: "
            f"{errors.describe(e)}"
        ) from e


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
