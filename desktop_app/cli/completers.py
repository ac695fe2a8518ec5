"""What Tab completes from the library: its paper keys and its tags (argcomplete completers,
set on the arguments by ``options.completes_papers`` and ``options.completes_tags``).

A folder that holds no library completes nothing, and nothing is created or written.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from desktop_app.cli.context import Context


def _library(parsed_args: argparse.Namespace) -> Context | None:
    library_arg = getattr(parsed_args, "library", None)
    ctx = Context(Path(library_arg) if library_arg else None)
    try:
        ctx.library  # noqa: B018  (opens it: a folder without a library completes nothing)
    except Exception:
        return None
    return ctx


def paper_keys(prefix: str, parsed_args: argparse.Namespace, **_: object) -> Iterable[str]:
    """The keys of the library's papers (the trash's for ``restore``) that start with
    ``prefix``: an arXiv ID is its paper's key."""
    ctx = _library(parsed_args)
    if ctx is None:
        return []
    library = ctx.library
    if getattr(parsed_args, "command", None) == "restore":
        keys = [p.key for p in library.trash()]
    else:
        keys = library.keys()
    return [key for key in keys if key.startswith(prefix)]


def tags(prefix: str, parsed_args: argparse.Namespace, **_: object) -> Iterable[str]:
    """The tags of the library that start with ``prefix``."""
    ctx = _library(parsed_args)
    if ctx is None:
        return []
    return sorted(tag for tag in ctx.library.tag_counts() if tag.startswith(prefix))
