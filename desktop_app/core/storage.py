"""Safe file writes: atomic replacement, so a crash or a full disk never leaves half a file."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

#: The temp file of an atomic write (``.<name>.<8 random>.tmp``, see mkstemp) and the partial
#: download of a PDF (``.<name>.part`` and its ``.part.json``, arxiv/download.py): what a
#: killed write leaves. A sync tool's own temp files (``.syncthing.*.tmp``) are not ours.
_LEFTOVER = re.compile(r"\.(?!syncthing\.).+\.(?:[a-z0-9_]{8}\.tmp|part|part\.json)", re.ASCII)


def is_leftover(path: Path) -> bool:
    """``path`` is a temp file a killed write of Papershelf left (never a user's file)."""
    return _LEFTOVER.fullmatch(path.name) is not None and path.is_file()


def atomic_write_bytes(
    path: Path, data: bytes, *, sync_dir: bool = True, durable: bool = True
) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, replace.

    On any error (a full disk included) the temp file is removed and the old file, if any,
    is left exactly as it was. ``sync_dir=False`` leaves making the rename durable to the
    caller (:func:`fsync_dir` once for many files); the write is atomic all the same.
    ``durable=False`` syncs nothing at all (for a disposable cache): still atomic, but a
    crash may lose the write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_dir and durable:
        fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, *, sync_dir: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), sync_dir=sync_dir)


def atomic_write_json(
    path: Path, data: Any, *, sync_dir: bool = True, durable: bool = True
) -> None:
    """Write JSON atomically, pretty-printed and with a final newline (friendly to diff/sync).

    ``sync_dir`` and ``durable`` as for :func:`atomic_write_bytes`.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"), sync_dir=sync_dir, durable=durable)


def atomic_move(src: Path, dest: Path) -> None:
    """Move a finished file into place in one step (same folder), and make the move durable."""
    os.replace(src, dest)
    fsync_dir(dest.parent)


def fsync_dir(folder: Path) -> None:
    """Make the renames and new files of ``folder`` durable."""
    # Not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the file at ``path``, checked before they are read: a device
    (``/dev/zero``), or a file over ``limit`` bytes, would be read until memory runs out.
    A pipe (``<(...)`` in a shell) is read up to the limit.

    Raises:
        ValueError: saying why the file is refused (the caller names the file).
        OSError: it cannot be read (IsADirectoryError, FileNotFoundError ...).
    """
    with path.open("rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise ValueError("is not a file (a device or a socket)")
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(f"{_megabytes(size)} is over the limit of {_megabytes(limit)}")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"holds more than the limit of {_megabytes(limit)}")
    return data


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
