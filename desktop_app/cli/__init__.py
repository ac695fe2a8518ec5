"""The ``papershelf`` command line: a thin layer over ``desktop_app.core``.

Exit status: 0 on success, 1 for any error (one line on stderr naming what and where; the
traceback, when it is not the project's own error, goes to the log file, and with ``-v`` to
stderr too), 2 for bad usage. With no command, the desktop app opens (or, without a
display, says how to use the command line). Options may follow positional arguments
(:class:`~desktop_app.cli.options.CommandParser`).

One module per group of commands (:data:`GROUPS`); each adds its commands to the parser
with ``register(subparsers)`` and declares each command's parser right above its handler.
Shared options come from :mod:`~desktop_app.cli.options`, every ``--json`` shape and the
progress line from :mod:`~desktop_app.cli.output`, and the library, settings and search
index from :mod:`~desktop_app.cli.context`. Heavy libraries (the search engine, the HTTP
client, the BibTeX parser) load only in the commands that use them.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

from desktop_app import __version__
from desktop_app.cli import completion, options
from desktop_app.cli.context import (
    EXIT_OK,
    EXIT_USER_ERROR,
    BatchStopped,
    Command,
    Context,
    cache_message,
    in_cache,
)
from desktop_app.core import errors, paths
from desktop_app.core.errors import PapershelfError

__all__ = ["GROUPS", "build_parser", "main"]

log = logging.getLogger(__name__)

#: Each group's module (in ``desktop_app.cli``) with the commands its ``register`` adds, in
#: the order ``papershelf --help`` lists them. A run imports only the module of its command
#: (as git and Mercurial load a command's code only when it runs): the other groups' code
#: and the libraries they need stay unread (tests/cli/test_parser.py checks this table
#: against what each module registers).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("library", ("init", "import-digest", "add", "list", "inbox", "show")),
    (
        "edit",
        (
            *("tag", "tags", "tag-rename", "status", "keep", "dismiss", "rate", "note"),
            *("rm", "restore", "trash"),
        ),
    ),
    ("conflicts", ("conflicts",)),
    ("fetch", ("fetch", "check-updates")),
    ("search", ("search", "reindex", "stats", "attach")),
    (
        "interop",
        ("export", "kept-exports", "import-bibtex", "import-csv", "add-pdf", "duplicates"),
    ),
    ("completion", ("completion",)),
    ("annotate", ("annotations", "annotate")),
    ("discover", ("feed", "related")),
)

#: The global options that take a value (``--library PATH``), and those that take none.
_VALUED = ("--library",)
_FLAGS = ("-v", "--verbose", "--offline")


def _needs_a_display() -> bool:
    """An X11 or Wayland desktop (Linux, the BSDs); Windows and macOS always have one."""
    return os.name == "posix" and sys.platform != "darwin"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``papershelf`` parser: with every command, or, for a command line ``argv`` that
    names its command plainly, only with the commands of that command's group."""
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
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log what happens; an error shows its traceback",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never contact arXiv: fetches wait in the queue (as the offline setting does)",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=options.CommandParser
    )
    named = None if argv is None else _command_of(argv)
    for module, commands in GROUPS:
        if named is None or named in commands:
            group = importlib.import_module(f"desktop_app.cli.{module}")
            group.register(sub)  # each command sets ``func`` to its Command
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, when plain to see: the first word after the global
    options. None for anything else (``--help``, an abbreviated option, no command, a
    mistyped one), which the parser with every command answers."""
    words = iter(argv)
    for word in words:
        if word in _VALUED:
            next(words, None)
        elif word.startswith(tuple(f"{option}=" for option in _VALUED)) or word in _FLAGS:
            continue
        elif word.startswith("-"):
            return None
        else:
            return word if any(word in commands for _, commands in GROUPS) else None
    return None


#: Commands that only read (the library, the index and their caches, written whole before
#: the command returns): run as the program, the process ends without the interpreter's
#: teardown (:func:`_end_now`).
QUICK_EXIT = frozenset({"search", "list", "show", "stats"})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (else ``sys.argv``'s); the exit status.

    Run as the program (no ``argv``: the ``papershelf`` script, ``python -m desktop_app``,
    the frozen app), it leaves what the command made to the end of the process: objects
    are frozen out of the garbage collector (:func:`gc.freeze`) when it returns, which
    spares the interpreter's last collections at exit a walk over every object (every
    module, the records of 10,000 papers: ~15 ms of a ``papershelf search``). The process
    ends right after; nothing is left uncollected for long. After a command of
    :data:`QUICK_EXIT`, it ends at once (:func:`_end_now`)."""
    if argv is not None:
        return _main(argv)
    try:
        status = _main(sys.argv[1:])
    finally:
        gc.freeze()
    if _command_of(sys.argv[1:]) in QUICK_EXIT:
        _end_now(status)
    return status


