"""Atomic writes: a write interrupted at any point leaves the old file or the new one."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from desktop_app.core import storage
from desktop_app.core.storage import atomic_write_json, atomic_write_text


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "paper.json"
    atomic_write_json(path, {"a": 1, "é": "ü"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 1, "é": "ü"}
    assert path.read_text(encoding="utf-8").endswith("}\n")
    atomic_write_json(path, {"a": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 2}
    assert _leftovers(path.parent) == []


class _Boom(OSError):
    pass


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_an_interrupted_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "notes.md"
    atomic_write_text(path, "old text\n")

    def fail(*args: object, **kwargs: object) -> None:
        raise _Boom(errno.ENOSPC, "No space left on device")

    if step == "write":
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: object, **kwargs: object) -> object:
            f = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

            class Half:
                def __enter__(self) -> Half:
                    return self

                def __exit__(self, *exc: object) -> None:
                    f.close()

                def write(self, data: bytes) -> None:
                    f.write(data[: len(data) // 2])  # half written, then the disk is full
                    fail()

            return Half()

        monkeypatch.setattr(storage.os, "fdopen", fdopen)
    elif step == "fsync":
        monkeypatch.setattr(storage.os, "fsync", fail)
    else:
        monkeypatch.setattr(storage.os, "replace", fail)

    with pytest.raises(_Boom):
        atomic_write_text(path, "new text, much longer than the old one\n" * 100)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old text\n"
    assert _leftovers(tmp_path) == []


def test_a_first_write_interrupted_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "paper.json"

    def fail(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_json(path, {"a": 1})
    monkeypatch.undo()
    assert not path.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_users_umask(tmp_path: Path, umask: int) -> None:
    """As open() does: 0644 under umask 022 (mkstemp made every file 0600)."""
    old = os.umask(umask)
    try:
        atomic_write_json(tmp_path / "paper.json", {"a": 1})
        atomic_write_text(tmp_path / "notes.md", "text\n")
    finally:
        os.umask(old)
    for name in ("paper.json", "notes.md"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    atomic_write_text(path, "private\n")
    path.chmod(0o600)
    atomic_write_text(path, "still private\n")
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o664)
    atomic_write_text(path, "shared with the group\n")
    assert path.stat().st_mode & 0o777 == 0o664
    assert _leftovers(tmp_path) == []
