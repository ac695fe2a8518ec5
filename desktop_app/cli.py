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
from desktop_app.core import paths
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
    return parser


Subparsers = argparse._SubParsersAction  # the type add_subparsers() returns


def _add_library_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """The commands of the library: import-digest, add, list, show, tag, status, ..."""


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
