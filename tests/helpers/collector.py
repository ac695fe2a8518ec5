"""A probe of the garbage collector's passes, for tests of what runs with it paused."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def collections_within(function: str) -> Iterator[list[str]]:
    """The functions that set off a collection while ``function`` ran (the list yielded is
    filled as the block runs). Collections are made likely meanwhile: a low threshold,
    the test process's own objects left out (frozen)."""
    ran_in: list[str] = []

    def collection(phase: str, info: dict[str, int]) -> None:
        frame: Any = sys._getframe(1)
        caller = frame.f_code.co_name
        while phase == "start" and frame is not None:
            if frame.f_code.co_name == function:
                ran_in.append(caller)
            frame = frame.f_back

    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50, 1, 1)
    gc.callbacks.append(collection)
    try:
        yield ran_in
    finally:
        gc.callbacks.remove(collection)
        gc.set_threshold(*threshold)
        gc.unfreeze()
