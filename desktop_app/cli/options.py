"""The options several commands share, each declared once: ``--json``, paper references, queries.

A command's parser calls these where it declares its arguments, so the same option reads
and behaves the same everywhere (the order of the calls is the order of ``--help``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    #: The type ``add_subparsers()`` returns (argparse keeps its name private).
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def add_json(parser: argparse.ArgumentParser, what: str) -> None:
    """``--json``: print ``what`` (``"the papers"``) as JSON (shapes: cli/output.py)."""
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def add_ref(parser: argparse.ArgumentParser) -> None:
    """``ID``: one paper of the library, by arXiv ID, link or key (``args.ref``)."""
    parser.add_argument("ref", metavar="ID")


def add_refs(
    parser: argparse.ArgumentParser,
    *,
    nargs: Literal["+", "*"] = "+",
    metavar: str = "ID",
    help: str | None = None,
) -> None:
    """``ID…``: papers by arXiv ID, link or key (``args.refs``)."""
    parser.add_argument("refs", nargs=nargs, metavar=metavar, help=help)


def add_query(parser: argparse.ArgumentParser, help: str) -> None:
    """``QUERY…``: a search query in words (``args.query``; see :func:`query_of`)."""
    parser.add_argument("query", nargs="*", metavar="QUERY", help=help)


def query_of(args: argparse.Namespace) -> str:
    """The query's words joined, as the shell split them."""
    return " ".join(args.query)


def text_arg(text: str) -> str:
    """A TEXT argument; ``-`` reads standard input."""
    return sys.stdin.read() if text == "-" else text
