"""Undo for annotation edits: one step of the window's undo stack (``gui/undo.py``).

An :class:`AnnotationUndo` is a :class:`~desktop_app.core.bulk.UndoRecord`, so the stack and
the bridge take it like any other step. Undoing deletes the annotations the step added and
puts back the ones it changed or deleted, as they were before, each as a new edit (so a sync
copy sees the undo as the latest change). An annotation changed again since the step is
left as it is now, like :mod:`desktop_app.core.bulk` leaves a field changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.core.annotations import store
from desktop_app.core.annotations.model import Annotation, AnnotationFile
from desktop_app.core.bulk import BulkResult, ShouldStop, UndoRecord, Written
from desktop_app.core.errors import PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.progress import Progress


@dataclass
class AnnotationUndo(UndoRecord):
    """What one annotation step did to one paper's annotations."""

    key: str = ""
    #: The annotations as they were before the step (changed or deleted by it).
    before: list[Annotation] = field(default_factory=list)
    #: The annotations as the step left them (to see whether they changed since).
    after: list[Annotation] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [self.key]

    def __bool__(self) -> bool:
        return bool(self.before or self.after)

    def undo(
        self,
        library: Library,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
        written: Written | None = None,
    ) -> BulkResult:
        result = BulkResult(UndoRecord(f"Undo: {self.description}"))
        old = {a.id: a for a in self.before}
        left = {a.id: a for a in self.after}

        def apply(content: AnnotationFile) -> None:
            for ann_id in old.keys() | left.keys():
                now = content.get(ann_id)
                then = left.get(ann_id)
                if then is not None and now is not None and now.modified != then.modified:
                    continue  # changed again since: that newer change stays
                if ann_id in old:
                    content.put(old[ann_id].edited())
                elif now is not None and not now.deleted:
                    content.put(now.tombstone())

        try:
            store.change(library, self.key, apply)
            result.done.append(self.key)
            if written is not None:
                written([self.key])
        except PapershelfError as e:
            result.errors.append(e)
        return result
