"""A user at a shell: runs ``papershelf`` on one library, in this process or as a subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.helpers.files import ROOT


class Shelf:
    """Runs papershelf on one library, as a user would from a shell.

    Calls run ``desktop_app.cli.main`` in this process (fast); :meth:`sub` runs
    ``python -m desktop_app`` in a subprocess, as the user does (every command is run that
    way at least once, in test_every_command_through_a_subprocess).
    """

    def __init__(self, library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.library = library
        self.monkeypatch = monkeypatch
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
        self.env.pop("PAPERSHELF_LIBRARY", None)

    def argv(self, *args: str) -> list[str]:
        # --offline: no test reaches arXiv (adding and keeping then queue the fetches).
        return ["--library", str(self.library), "--offline", *args]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "desktop_app", *self.argv(*args)]

    def __call__(
        self, *args: str, code: int = 0, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        out, err = io.StringIO(), io.StringIO()
        with self.monkeypatch.context() as m:
            for name, value in (env or {}).items():
                m.setenv(name, value)
            m.setattr(sys, "stdin", io.StringIO(stdin or ""))
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    returncode = main(self.argv(*args))
                except SystemExit as e:  # argparse: bad usage
                    returncode = int(e.code or 0)
        result = subprocess.CompletedProcess(args, returncode, out.getvalue(), err.getvalue())
        return self._check(result, code)

    def sub(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=60,
        )
        return self._check(result, code)

    @staticmethod
    def _check(
        result: subprocess.CompletedProcess[str], code: int
    ) -> subprocess.CompletedProcess[str]:
        assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
        if code == 1:  # a user error: one line on stderr, naming the problem
            lines = result.stderr.strip().splitlines()
            assert lines and all(line.startswith("papershelf: error: ") for line in lines)
        if code == 0:
            assert "Traceback" not in result.stderr
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)
