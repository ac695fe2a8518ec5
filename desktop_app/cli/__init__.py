"""The ``papershelf`` command line: a thin layer over ``desktop_app.core``.

Exit status: 0 on success, 1 for a user error (one line on stderr), 2 for bad usage.
With no command, the desktop app opens.

One module per group of commands (:data:`GROUPS`); each adds its commands to the parser
with ``register(subparsers)`` and declares each command's parser right above its handler.
Shared options come from :mod:`~desktop_app.cli.options`, every ``--json`` shape and the
progress line from :mod:`~desktop_app.cli.output`, and the library, settings and search
index from :mod:`~desktop_app.cli.context`. Heavy libraries (the search engine, the HTTP
client, the BibTeX parser) load only in the commands that use them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app import __version__
from desktop_app.cli import annotate, conflicts, edit, fetch, interop, library, options, search
from desktop_app.cli.context import EXIT_OK, EXIT_USER_ERROR, Command, Context
from desktop_app.core import paths
from desktop_app.core.errors import PapershelfError

__all__ = ["GROUPS", "build_parser", "main"]

log = logging.getLogger(__name__)

#: Each group's ``register``, in the order ``papershelf --help`` lists their commands.
GROUPS: tuple[Callable[[options.Subparsers], None], ...] = (
    library.register,
    edit.register,
    conflicts.register,
    fetch.register,
    search.register,
    interop.register,
    annotate.register,
)


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
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never contact arXiv: fetches wait in the queue (as the offline setting does)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in GROUPS:
        register(sub)  # each command sets ``func`` to its Command
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx = Context(args.library)
    if args.command is None:
        return _open_gui(ctx.library_path, parser)
    func: Command = args.func
    try:
        status = func(ctx, args)
        if ctx.changed_papers:
            interop.refresh_kept_exports(ctx)
        return status
    except PapershelfError as e:
        print(f"papershelf: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("papershelf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `papershelf list | head`: the reader left. Point stdout at devnull so the flush at
        # exit does not print a second error.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        ctx.close()


def _open_gui(library_path: Path, parser: argparse.ArgumentParser) -> int:
    try:
        from desktop_app.gui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        log.info("GUI not available: %s", e)
        parser.print_help()
        return EXIT_OK
    result: int = run_app(library_path)
    return result
