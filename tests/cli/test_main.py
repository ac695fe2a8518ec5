"""``papershelf`` as a program: every command through a subprocess, usage errors, the library
from the environment, a closed pipe, and what a run loads.

Every command runs at least once as ``python -m desktop_app`` in a subprocess (here); the many
other checks, in the modules of their command group, call the same ``main()`` in this
process, which is quicker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.files import ROOT, SAMPLE_DIGEST
from tests.helpers.shelf import Shelf


def test_every_command_through_a_subprocess(shelf: Shelf, tmp_path: Path) -> None:
    """The real program, each library command once, as a shell user runs it."""
    run = shelf.sub
    out = run("import-digest", str(SAMPLE_DIGEST)).stdout
    assert out.startswith("sample-digest.md: 33 added")
    added = run("add", "https://arxiv.org/abs/2504.05220v1", "arXiv:hep-th/9901001").stdout
    assert "hep-th/9901001" in added and "2504.05220" in added
    assert run("list").stdout.splitlines()[-1] == "34 papers"
    assert run("inbox").stdout.splitlines()[-1].startswith("33 papers to triage")
    assert "Leveraging LLMs" in run("show", "2504.05220").stdout
    assert run("tag", "2504.05220", "--add", "rag", "--add", "eval").stdout == (
        "2504.05220  tags: rag, eval\n"
    )
    assert run("tags").stdout == "1  eval\n1  rag\n"
    run("tag-rename", "eval", "rag/eval")
    assert run("status", "2504.05220", "reading").stdout.startswith("2504.05220  reading")
    assert run("keep", "2504.05217").stdout.startswith("kept 2504.05217 (unread")
    assert run("dismiss", "2504.05216").stdout.startswith("dismissed 2504.05216")
    assert run("rate", "2504.05220", "5").stdout == "2504.05220  ★★★★★ (5/5)\n"
    run("note", "2504.05220", "--set", "Read section 3.")
    assert run("rm", "2504.05181").stdout.startswith("moved 2504.05181 to the trash")
    assert run("trash").stdout.splitlines()[-1].startswith("2 papers in the trash")
    assert run("restore", "2504.05181").stdout == "restored 2504.05181 (new)\n"
    paper = json.loads(run("show", "2504.05220", "--json").stdout)
    assert paper["tags"] == ["rag", "rag/eval"] and paper["notes"] == "Read section 3.\n"
    assert paper["status"] == "reading" and paper["rating"] == 5
    error = run("show", "2504.99999", code=1)
    assert error.stderr == (
        f"papershelf: error: no paper '2504.99999' in the library {shelf.library}\n"
    )
    assert "usage:" in run("rate", "2504.05220", code=2).stderr


def test_errors_and_usage(shelf: Shelf, tmp_path: Path) -> None:
    assert "import-digest" in shelf("--help").stdout
    result = shelf("frobnicate", code=2)
    assert "invalid choice: 'frobnicate'" in result.stderr
    shelf("status", "2504.05220", code=2)
    not_a_library = tmp_path / "thesis"
    not_a_library.mkdir()
    (not_a_library / "chapter1.tex").write_text("x", encoding="utf-8")
    other = Shelf(not_a_library, shelf.monkeypatch)
    result = other("list", code=1)
    assert result.stderr == (
        f"papershelf: error: {not_a_library}: no Papershelf library in this folder (no "
        f"library.json); 'papershelf init {not_a_library}' creates one\n"
    )
    result = other("add", "2504.05220", code=1)
    assert result.stderr == (
        f"papershelf: error: {not_a_library}: folder is not empty and holds no Papershelf library\n"
    )
    assert shelf("list").stdout == "No papers.\n"
    assert shelf("inbox").stdout == "The inbox is empty.\n"
    assert shelf("tags").stdout == "No tags.\n"


def test_the_library_comes_from_the_environment(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PAPERSHELF_LIBRARY=str(tmp_path / "envlib"))
    subprocess.run(
        [sys.executable, "-m", "desktop_app", "--offline", "add", "2504.05220"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert (tmp_path / "envlib" / "papers" / "2504.05220" / "paper.json").exists()


def test_a_closed_pipe_is_not_an_error(imported: Shelf) -> None:
    cmd = " ".join(f"'{part}'" for part in imported.command("list")) + " | head -n 1"
    result = subprocess.run(
        ["sh", "-c", cmd], capture_output=True, text=True, env=imported.env, cwd=ROOT
    )
    assert result.stdout.split() == ["ID", "STATUS", "YEAR", "TITLE"]
    assert result.stderr == ""


def test_version_loads_no_heavy_library() -> None:
    """``papershelf --version`` (and the parser every run builds) loads neither the BibTeX
    parser, the HTTP client nor the search engine: each command imports what it needs."""
    code = (
        "import sys\n"
        "from desktop_app.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = ('bibtexparser', 'requests', 'whoosh', 'desktop_app.core.search.whoosh')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("papershelf ")
    assert lines[1] == "[]"


def test_python_m_desktop_app_cli_runs_the_command_line(shelf: Shelf) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", *shelf.argv("list")],
        capture_output=True,
        text=True,
        env=shelf.env,
        cwd=ROOT,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "No papers.\n", "")


def test_as_the_program_it_leaves_its_objects_to_the_end_of_the_process(shelf: Shelf) -> None:
    """Run as the program (no argv: ``papershelf``, ``python -m desktop_app``), ``main``
    freezes its objects out of the garbage collector as it returns (the interpreter's last
    collections at exit need not walk them); called with an argv (these tests, any caller
    in a process that goes on), it leaves the collector alone."""
    code = (
        "import gc, sys\n"
        "from desktop_app.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "print(status, gc.get_freeze_count() > 0)\n"
        "sys.argv[0] = 'papershelf'\n"
        "status = main()\n"
        "print(status, gc.get_freeze_count() > 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *shelf.argv("tags")],  # (not a command that ends at once)
        capture_output=True,
        text=True,
        env=shelf.env,
        cwd=ROOT,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "No tags.\n0 False\nNo tags.\n0 True\n"


#: A program that runs the command line as ``papershelf`` does, with an exit handler that
#: leaves a module for the interpreter's teardown to free, and (with an argument "thread")
#: another thread still at work when the command is done.
_ENDING = """
import atexit, os, sys, threading, time, types
from desktop_app.cli import main
class Torn:
    def __del__(self, write=os.write):
        write(1, b"torn down\\n")
