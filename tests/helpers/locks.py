"""Locks held as another program would hold them."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def lock_held(path: Path) -> Iterator[None]:
    """The lock file ``path`` held, as by another program, until the block ends."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(60)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()


def index_lock_held(index_dir: Path) -> contextlib.AbstractContextManager[None]:
    """The search index's writers' lock held, as by another program, until the block ends."""
    return lock_held(index_dir / "index.lock")