def _end_now(status: int) -> None:
    """End the process with ``status`` as the interpreter would, less its teardown: the
    exit handlers run (the log's included), the standard streams flushed, then
    :func:`os._exit`, without freeing every module and object one by one (~4 ms of a
    ``papershelf search`` at 10,000 papers; the system frees the process's memory at
    once). Not while another thread that the interpreter would wait for still runs: then
    the usual exit."""
    main_thread = threading.main_thread()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not main_thread):
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `papershelf list | head`: the reader left (as _main says)
        pass
    except (OSError, ValueError):
        return  # a flush that fails: the usual exit says so
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(status)


def _main(argv: Sequence[str]) -> int:
    # A shell asking for completions needs every command; a run, only its own.
    parser = build_parser(None if completion.asked() else argv)
    completion.complete_if_asked(parser)  # a shell asking for completions: answers, exits
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    ctx = Context(args.library, creates=getattr(args, "creates_library", False))
    try:
        if args.command is None:
            return _open_gui(ctx.library_path, parser)
        func: Command = args.func
        status = func(ctx, args)
        if ctx.changed_papers:
            from desktop_app.cli.interop import refresh_kept_exports

            refresh_kept_exports(ctx)
        return status
    except KeyboardInterrupt:
        print("papershelf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `papershelf list | head`: the reader left. Point stdout at devnull so the flush at
        # exit does not print a second error.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:
        return _report(e, verbose=args.verbose)
    finally:
        try:
            ctx.close()
        except Exception as e:  # closing the index after a failed command may fail too
            log.info("closing: %s", e)


def _setup_logging(verbose: bool) -> None:
    """Warnings on stderr as ``papershelf: warning: …``; ``-v`` logs everything with its origin."""
    handler = logging.StreamHandler()
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(_OneLine())
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"papershelf: {record.levelname.lower()}: {record.getMessage()}"


def _report(error: Exception, *, verbose: bool) -> int:
    """Any error of a command as one line on stderr (``-v``: with its traceback).

    The project's own errors are a user's to fix and say all there is to say. Any other
    (a full disk, a read-only folder, a bug) also gets one line naming what and where,
    and its traceback goes to the log file (and to stderr with ``-v``) for a bug report.
    """
    line = f"papershelf: error: {errors.describe(error)}"
    if isinstance(error, OSError) and in_cache(error):
        line = f"papershelf: error: {cache_message(error)}"
    unexpected = error.__cause__ if isinstance(error, BatchStopped) else error
    if unexpected is not None and not isinstance(unexpected, PapershelfError):
        logged = _log_traceback(error)
        if verbose:
            traceback.print_exception(error, file=sys.stderr)
        elif not isinstance(unexpected, OSError) and logged is not None:
            line += f" (a bug? the details are in {logged}; -v shows them)"
    print(line, file=sys.stderr)
    return EXIT_USER_ERROR


def _log_traceback(error: Exception) -> Path | None:
    """Append the error's traceback to the log file; its path, or None when it cannot be
    (the disk that is full may hold the log folder too)."""
    import logging.handlers

    class _LogFile(logging.handlers.RotatingFileHandler):
        """The log file, failing quietly (logging would print its own traceback on stderr)."""

        failed = False

        def handleError(self, record: logging.LogRecord) -> None:
            self.failed = True

    path = paths.log_dir() / paths.LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    try:
        record = log.makeRecord(
            log.name,
            logging.ERROR,
            __file__,
            0,
            "command %s failed",
            (" ".join(sys.argv[1:]),),
            (type(error), error, error.__traceback__),
        )
        handler.handle(record)
    finally:
        try:
            handler.close()
        except OSError:  # the buffered end of the traceback could not be written
            handler.failed = True
    return None if handler.failed else path


#: Any of these set tells Qt where to draw (QT_QPA_PLATFORM=offscreen draws nowhere).
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def _open_gui(library_path: Path, parser: argparse.ArgumentParser) -> int:
    if _needs_a_display() and not any(os.environ.get(name) for name in DISPLAY_VARIABLES):
        # Qt would abort the process (SIGABRT, exit 134) on finding no display.
        print(
            "papershelf: error: no display found ($DISPLAY and $WAYLAND_DISPLAY are not "
            "set), so the desktop app cannot open; the command line works anywhere: "
            "'papershelf --help' lists its commands",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    try:
        from desktop_app.gui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        log.info("GUI not available: %s", e)
        parser.print_help()
        return EXIT_OK
    result: int = run_app(library_path)
    return result
