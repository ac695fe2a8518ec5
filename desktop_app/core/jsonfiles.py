"""Reading the library's JSON files strictly: whatever a file holds, the answer is a value
this program can use or a ValueError that says why, never an OverflowError or a
RecursionError from deep inside the code that uses the value.

Python's ``json`` accepts ``Infinity``, ``NaN`` and ``1e400`` (which becomes infinity) and
recurses once per level of nesting: a hand-edited or hostile ``paper.json`` broke every
command that read the whole library.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from desktop_app.core.errors import DamagedFile

MAX_DEPTH = 64
"""Nesting deeper than any file of ours has (paper.json is two levels deep)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def loads(text: str | bytes) -> Any:
    """Parse JSON text: finite numbers only, nesting at most :data:`MAX_DEPTH` levels deep.

    Raises:
        ValueError: the text is not such JSON (the message says what is wrong).
    """
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"values are nested more than {MAX_DEPTH} levels deep") from None
    if _openings(text) > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise ValueError(f"values are nested more than {MAX_DEPTH} levels deep")
    return value


def _openings(text: str | bytes) -> int:
    """How many ``[`` and ``{`` the text holds, in strings too: the most levels its values
    can be nested (a paper.json holds ~5: counted in C in a fifth of :func:`depth`'s time)."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def read_list(path: Path, key: str, what: str) -> list[Any]:
    """The list under ``key`` of a library file such as feeds.json (``{"feeds": [...]}``);
    empty when the file is absent.

    Raises:
        DamagedFile: the file exists but cannot be read or holds no such list (``what``:
            "feeds").
    """
    try:
        data = loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        raise DamagedFile(path, f"cannot be read as JSON: {e}") from e
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise DamagedFile(path, f"holds no list of {what}")
    return items


def depth(value: Any) -> int:
    """How deep lists and objects are nested in ``value`` (0 for a plain value); counted
    without recursion, and stopping once past :data:`MAX_DEPTH`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if not isinstance(item, list):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        # Only what can nest goes on the stack (most values of a record are plain).
        stack.extend((child, level) for child in item if isinstance(child, (dict, list)))
    return deepest
