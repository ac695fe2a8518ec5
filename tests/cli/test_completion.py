"""Shell completion: the scripts ``papershelf completion`` prints, and what they complete
(commands, options, the library's paper keys and tags), asked as the shells ask."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.files import ROOT
from tests.helpers.shelf import Shelf


@pytest.fixture
def tagged(imported: Shelf) -> Shelf:
    imported("tag", "2504.05220", "--add", "algorithms", "--add", "rag/eval")
    return imported


def _complete(shelf: Shelf, line: str, shell: str = "bash") -> list[str]:
    """What papershelf answers when ``shell`` asks to complete ``line`` (cursor at its end)."""
    out = shelf.library.parent / "completions.txt"
    env = dict(
        shelf.env,
        _ARGCOMPLETE="1",
        _ARGCOMPLETE_SHELL=shell,
        _ARGCOMPLETE_IFS="\n",
        _ARGCOMPLETE_STDOUT_FILENAME=str(out),
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
    )
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app"], env=env, cwd=ROOT, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return sorted(out.read_text(encoding="utf-8").split())


def test_commands_options_keys_and_tags_complete(tagged: Shelf) -> None:
    lib = f"papershelf --library {tagged.library} "
    assert _complete(tagged, lib + "sh") == ["show"]
    assert {"import-digest", "import-bibtex", "completion", "init"} <= set(
        _complete(tagged, lib + "i") + _complete(tagged, lib + "c")
    )
    assert _complete(tagged, lib + "list --t") == ["--tag"]
    assert _complete(tagged, lib + "show 2504.0522") == ["2504.05220"]
    assert _complete(tagged, lib + "tag 2504.05220 2504.0521") == ["2504.05216", "2504.05217"]
    assert _complete(tagged, lib + "tag 2504.05220 --add al") == ["algorithms"]
    assert _complete(tagged, lib + "list --tag ra") == ["rag/eval"]
    assert _complete(tagged, lib + "tag-rename r") == ["rag/eval"]
    # Options after arguments complete too (the parser takes them there).
    assert _complete(tagged, lib + "export bibtex tag:algo --no") == ["--notes"]


def test_the_trash_completes_for_restore(tagged: Shelf) -> None:
    tagged("rm", "2504.05181")
    lib = f"papershelf --library {tagged.library} "
    assert _complete(tagged, lib + "restore 2504.0") == ["2504.05181"]
    assert "2504.05181" not in _complete(tagged, lib + "show 2504.051")


def test_a_folder_without_a_library_completes_no_keys_and_creates_nothing(
    shelf: Shelf, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    assert _complete(shelf, f"papershelf --library {missing} show 2504") == []
    assert not missing.exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_of_each_shell(shelf: Shelf, shell: str) -> None:
    script = shelf("completion", shell).stdout
    assert "papershelf" in script and "_ARGCOMPLETE" in script
    assert {"bash": "complete ", "zsh": "#compdef papershelf", "fish": "complete "}[shell] in script


def test_the_bash_script_completes_in_a_real_bash(tagged: Shelf, tmp_path: Path) -> None:
    """The script as bash sources it, calling a ``papershelf`` found on the PATH."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "papershelf"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m desktop_app "$@"\n')
    program.chmod(0o755)
    script = tmp_path / "papershelf.bash"
    script.write_text(tagged("completion", "bash").stdout, encoding="utf-8")
    words = ["papershelf", "--library", str(tagged.library), "tag", "2504.05220", "--add", "alg"]
    line = " ".join(words)
    test = (
        f'source "{script}"\n'
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={line!r}; COMP_POINT={len(line)}; COMP_TYPE=9\n"
        "_python_argcomplete papershelf\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(tagged.env, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(
        [bash, "-c", test], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["algorithms"]
