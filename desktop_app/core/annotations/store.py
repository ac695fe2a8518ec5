"""Reading and writing a paper's ``annotations.json`` and its area images.

Every change re-reads the file under the library's lock, applies itself and writes the file
back atomically (:mod:`desktop_app.core.storage`), like every other library file, so the CLI,
the app and a sync tool never lose each other's annotations. A damaged file raises
:class:`DamagedFile` with its path, and is never overwritten: a change to it fails until the
file is repaired or moved away.

The file is absent while a paper has no annotation; once one is deleted it stays, holding
the tombstone. The image of a deleted area stays too (Undo brings the area back with it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from desktop_app.core.annotations.model import Annotation, AnnotationFile
from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.storage import atomic_write_bytes, atomic_write_json

log = logging.getLogger(__name__)

ANNOTATIONS_FILE = "annotations.json"
IMAGES_DIR = "annotations"

T = TypeVar("T")


def annotations_path(library: Library, key: str) -> Path:
    return library.paper_dir(key) / ANNOTATIONS_FILE


def image_path(library: Library, key: str, ann_id: str) -> Path:
    """Where the image of an area annotation is kept."""
    return library.paper_dir(key) / IMAGES_DIR / f"{ann_id}.png"


def read_file(path: Path) -> AnnotationFile:
    """The content of an annotations file; an absent file is an empty one.

    Raises:
        DamagedFile: the file cannot be read, is not JSON or not an annotations file.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AnnotationFile()
    except (OSError, UnicodeDecodeError) as e:
        raise DamagedFile(path, f"cannot be read: {e}") from e
    except ValueError as e:
        raise DamagedFile(path, f"is not valid JSON: {e}") from e
    try:
        return AnnotationFile.from_dict(data)
    except (ValueError, TypeError) as e:
        raise DamagedFile(path, str(e)) from e


def write_file(path: Path, content: AnnotationFile) -> None:
    """Write atomically; a file holding nothing at all (not even a tombstone) is removed."""
    if not content.annotations and not content.extra:
        path.unlink(missing_ok=True)
        return
    atomic_write_json(path, content.to_dict())


def load(library: Library, ref: str) -> AnnotationFile:
    """The annotations of the paper ``ref`` names (tombstones included)."""
    return read_file(annotations_path(library, library.resolve(ref)))


def live(library: Library, ref: str) -> list[Annotation]:
    """The paper's annotations, deleted ones left out, in page order."""
    return load(library, ref).live


def change(library: Library, ref: str, apply: Callable[[AnnotationFile], T]) -> T:
    """Re-read the paper's annotations under the lock, ``apply`` a change, write them back.

    The library's observers (the search index) are told once the file is written.
    """
    with library.locked():
        key = library.resolve(ref)
        path = annotations_path(library, key)
        content = read_file(path)  # raises on a damaged file: nothing is written over it
        before = content.to_dict()
        result = apply(content)
        changed = content.to_dict() != before
        if changed:  # into the folder itself, never through a link out of the library
            write_file(library.writable_dir(key) / ANNOTATIONS_FILE, content)
    if changed:
        for obs in library.observers:
            obs.paper_changed(library, key)
    return result


def add(library: Library, ref: str, annotation: Annotation, image: bytes | None = None) -> None:
    """Add one annotation (with the PNG image of an area)."""
    add_many(library, ref, [annotation], {annotation.id: image} if image else None)


def add_many(
    library: Library,
    ref: str,
    items: list[Annotation],
    images: dict[str, bytes] | None = None,
) -> None:
    """Add (or put back, for Undo) annotations in one write."""
    key = library.resolve(ref)
    for ann_id, data in (images or {}).items():
        atomic_write_bytes(library.writable_dir(key) / IMAGES_DIR / f"{ann_id}.png", data)

    def put(content: AnnotationFile) -> None:
        for item in items:
            content.put(item)

    change(library, key, put)


def edit(
    library: Library, ref: str, ann_id: str, **changes: object
) -> tuple[Annotation, Annotation]:
    """Change fields of one annotation (colour, comment …); returns it before and after."""

    def apply(content: AnnotationFile) -> tuple[Annotation, Annotation]:
        old = _live(content, ann_id, library, ref)
        new = old.edited(**changes)
        content.put(new)
        return old, new

    return change(library, ref, apply)


def delete(library: Library, ref: str, ann_ids: list[str]) -> list[Annotation]:
    """Delete annotations (each leaves a tombstone); returns them as they were, for Undo."""

    def apply(content: AnnotationFile) -> list[Annotation]:
        gone = [_live(content, ann_id, library, ref) for ann_id in ann_ids]
        for ann in gone:
            content.put(ann.tombstone())
        return gone

    return change(library, ref, apply)


def _live(content: AnnotationFile, ann_id: str, library: Library, ref: str) -> Annotation:
    ann = content.get(ann_id)
    if ann is None or ann.deleted:
        raise InvalidValue(f"no annotation {ann_id!r} on the paper {ref} in {library.root}")
    return ann
