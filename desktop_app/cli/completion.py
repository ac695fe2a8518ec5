"""Shell completion: ``papershelf completion bash|zsh|fish`` prints the script, and the
completers that name the library's paper keys and tags as the user types.

Completion comes from argcomplete, which reads the same parser the commands run on, so a
new command or option completes without further work. argcomplete rather than shtab: it
serves bash, zsh and fish (shtab has no fish), and it completes values from the library
itself (keys, tags) in Python, where shtab would need a hand-written function per shell.
The price is a Python start per Tab press (about 0.2 s here); the heavy libraries are not
loaded for it (tests/cli/test_main.py checks what a parser build loads).

The script calls ``papershelf`` with ``_ARGCOMPLETE`` set; :func:`complete_if_asked` then
answers and exits before any command runs; the values come from
:mod:`~desktop_app.cli.completers`. ``make install-desktop`` and the frozen app
install the scripts where each shell looks (packaging/build_assets.py).
"""

from __future__ import annotations

import argparse
import os

from desktop_app.cli import options
from desktop_app.cli.context import EXIT_OK, Context

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "papershelf"


def asked() -> bool:
    """A shell asks for completions (argcomplete's script sets ``_ARGCOMPLETE``)."""
    return "_ARGCOMPLETE" in os.environ


def complete_if_asked(parser: argparse.ArgumentParser) -> None:
    """When a shell asks for completions, print them and exit; otherwise return at once."""
    if not asked():
        return
    import argcomplete  # only when completing: a plain run never loads it

    argcomplete.autocomplete(parser)


def script(shell: str) -> str:
    """The completion script of ``shell`` (what ``papershelf completion SHELL`` prints)."""
    from argcomplete.shell_integration import shellcode

    return shellcode([PROGRAM], shell=shell)


# -- the command ----------------------------------------------------------------------------


def register(sub: options.Subparsers) -> None:
    """Add ``completion`` to the ``papershelf`` parser."""
    p = sub.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        description="Print the script that completes papershelf's commands, options, paper "
        "keys and tags in SHELL. 'make install-desktop' (or install-desktop.sh of the "
        "release) installs them for you; by hand: bash: "
        "'papershelf completion bash > ~/.local/share/bash-completion/completions/papershelf'; "
        "zsh: 'papershelf completion zsh > ~/.zfunc/_papershelf' with ~/.zfunc in $fpath "
        "before compinit; fish: "
        "'papershelf completion fish > ~/.config/fish/completions/papershelf.fish'.",
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(func=_completion)


def _completion(ctx: Context, args: argparse.Namespace) -> int:
    print(script(args.shell), end="")
    return EXIT_OK
