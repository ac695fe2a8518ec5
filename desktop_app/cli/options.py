"""The options several commands share, each declared once: ``--json``, paper references, queries.

A command's parser calls these where it declares its arguments, so the same option reads
and behaves the same everywhere (the order of the calls is the order of ``--help``).
Every command's parser is a :class:`CommandParser`: options may come after positional
arguments, as with any Unix tool (``export bibtex tag:algo -o f.bib``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias


class CommandParser(argparse.ArgumentParser):
    """A command's parser that takes its options anywhere among its positional arguments.

    Plain argparse stops filling a ``nargs="*"``/``"+"`` positional at the first option, so
    ``search dense --limit 1 retrieval`` was "unrecognized arguments: retrieval". The
    subparsers action calls ``parse_known_args``; here that runs
    ``parse_known_intermixed_args``, which itself calls ``parse_known_args`` (twice): the
    flag sends those inner calls to argparse's own.
    """

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


if TYPE_CHECKING:
    #: The type ``add_subparsers()`` returns (argparse keeps its name private).
    Subparsers: TypeAlias = argparse._SubParsersAction[CommandParser]


def creates_library(parser: argparse.ArgumentParser) -> None:
    """The command brings papers in: it creates a missing library (see ``cli/context.py``)."""
    parser.set_defaults(creates_library=True)


def add_json(parser: argparse.ArgumentParser, what: str) -> None:
    """``--json``: print ``what`` (``"the papers"``) as JSON (shapes: cli/output.py)."""
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def add_ref(parser: argparse.ArgumentParser) -> None:
    """``ID``: one paper of the library, by arXiv ID, link or key (``args.ref``)."""
    completes_papers(parser.add_argument("ref", metavar="ID"))


def add_refs(
    parser: argparse.ArgumentParser,
    *,
    nargs: Literal["+", "*"] = "+",
    metavar: str = "ID",
    help: str | None = None,
) -> None:
    """``ID…``: papers by arXiv ID, link or key (``args.refs``)."""
    action = parser.add_argument("refs", nargs=nargs, metavar=metavar, help=help)
    if metavar == "ID":  # not add's IDs and links, which are not in the library yet
        completes_papers(action)


def completes_papers(action: argparse.Action) -> None:
    """Tab completes ``action``'s value with the keys of the library's papers."""
    from desktop_app.cli.completers import paper_keys

    action.completer = paper_keys  # type: ignore[attr-defined]  # argcomplete's attribute


def completes_tags(action: argparse.Action) -> None:
    """Tab completes ``action``'s value with the library's tags."""
    from desktop_app.cli.completers import tags

    action.completer = tags  # type: ignore[attr-defined]  # argcomplete's attribute


def add_query(parser: argparse.ArgumentParser, help: str) -> None:
    """``QUERY…``: a search query in words (``args.query``; see :func:`query_of`)."""
    parser.add_argument("query", nargs="*", metavar="QUERY", help=help)


def query_of(args: argparse.Namespace) -> str:
    """The query's words joined, as the shell split them."""
    return " ".join(args.query)


def text_arg(text: str) -> str:
    """A TEXT argument; ``-`` reads standard input."""
    return sys.stdin.read() if text == "-" else text
