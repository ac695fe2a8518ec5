"""Merging two copies of a paper's annotations (a sync tool's conflict copy) by id.

- An annotation found in one copy only is kept.
- For an id in both, the later modification wins whole (colour, comment and geometry go
  together, like Zotero's per-item sync); at the same time a tombstone wins, so a copy made
  before a deletion never brings the annotation back. An edit made *after* the deletion
  (Undo of the delete) is later, and wins.
- Two different versions with the same time (an edit on each machine within the same
  millisecond) are ordered by their content, so both machines merge to the same result.
- Keys of a newer version, at file level, are kept from both copies.

The merge is commutative, associative and idempotent (``tests/core/annotations`` checks it
over random edit sequences), so the order in which copies are merged does not matter.
"""

from __future__ import annotations

import json

from desktop_app.core.annotations.model import Annotation, AnnotationFile, time_key


def _rank(a: Annotation) -> tuple[object, bool, str]:
    return (time_key(a.modified), a.deleted, json.dumps(a.to_dict(), sort_keys=True))


def winner(a: Annotation, b: Annotation) -> Annotation:
    """The version of one annotation that a merge keeps."""
    return a if _rank(a) >= _rank(b) else b


def merge_files(mine: AnnotationFile, theirs: AnnotationFile) -> AnnotationFile:
    """A new file holding both copies' annotations, each id once (see the module's rules)."""
    merged = AnnotationFile(list(mine.annotations), {**theirs.extra, **mine.extra})
    index = {a.id: i for i, a in enumerate(merged.annotations)}
    for other in theirs.annotations:
        i = index.get(other.id)
        if i is None:
            index[other.id] = len(merged.annotations)
            merged.annotations.append(other)
        else:
            merged.annotations[i] = winner(merged.annotations[i], other)
    return merged
