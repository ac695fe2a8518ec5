"""The annotation record and the ``annotations.json`` format (version 1).

::

    {"format": "papershelf-annotations", "version": 1, "annotations": [
      {"id": "3f0c…", "kind": "highlight", "color": "yellow", "page": 3,
       "quads": [[72.0, 720.1, 233.2, 720.1, 72.0, 708.4, 233.2, 708.4]],
       "pdf_file": "2503.01234v1.pdf", "pdf_sha256": "9a1e…",
       "text": "the words highlighted", "before": "text just before ", "after": " and after",
       "comment": "Markdown **comment**",
       "created": "2025-04-07T09:30:00.125Z", "modified": "2025-04-07T09:31:12.500Z"},
      {"id": "77aa…", "deleted": true, "modified": "2025-04-08T10:00:00.000Z"}
    ]}

- ``page`` is the page number as a reader shows it (1 = the first page).
- ``quads`` (highlight, underline) are quadrilaterals in PDF points of the page's user space
  (origin at the bottom left, y upwards), eight numbers each in the order of a PDF
  ``/QuadPoints`` entry: upper left, upper right, lower left, lower right. One per line of
  text. ``rect`` (note, area) is ``[left, bottom, right, top]`` in the same space; a note's
  rectangle is the point it is pinned to, with the size of its icon.
- ``pdf_sha256`` names the PDF file the geometry belongs to; when a new arXiv version is
  fetched the annotation is re-anchored (:mod:`.pdf`) and these change. One not found on the
  new PDF keeps its old geometry and gets ``"not_found_in": "v2"``.
- A deleted annotation stays as a *tombstone* (id, ``deleted``, ``modified``), so a sync
  copy that still holds it cannot bring it back (:mod:`.merge`).
- Times are UTC with milliseconds, so two edits in the same second still order.
- Keys this version does not know are kept (``extra``) and written back unchanged, in the
  file and in each annotation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from desktop_app.core.errors import InvalidValue
from desktop_app.core.paper import parse_time

FORMAT = "papershelf-annotations"
VERSION = 1
#: How much text before and after a selection is kept to find it again on a new version.
CONTEXT_CHARS = 48


class Kind(StrEnum):
    HIGHLIGHT = "highlight"
    UNDERLINE = "underline"
    NOTE = "note"  # a sticky note on a point of a page
    AREA = "area"  # a rectangle around a figure or an equation, saved with its image

    @property
    def has_text(self) -> bool:
        return self in (Kind.HIGHLIGHT, Kind.UNDERLINE)


class Color(StrEnum):
    """The five colours, in the order of the keys 1–5. ``rgb`` is the colour drawn."""

    YELLOW = "yellow"
    RED = "red"
    GREEN = "green"
    BLUE = "blue"
    PURPLE = "purple"

    @property
    def rgb(self) -> tuple[int, int, int]:
        return _RGB[self]

    @classmethod
    def parse(cls, text: str) -> Color:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(c.value for c in cls)
            raise InvalidValue(f"unknown colour {text!r}: use one of {names}") from None

    @classmethod
    def nearest(cls, rgb: tuple[int, int, int]) -> Color:
        """The colour of the five closest to ``rgb`` (for annotations made by other readers)."""
        return min(cls, key=lambda c: sum((a - b) ** 2 for a, b in zip(c.rgb, rgb, strict=True)))


# Zotero's highlight colours: what a Zotero user's eye expects.
_RGB = {
    Color.YELLOW: (255, 212, 0),
    Color.RED: (255, 102, 102),
    Color.GREEN: (95, 178, 54),
    Color.BLUE: (46, 168, 229),
    Color.PURPLE: (162, 138, 229),
}

Quad = tuple[float, float, float, float, float, float, float, float]
Rect = tuple[float, float, float, float]  # left, bottom, right, top


def now_ms() -> str:
    """The current UTC time, ISO 8601 with milliseconds (``2025-04-07T09:30:00.125Z``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def time_key(iso: str) -> dt.datetime:
    """A time to compare by (a missing or unreadable time sorts first)."""
    return (parse_time(iso) or _EPOCH) if iso else _EPOCH


def quad_of(rect: Rect) -> Quad:
    left, bottom, right, top = rect
    return (left, top, right, top, left, bottom, right, bottom)


def quad_bounds(quad: Quad) -> Rect:
    xs, ys = quad[0::2], quad[1::2]
    return (min(xs), min(ys), max(xs), max(ys))


@dataclass
class Annotation:
    """One annotation (or the tombstone of one: ``deleted``)."""

    id: str
    kind: Kind = Kind.HIGHLIGHT
    color: Color = Color.YELLOW
    page: int = 1
    quads: list[Quad] = field(default_factory=list)
    rect: Rect | None = None
    pdf_file: str | None = None
    pdf_sha256: str | None = None
    text: str = ""
    before: str = ""
    after: str = ""
    comment: str = ""
    created: str = ""
    modified: str = ""
    not_found_in: str | None = None
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, kind: Kind, page: int, **values: Any) -> Annotation:
        when = now_ms()
        return cls(id=_new_id(), kind=kind, page=page, created=when, modified=when, **values)

    def edited(self, **changes: Any) -> Annotation:
        """A copy with ``changes`` and a new modification time."""
        return replace(self, modified=now_ms(), **changes)

    def tombstone(self) -> Annotation:
        """What stays of this annotation once deleted."""
        return Annotation(id=self.id, deleted=True, created=self.created, modified=now_ms())

    @property
    def bounds(self) -> Rect | None:
        """The rectangle around the annotation on its page."""
        if self.rect is not None:
            return self.rect
        if not self.quads:
            return None
        boxes = [quad_bounds(q) for q in self.quads]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def label(self) -> str:
        """A line naming it in lists: its text, else its comment, else its kind."""
        return " ".join((self.text or self.comment or self.kind.value).split())

    # -- JSON -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        if self.deleted:
            out: dict[str, Any] = {"id": self.id, "deleted": True}
            if self.created:
                out["created"] = self.created
            out["modified"] = self.modified
            return {**self.extra, **out}
        out = {"id": self.id, "kind": self.kind.value, "color": self.color.value}
        out["page"] = self.page
        if self.quads:
            out["quads"] = [[round(v, 2) for v in q] for q in self.quads]
        if self.rect is not None:
            out["rect"] = [round(v, 2) for v in self.rect]
        for name in ("pdf_file", "pdf_sha256", "text", "before", "after", "comment"):
            value = getattr(self, name)
            if value:
                out[name] = value
        out["created"] = self.created
        out["modified"] = self.modified
        if self.not_found_in:
            out["not_found_in"] = self.not_found_in
        return {**self.extra, **out}

    @classmethod
    def from_dict(cls, data: Any) -> Annotation:
        """Read one entry; raises ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"an annotation is not an object: {data!r:.60}")
        ann_id = data.get("id")
        if not isinstance(ann_id, str) or not ann_id.strip():
            raise ValueError("an annotation has no id")
        known = {f.name for f in fields(cls)} - {"extra"}
        extra = {k: v for k, v in data.items() if k not in known}
        if data.get("deleted"):
            return cls(
                id=ann_id,
                deleted=True,
                created=_str(data, "created"),
                modified=_str(data, "modified"),
                extra=extra,
            )
        try:
            kind = Kind(data.get("kind", "highlight"))
        except ValueError:
            raise ValueError(f"annotation {ann_id}: unknown kind {data.get('kind')!r}") from None
        color = _color(data.get("color"))
        page = data.get("page", 1)
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise ValueError(f"annotation {ann_id}: page {page!r} is not a page number")
        quads = [_numbers(q, 8, ann_id, "quad") for q in data.get("quads") or []]
        rect = data.get("rect")
        return cls(
            id=ann_id,
            kind=kind,
            color=color,
            page=page,
            quads=[tuple(q) for q in quads],  # type: ignore[misc]
            rect=tuple(_numbers(rect, 4, ann_id, "rect")) if rect is not None else None,  # type: ignore[arg-type]
            pdf_file=data.get("pdf_file") or None,
            pdf_sha256=data.get("pdf_sha256") or None,
            text=_str(data, "text"),
            before=_str(data, "before"),
            after=_str(data, "after"),
            comment=_str(data, "comment"),
            created=_str(data, "created"),
            modified=_str(data, "modified"),
            not_found_in=data.get("not_found_in") or None,
            extra=extra,
        )


def _str(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"annotation {data.get('id')}: {name} is not text")
    return value


def _color(value: Any) -> Color:
    if value is None:
        return Color.YELLOW
    try:
        return Color(str(value).lower())
    except ValueError:
        return Color.YELLOW  # a colour this version does not know is drawn in yellow


def _numbers(value: Any, n: int, ann_id: str, what: str) -> list[float]:
    ok = isinstance(value, list) and len(value) == n
    if ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return [float(v) for v in value]
    raise ValueError(f"annotation {ann_id}: {what} {value!r:.60} is not {n} numbers")


@dataclass
class AnnotationFile:
    """The whole content of one ``annotations.json``: live annotations and tombstones."""

    annotations: list[Annotation] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def live(self) -> list[Annotation]:
        """The annotations not deleted, in page order (then top to bottom, then left)."""
        return sorted((a for a in self.annotations if not a.deleted), key=reading_order)

    def get(self, ann_id: str) -> Annotation | None:
        return next((a for a in self.annotations if a.id == ann_id), None)

    def put(self, annotation: Annotation) -> None:
        """Add ``annotation`` or replace the one with its id."""
        for i, a in enumerate(self.annotations):
            if a.id == annotation.id:
                self.annotations[i] = annotation
                return
        self.annotations.append(annotation)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extra,
            "format": FORMAT,
            "version": VERSION,
            "annotations": [a.to_dict() for a in self.annotations],
        }

    @classmethod
    def from_dict(cls, data: Any) -> AnnotationFile:
        """Raises ValueError naming what is wrong (the caller adds the path)."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f'is not a Papershelf annotations file (no "format": "{FORMAT}")')
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(
                f"annotations format version {version!r} is newer than this Papershelf "
                f"understands ({VERSION}); please update Papershelf"
            )
        items = data.get("annotations")
        if not isinstance(items, list):
            raise ValueError('"annotations" is not a list')
        extra = {k: v for k, v in data.items() if k not in ("format", "version", "annotations")}
        return cls([Annotation.from_dict(item) for item in items], extra)


def reading_order(a: Annotation) -> tuple[int, float, float]:
    bounds = a.bounds
    if bounds is None:
        return (a.page, 0.0, 0.0)
    return (a.page, -bounds[3], bounds[0])


__all__ = [
    "CONTEXT_CHARS",
    "FORMAT",
    "VERSION",
    "Annotation",
    "AnnotationFile",
    "Color",
    "Kind",
    "Quad",
    "Rect",
    "now_ms",
    "quad_bounds",
    "quad_of",
    "reading_order",
    "time_key",
]


def _new_id() -> str:
    """A new annotation's id. uuid is imported here: it imports ``platform`` (~3 ms), which
    a process that only reads annotations (every search, through the index) never needs."""
    import uuid

    return str(uuid.uuid4())
