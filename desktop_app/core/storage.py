"""Safe file writes: atomic replacement, so a crash or a full disk never leaves half a file.

A new file gets the mode the user's umask gives (``0o666 & ~umask``, as ``open()`` does:
0644 with the usual umask 022, so a synced or shared library stays readable by the other
programs that should read it); a file rewritten keeps the mode it had (a user's ``chmod
600 notes.md`` survives the next edit). ``tempfile.mkstemp`` would make every file 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

#: The temp file of an atomic write (``.<name>.<8 hex>.tmp``, _create_temp) and the partial
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
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(path)  # a failed write() names no file; the user needs it
        raise
    if sync_dir and durable:
        fsync_dir(path.parent)


def _create_temp(path: Path) -> tuple[int, str]:
    """A new temp file beside ``path``, with the mode ``path`` has, or the umask's default.

    Opened with mode 0o666 so the kernel applies the umask (reading the umask would mean
    setting it, which races with other threads).
    """
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        # os.urandom, as secrets.token_hex, without importing secrets (hmac, random).
        tmp = str(path.parent / f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            try:
                os.chmod(tmp, mode)  # os.fchmod is not on Windows
            except OSError:
                os.close(fd)
                os.unlink(tmp)
                raise
        return fd, tmp
    raise FileExistsError(f"{path.parent}: no free name for a temporary file")


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


def read_input(path: Path, limit: int, what: str, error: type[Exception]) -> bytes:
    """:func:`read_bounded` for a file the user named (a digest, a .bib): every failure is an
    ``error`` whose one line names the file and what is wrong (``what``: "BibTeX file")."""
    try:
        return read_bounded(path, limit)
    except ValueError as e:
        raise error(f"{path}: {e}; not a {what}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a {what}") from None
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as e:
        raise error(f"{path}: cannot read the {what}: {e.strerror or e}") from e


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
