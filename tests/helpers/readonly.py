"""Run a program on a folder it may read but not write, as a user meets a read-only library
(a CD, a mount without write access, a shared folder).

Not root: the folder's write bits are cleared while the program runs. Root ignores those,
so as root the program runs in its own mount namespace where the folder is bind-mounted
read-only (``unshare -m``; writes then fail with EROFS, as on a read-only medium). When
neither is possible the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest


def run_read_only(
    folder: Path, argv: Sequence[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``argv`` run with ``folder`` read-only; its output as text."""
    if os.geteuid() != 0:
        with _write_bits_cleared(folder):
            return subprocess.run(
                list(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=120
            )
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    script = 'mount --bind -o ro "$1" "$1" || exit 97; shift; exec "$@"'
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 97 or "unshare failed" in result.stderr:
        pytest.skip(f"cannot bind-mount a folder read-only here: {result.stderr.strip()}")
    return result


@contextlib.contextmanager
def _write_bits_cleared(folder: Path) -> Iterator[None]:
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if not p.is_symlink()}
    try:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode) & ~0o222)
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode))
