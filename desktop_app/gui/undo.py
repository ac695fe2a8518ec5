"""The undo stack of the window's changes: what Ctrl+Z takes back, newest last.

Each entry is a :class:`desktop_app.core.bulk.UndoRecord` (status, rating, tags, trash,
keep, dismiss: one step each, however many papers it touched); the stack keeps the last
:data:`MAX_UNDO`. The bridge pushes and pops it and runs the undo in its write lane.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop_app.core.bulk import BulkResult, UndoRecord
from desktop_app.core.words import plural

MAX_UNDO = 50


class UndoStack:
    """The last :data:`MAX_UNDO` undoable changes."""

    def __init__(self, limit: int = MAX_UNDO) -> None:
        self._records: list[UndoRecord] = []
        self._limit = limit

    def push(self, record: UndoRecord) -> None:
        self._records.append(record)
        del self._records[: -self._limit]

    def forget_restored(self, keys: Iterable[str]) -> bool:
        """Papers were restored from the trash by hand: their steps of moving them there are
        no longer possible and leave the stack (a step left empty goes); whether any did."""
        gone = set(keys)
        before = len(self._records), sum(len(r.trashed) for r in self._records)
        for record in self._records:
            record.trashed = [k for k in record.trashed if k not in gone]
        self._records = [r for r in self._records if r]
        return before != (len(self._records), sum(len(r.trashed) for r in self._records))

    def pop(self) -> UndoRecord | None:
        """The newest change, taken off the stack (None when there is none)."""
        return self._records.pop() if self._records else None

    @property
    def text(self) -> str:
        """The description of what Undo would take back ("" when nothing)."""
        return self._records[-1].description if self._records else ""

    def __len__(self) -> int:
        return len(self._records)


def undo_message(description: str, result: BulkResult) -> str | None:
    """What to say after undoing ``description`` (None: the errors say it all)."""
    if not result.done:
        if result.errors:
            return None
        return (
            f"Nothing was undone: “{description}” no longer applies (the papers were "
            "restored or removed meanwhile)."
        )
    if result.skipped:
        left = plural(len(result.skipped), "paper")
        return f"Undone: {description} ({left} left as they are: restored or removed meanwhile)."
    return f"Undone: {description}."