def leave_a_module():
    print("exit handlers ran")
    sys.modules["left"] = types.ModuleType("left")
    sys.modules["left"].torn = Torn()
atexit.register(leave_a_module)
if sys.argv.pop(1) == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
sys.argv[0] = "papershelf"
sys.exit(main())
"""


def test_a_reading_command_as_the_program_ends_without_the_interpreters_teardown(
    imported: Shelf,
) -> None:
    """``search``, ``list``, ``show`` and ``stats`` end the process once their output is
    written and the exit handlers have run, without the teardown that frees every module
    and object one by one (~4 ms of a ``papershelf search`` at 10,000 papers): with every
    line of their output, piped, and their exit status. Another command, or another
    thread still at work, ends as usual."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", _ENDING, *args[:1], *imported.argv(*args[1:])]
        return subprocess.run(
            command, capture_output=True, text=True, env=imported.env, cwd=ROOT, timeout=60
        )

    listed = run("-", "list")
    assert listed.returncode == 0 and listed.stderr == ""
    lines = listed.stdout.splitlines()
    assert lines[-2:] == ["33 papers", "exit handlers ran"] and len(lines) == 36
    assert "torn down" not in listed.stdout
    missing = run("-", "show", "2504.99999")
    assert missing.returncode == 1
    assert missing.stderr.startswith("papershelf: error: no paper '2504.99999'")
    assert missing.stdout == "exit handlers ran\n"
    found = run("-", "search", "retrieval")
    assert found.returncode == 0 and "2504.05220" in found.stdout
    assert "torn down" not in found.stdout
    tags = run("-", "tags")  # (reads only, but not one of those)
    assert tags.stdout.splitlines()[-2:] == ["exit handlers ran", "torn down"]
    waited = run("thread", "list")  # the thread's work is not cut short
    assert waited.returncode == 0
    assert waited.stdout.splitlines()[-3:] == ["thread done", "exit handlers ran", "torn down"]


def _home_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is ``home``: no library chosen anywhere."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(home))
    for name in ("PAPERSHELF_LIBRARY", "XDG_DOCUMENTS_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    return env


def test_a_reading_command_never_creates_the_default_library(tmp_path: Path) -> None:
    """`papershelf list` on a new machine says where the library would be and how to make it;
    ~/Documents/Papershelf appears only with `init` (or the first `add`)."""
    home = tmp_path / "home"
    home.mkdir()
    env = _home_env(home)
    default = home / "Documents" / "Papershelf"
    for command in (["list"], ["search", "x"], ["export", "bibtex"], ["tags"], ["show", "1"]):
        result = subprocess.run(
            [sys.executable, "-m", "desktop_app", *command],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode == 1, (command, result.stderr)
        assert result.stderr == (
            f"papershelf: error: {default}: no such folder; "
            f"'papershelf init {default}' creates one\n"
        )
        assert not (home / "Documents").exists()
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "init"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith(
        f"Created an empty Papershelf library in {default}."
    )
    assert (default / "library.json").is_file()


def test_a_mistyped_library_is_an_error_and_add_creates_one(shelf: Shelf, tmp_path: Path) -> None:
    typo = Shelf(tmp_path / "libary", shelf.monkeypatch)
    for command in (("list",), ("inbox",), ("stats",), ("tag", "2504.05220", "--add", "x")):
        result = typo(*command, code=1)
        assert "libary: no such folder; 'papershelf init " in result.stderr
    assert not typo.library.exists()
    added = typo("add", "2504.05220")
    assert added.stderr == f"papershelf: created a new library in {typo.library}\n"
    assert typo("list").stdout.splitlines()[-1] == "1 paper"
    assert typo("add", "2504.05217").stderr == ""  # said once, when created


def test_init_creates_a_library_once(tmp_path: Path, shelf: Shelf) -> None:
    target = tmp_path / "new shelf"
    out = shelf("init", str(target)).stdout
    assert out.splitlines()[0] == f"Created an empty Papershelf library in {target}."
    assert json.loads((target / "library.json").read_text(encoding="utf-8"))["version"] == 1
    shelf("add", "2504.05220")
    assert shelf("init").stdout == f"{shelf.library} is a Papershelf library already (1 paper).\n"
    occupied = tmp_path / "thesis"
    occupied.mkdir()
    (occupied / "chapter1.tex").write_text("x", encoding="utf-8")
    shelf("init", str(occupied), code=1)
    assert not (occupied / "library.json").exists()


def test_no_command_without_a_display_says_how_to_use_the_cli(tmp_path: Path) -> None:
    """It was SIGABRT (exit 134) from Qt; now one line, exit 1, before Qt is loaded."""
    if sys.platform in ("win32", "darwin"):
        pytest.skip("Windows and macOS always have a display")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--library", str(tmp_path / "lib")],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "papershelf: error: no display found ($DISPLAY and $WAYLAND_DISPLAY are not set), "
        "so the desktop app cannot open; the command line works anywhere: "
        "'papershelf --help' lists its commands\n"
    )
    assert not (tmp_path / "lib").exists()
