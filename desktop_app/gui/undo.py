"""The undo stack of the window's changes: what Ctrl+Z takes back, newest last.

Each entry is a :class:`desktop_app.core.bulk.UndoRecord` (status, rating, tags, trash,
keep, dismiss: one step each, however many papers it touched); the stack keeps the last
:data:`MAX_UNDO`. The bridge pushes and pops it and runs the undo in its write lane.
"""

from __future__ import annotations

from desktop_app.core.bulk import UndoRecord

MAX_UNDO = 50


class UndoStack:
    """The last :data:`MAX_UNDO` undoable changes."""

    def __init__(self, limit: int = MAX_UNDO) -> None:
        self._records: list[UndoRecord] = []
        self._limit = limit

    def push(self, record: UndoRecord) -> None:
        self._records.append(record)
        del self._records[: -self._limit]

    def pop(self) -> UndoRecord | None:
        """The newest change, taken off the stack (None when there is none)."""
        return self._records.pop() if self._records else None

    @property
    def text(self) -> str:
        """The description of what Undo would take back ("" when nothing)."""
        return self._records[-1].description if self._records else ""

    def __len__(self) -> int:
        return len(self._records)
