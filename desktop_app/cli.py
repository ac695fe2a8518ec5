"""The ``papershelf`` command line: a thin layer over ``desktop_app.core``.

Exit status: 0 on success, 1 for a user error (one line on stderr), 2 for bad usage.
With no command, the desktop app opens.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

from desktop_app import __version__
from desktop_app.core import conflicts, paths
from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2


class Context:
    """What a command works on, built lazily from the global options."""

    def __init__(self, library_path: Path) -> None:
        self.library_path = library_path

    @cached_property
    def library(self) -> Library:
        return Library.open(self.library_path)


Command = Callable[[Context, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papershelf",
        description="Keep your reading list of arXiv papers offline. "
        "Without a command, the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"papershelf {__version__}")
    parser.add_argument(
        "--library",
        metavar="PATH",
        type=Path,
        help=f"the library folder (default: ${paths.ENV_LIBRARY} or ~/Documents/Papershelf)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # One function per feature adds its commands (each sets ``func`` to a Command).
    _add_library_commands(sub)
    _add_conflict_commands(sub)
    return parser


Subparsers = argparse._SubParsersAction  # the type add_subparsers() returns


def _add_library_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """The commands of the library: import-digest, add, list, show, tag, status, ..."""


def _add_conflict_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """``conflicts``: the conflict copies sync tools left in paper folders, and their merge."""
    p = sub.add_parser(
        "conflicts",
        help="list the conflict copies of Syncthing, Dropbox or Nextcloud (--merge merges them)",
        description="List the conflict copies that Syncthing, Dropbox or Nextcloud left in the "
        "library's paper folders. With --merge, fold them into paper.json and notes.md: tags "
        "united, notes kept from both, the later status wins. Nothing is deleted: the copies "
        "and the files as they were go to <library>/.merged/<key>/.",
    )
    p.add_argument("--merge", action="store_true", help="merge every conflict copy found")
    p.set_defaults(func=_cmd_conflicts)


def _cmd_conflicts(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    found = conflicts.find_conflicts(library)
    if not found:
        print("No conflict copies.")
        return EXIT_OK
    if not args.merge:
        for copy in found:
            print(f"{copy.key}\t{copy.name}\t{copy.describe()}")
        papers = len({c.key for c in found})
        print(
            f"{len(found)} conflict {'copy' if len(found) == 1 else 'copies'} in {papers} "
            f"{'paper' if papers == 1 else 'papers'}; 'papershelf conflicts --merge' merges them.",
            file=sys.stderr,
        )
        return EXIT_OK
    merged = skipped = 0
    for result in conflicts.merge_all(library):
        for copy in result.merged:
            print(f"merged\t{copy.key}\t{copy.name}")
        for error in result.skipped:
            print(f"papershelf: not merged: {error}", file=sys.stderr)
        merged += len(result.merged)
        skipped += len(result.skipped)
    print(
        f"Merged {merged} conflict {'copy' if merged == 1 else 'copies'}; they are kept in "
        f"{library.root / conflicts.MERGED_DIR}.",
        file=sys.stderr,
    )
    return EXIT_USER_ERROR if skipped else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    library_path = args.library or paths.default_library()
    if args.command is None:
        return _open_gui(library_path, parser)
    ctx = Context(library_path)
    func: Command = args.func
    try:
        return func(ctx, args)
    except PapershelfError as e:
        print(f"papershelf: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("papershelf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _open_gui(library_path: Path, parser: argparse.ArgumentParser) -> int:
    try:
        from desktop_app.gui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        log.info("GUI not available: %s", e)
        parser.print_help()
        return EXIT_OK
    result: int = run_app(library_path)
    return result
