"""The parser as a Unix user meets it: options anywhere among the arguments, for every command."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys

import pytest

from desktop_app.cli import GROUPS, build_parser
from tests.helpers.files import ROOT
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

    def given(option: argparse.Action) -> list[str]:
        flag = [option.option_strings[-1]]
        return flag if option.nargs == 0 else [*flag, _value(option)]

    for option in optionals:
        flag = given(option)
        # Between the positional words (when there are two), and at the end.
        argv = [*head[:-1], *flag, head[-1]] if len(head) > 2 else [*head, *flag]
        for other in optionals:  # the options the command requires (annotate's --page, --text)
            if other.required and other is not option:
                argv += given(other)
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


def test_the_command_table_names_what_each_group_registers() -> None:
    """GROUPS (what a run reads to import only its command's module) lists each group's
    commands exactly, in ``--help``'s order."""
    listed = [name for _, commands in GROUPS for name in commands]
    assert listed == list(_commands())
    for module, commands in GROUPS:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"desktop_app.cli.{module}").register(sub)
        assert tuple(sub.choices) == commands, module


@pytest.mark.parametrize(
    ("argv", "groups"),
    [
        (["show", "x"], ["library"]),
        (["--library", "/l", "-v", "search", "a"], ["search"]),
        (["--library=/l", "--offline", "feed", "list"], ["discover"]),
        (["--lib", "/l", "show", "x"], None),  # an abbreviation: every command
        (["--help"], None),
        (["frobnicate"], None),
        ([], None),
    ],
)
def test_a_run_builds_the_parser_of_its_command_group(
    argv: list[str], groups: list[str] | None
) -> None:
    action = next(
        a for a in build_parser(argv)._actions if isinstance(a, argparse._SubParsersAction)
    )
    wanted = [m for m, _ in GROUPS] if groups is None else groups
    assert list(action.choices) == [c for m, cs in GROUPS if m in wanted for c in cs]


def test_a_command_loads_no_other_group() -> None:
    """``papershelf show`` imports the library group's module and not, say, the exports'."""
    code = (
        "import sys\n"
        "from desktop_app.cli import main\n"
        "main(['--library', sys.argv[1], 'show', 'x'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('desktop_app.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "/nonexistent-library"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
    )
    loaded = result.stdout
    assert "'desktop_app.cli.library'" in loaded, result.stderr
    for other in ("interop", "edit", "fetch", "discover", "annotate", "search"):
        assert f"'desktop_app.cli.{other}'" not in loaded
    assert "desktop_app.core.interop.export" not in loaded
