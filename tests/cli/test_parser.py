"""The parser as a Unix user meets it: options anywhere among the arguments, for every command."""

from __future__ import annotations

import argparse

import pytest

from desktop_app.cli import build_parser
from tests.helpers.shelf import Shelf


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _value(action: argparse.Action) -> str:
    if action.choices:
        return str(next(iter(action.choices)))
    return "1" if action.type is int else "x"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_takes_its_options_after_its_arguments(name: str) -> None:
    """Each command parses with each of its options placed after the positional arguments."""
    command = _commands()[name]
    positionals = [a for a in command._actions if not a.option_strings]
    optionals = [
        a for a in command._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]
    head = [name]
    for action in positionals:
        head.append(_value(action))
        if action.nargs in ("+", "*"):
            head.append(_value(action))  # two words: the option goes between them too
    for option in optionals:
        flag = [option.option_strings[-1]]
        if option.nargs != 0:
            flag.append(_value(option))
        # Between the positional words (when there are two), and at the end.
        argv = [*head[:-1], *flag, head[-1]] if len(head) > 2 else [*head, *flag]
        args = build_parser().parse_args(argv)
        assert getattr(args, option.dest) not in (None, False, []), (argv, option.dest)
        for action in positionals:
            value = getattr(args, action.dest)
            assert value not in (None, []), (argv, action.dest)


def test_options_after_arguments_in_real_commands(imported: Shelf) -> None:
    """The two cases of the issue: both exited 2 ("unrecognized arguments")."""
    imported("tag", "2504.05220", "--add", "algo")
    out = imported("export", "bibtex", "-o", str(imported.library / "f.bib"), "tag:algo")
    assert out.stdout.startswith("Exported 1 paper to ")
    hits = imported.json("search", "dense", "--limit", "1", "retrieval")
    assert [h["title"] for h in hits["hits"]] == [  # type: ignore[index]
        "Unleashing the Power of LLMs in Dense Retrieval with Query Likelihood Modeling"
    ]
    tagged = imported("tag", "2504.05220", "--add", "x", "2504.05217", "--remove", "nothing")
    assert tagged.stdout.splitlines() == ["2504.05220  tags: algo, x", "2504.05217  tags: x"]
