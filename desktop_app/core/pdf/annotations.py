"""The PDF side of annotations, with pypdfium2: words on a page, import, export, re-anchoring.

- :func:`find_on_page` finds words on a page (pdfium's text page: character boxes, merged
  into one rectangle per line by ``FPDFText_CountRects``) and gives their quads and context.
- :func:`anchor` finds an annotation again on another PDF (a new arXiv version) by its text
  and the text around it.
- :func:`read_pdf_annotations` reads the highlights, underlines and text notes another reader
  (Okular, Acrobat, Zotero's export) left inside a PDF.
- :func:`write_annotated_pdf` writes a *copy* of a PDF with the annotations embedded as
  standard PDF annotations (``/Highlight``, ``/Underline``, ``/Text``, ``/Square``), through
  pdfium's annotation API (pypdfium2's raw bindings). The library's PDF is never written.

Matching is forgiving where PDFs differ without the words differing: text is normalised to
NFKC (ligatures become letters), runs of white space and line breaks count as one space,
and a word hyphenated at a line end (pdfium's U+FFFE/``\\x02`` mark) is joined; when the
exact case is not found, case is ignored.

These run pypdfium2 in the calling process (the reader opens the same PDF in-process with
QtPdf anyway); only the text for the search index runs in a child process.
"""

from __future__ import annotations

import ctypes
import io
import logging
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.annotations.model import (
    CONTEXT_CHARS,
    Annotation,
    Color,
    Kind,
    Quad,
    Rect,
    now_ms,
    quad_of,
)
from desktop_app.core.errors import InvalidValue, PdfError
from desktop_app.core.storage import atomic_write_bytes

log = logging.getLogger(__name__)

_HYPHEN_MARKS = ("\x02", "\ufffe")
#: ids of imported annotations derive from the PDF and the annotation, so importing twice
#: (or on two machines) adds nothing twice, and a deleted import is not brought back.
_IMPORT_NS = uuid.UUID("6f1c2a40-16a1-4a8e-9c1e-5d0a1c0e1616")


@dataclass
class Match:
    """Words found on a page: the page number (1-based), their quads and context."""

    page: int
    quads: list[Quad]
    text: str
    before: str
    after: str


@dataclass
class _PageText:
    """A page's text normalised for matching, with each character's index on the page."""

    text: str
    origin: list[int]  # origin[i]: index in pdfium's text of normalised character i


def _normalise(raw: str) -> _PageText:
    out: list[str] = []
    origin: list[int] = []
    skip_break = False
    for i, ch in enumerate(raw):
        if ch in _HYPHEN_MARKS:
            skip_break = True  # "retrie\ufffe\r\nval" reads "retrieval"
            continue
        if ch in "\r\n" and skip_break:
            continue
        skip_break = False
        if ch.isspace() or ch == "\x00":
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            continue
        for part in unicodedata.normalize("NFKC", ch):
            out.append(part)
            origin.append(i)
    return _PageText("".join(out), origin)


def normalise_words(text: str) -> str:
    """``text`` as it is matched: NFKC, white space as single spaces, trimmed."""
    return _normalise(text).text.strip()


def _open(path: Path) -> object:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as e:
        raise PdfError(f"{path}: cannot open the PDF: {e}") from e


def _page_texts(pdf: object) -> Iterator[tuple[int, object, _PageText]]:
    for n in range(len(pdf)):  # type: ignore[arg-type]
        page = pdf[n]  # type: ignore[index]
        tp = page.get_textpage()
        yield n + 1, tp, _normalise(tp.get_text_range())


def _find(page: _PageText, words: str) -> list[int]:
    """Start offsets of ``words`` in the normalised page (exact case first, then any case)."""
    for hay, needle in ((page.text, words), (page.text.casefold(), words.casefold())):
        if len(hay) != len(page.text):  # casefold changed lengths (ß): offsets would slip
            break
        found, start = [], hay.find(needle)
        while start >= 0:
            found.append(start)
            start = hay.find(needle, start + 1)
        if found:
            return found
    return []


def _match(tp: object, page_no: int, page: _PageText, start: int, length: int) -> Match:
    first = page.origin[start]
    last = page.origin[start + length - 1]
    n = tp.count_rects(first, last - first + 1)  # type: ignore[attr-defined]
    rects = [tp.get_rect(i) for i in range(n)]  # type: ignore[attr-defined]
    # Rounded as annotations.json keeps them (a hundredth of a point), so a quad made
    # here equals the one read back.
    quads = [quad_of(tuple(round(float(v), 2) for v in r)) for r in rects]  # type: ignore[arg-type]
    # Trimmed, as the reader keeps them: the words around, not the space next to the text.
    before = page.text[max(0, start - CONTEXT_CHARS) : start].strip()
    after = page.text[start + length : start + length + CONTEXT_CHARS].strip()
    text = page.text[start : start + length]
    return Match(page_no, quads, text, before, after)


def find_on_page(path: Path, page: int, words: str) -> Match:
    """The first place of ``words`` on page ``page`` (1-based) of the PDF at ``path``.

    Raises:
        InvalidValue: no such page, or the words are not on it.
        PdfError: the PDF cannot be opened.
    """
    needle = normalise_words(words)
    if not needle:
        raise InvalidValue("no words given to find")
    pdf = _open(path)
    try:
        count = len(pdf)  # type: ignore[arg-type]
        if not 1 <= page <= count:
            raise InvalidValue(f"{path.name} has no page {page} (it has {count})")
        tp = pdf[page - 1].get_textpage()  # type: ignore[index]
        text = _normalise(tp.get_text_range())
        starts = _find(text, needle)
        if not starts:
            raise InvalidValue(
                f"the words {words.strip()!r:.80} are not on page {page} of {path.name}"
            )
        return _match(tp, page, text, starts[0], len(needle))
    finally:
        pdf.close()  # type: ignore[attr-defined]


def text_in_rect(path: Path, page: int, rect: Rect) -> str:
    """The text inside a rectangle of a page (the words under an area annotation)."""
    pdf = _open(path)
    try:
        tp = pdf[page - 1].get_textpage()  # type: ignore[index]
        return normalise_words(tp.get_text_bounded(*rect))
    finally:
        pdf.close()  # type: ignore[attr-defined]


# -- re-anchoring on another PDF ---------------------------------------------------------------


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def anchor(path: Path, annotation: Annotation) -> Match | None:
    """Where ``annotation``'s text is on the PDF at ``path``, or None when it is not there.

    Each place the text occurs is scored by how much of the text before and after it
    matches the annotation's context; among equals, the page nearest the old one wins.
    """
    needle = normalise_words(annotation.text)
    if not needle:
        return None
    before, after = normalise_words(annotation.before), normalise_words(annotation.after)
    best: tuple[tuple[int, int], Match] | None = None
    pdf = _open(path)
    try:
        for page_no, tp, text in _page_texts(pdf):
            for start in _find(text, needle):
                m = _match(tp, page_no, text, start, len(needle))
                score = (
                    _common_suffix(m.before.strip(), before)
                    + _common_prefix(m.after.strip(), after),
                    -abs(page_no - annotation.page),
                )
                if best is None or score > best[0]:
                    best = (score, m)
    finally:
        pdf.close()  # type: ignore[attr-defined]
    return best[1] if best else None


# -- import and export of standard PDF annotations ---------------------------------------------

_SUBTYPES = {9: Kind.HIGHLIGHT, 10: Kind.UNDERLINE, 1: Kind.NOTE, 5: Kind.AREA}


def read_pdf_annotations(path: Path, *, pdf_sha256: str | None = None) -> list[Annotation]:
    """The highlights, underlines, text notes and squares inside a PDF, as annotations.

    Their ids derive from the PDF's hash and each annotation's page, kind and place, so the
    same PDF read twice yields the same ids.
    """
    import pypdfium2.raw as raw

    pdf = _open(path)
    found: list[Annotation] = []
    try:
        for page_no, tp, _text in _page_texts(pdf):
            page = pdf[page_no - 1]  # type: ignore[index]
            for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
                handle = raw.FPDFPage_GetAnnot(page.raw, i)
                try:
                    ann = _read_one(raw, handle, page_no, tp)
                finally:
                    raw.FPDFPage_CloseAnnot(handle)
                if ann is None:
                    continue
                place = [round(v) for q in ann.quads for v in q] or [
                    round(v) for v in ann.rect or ()
                ]
                seed = f"{pdf_sha256 or path.name}:{page_no}:{ann.kind}:{place}"
                ann.id = str(uuid.uuid5(_IMPORT_NS, seed))
                ann.pdf_file, ann.pdf_sha256 = path.name, pdf_sha256
                found.append(ann)
    finally:
        pdf.close()  # type: ignore[attr-defined]
    return found


def _read_one(raw: object, handle: object, page_no: int, tp: object) -> Annotation | None:
    r = raw
    kind = _SUBTYPES.get(r.FPDFAnnot_GetSubtype(handle))  # type: ignore[attr-defined]
    if kind is None:
        return None
    quads: list[Quad] = []
    if kind.has_text:
        for k in range(r.FPDFAnnot_CountAttachmentPoints(handle)):  # type: ignore[attr-defined]
            qp = r.FS_QUADPOINTSF()  # type: ignore[attr-defined]
            if r.FPDFAnnot_GetAttachmentPoints(handle, k, ctypes.byref(qp)):  # type: ignore[attr-defined]
                quads.append((qp.x1, qp.y1, qp.x2, qp.y2, qp.x3, qp.y3, qp.x4, qp.y4))
    rect = r.FS_RECTF()  # type: ignore[attr-defined]
    has_rect = bool(r.FPDFAnnot_GetRect(handle, ctypes.byref(rect)))  # type: ignore[attr-defined]
    box = (rect.left, rect.bottom, rect.right, rect.top) if has_rect else None
    if box is not None:
        box = (min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3]))
    if kind.has_text and not quads:
        if box is None:
            return None
        quads = [quad_of(box)]
    text = ""
    if kind.has_text:
        parts: list[str] = []
        for q in quads:
            qx, qy = q[0::2], q[1::2]
            parts.append(tp.get_text_bounded(min(qx), min(qy), max(qx), max(qy)))  # type: ignore[attr-defined]
        text = normalise_words("\n".join(parts))  # a hyphen mark at a line end joins
    rgba = [ctypes.c_uint() for _ in range(4)]
    has_color = r.FPDFAnnot_GetColor(handle, 0, *(ctypes.byref(c) for c in rgba))  # type: ignore[attr-defined]
    color = Color.nearest(tuple(c.value for c in rgba[:3])) if has_color else Color.YELLOW  # type: ignore[arg-type]
    when = now_ms()
    return Annotation(
        id="",
        kind=kind,
        color=color,
        page=page_no,
        quads=quads,
        rect=None if kind.has_text else box,
        text=text,
        comment=_string_value(r, handle, "Contents"),
        created=when,
        modified=when,
    )


def _string_value(raw: object, handle: object, key: str) -> str:
    size = raw.FPDFAnnot_GetStringValue(handle, key.encode(), None, 0)  # type: ignore[attr-defined]
    if size <= 2:
        return ""
    buf = ctypes.create_string_buffer(size)
    raw.FPDFAnnot_GetStringValue(  # type: ignore[attr-defined]
        handle, key.encode(), ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), size
    )
    return buf.raw[: size - 2].decode("utf-16-le", errors="replace").replace("\r", "\n")


_EXPORT_SUBTYPE = {Kind.HIGHLIGHT: 9, Kind.UNDERLINE: 10, Kind.NOTE: 1, Kind.AREA: 5}
_NOTE_SIZE = 20.0  # points: the icon of a note


def write_annotated_pdf(source: Path, items: list[Annotation], dest: Path) -> int:
    """Write a copy of ``source`` with ``items`` as standard PDF annotations to ``dest``.

    Returns how many were written (annotations on pages the PDF lacks are left out).
    ``source`` is only read.
    """
    import pypdfium2.raw as raw

    if dest.resolve() == source.resolve():
        raise InvalidValue(f"{dest}: the annotated copy cannot replace the paper's own PDF")
    pdf = _open(source)
    written = 0
    try:
        pages = len(pdf)  # type: ignore[arg-type]
        for ann in items:
            if ann.deleted or not 1 <= ann.page <= pages:
                continue
            page = pdf[ann.page - 1]  # type: ignore[index]
            handle = raw.FPDFPage_CreateAnnot(page.raw, _EXPORT_SUBTYPE[ann.kind])
            if not handle:
                log.warning("pdfium could not create a %s annotation", ann.kind)
                continue
            try:
                _write_one(raw, handle, ann)
            finally:
                raw.FPDFPage_CloseAnnot(handle)
            written += 1
        buf = io.BytesIO()
        pdf.save(buf)  # type: ignore[attr-defined]
    finally:
        pdf.close()  # type: ignore[attr-defined]
    atomic_write_bytes(dest, buf.getvalue())
    return written


def _write_one(raw: object, handle: object, ann: Annotation) -> None:
    r = raw
    red, green, blue = ann.color.rgb
    r.FPDFAnnot_SetColor(handle, 0, red, green, blue, 255)  # type: ignore[attr-defined]
    for q in ann.quads:
        qp = r.FS_QUADPOINTSF(*q)  # type: ignore[attr-defined]
        r.FPDFAnnot_AppendAttachmentPoints(handle, ctypes.byref(qp))  # type: ignore[attr-defined]
    box = ann.bounds
    if ann.kind is Kind.NOTE and box is not None:
        box = (box[0], box[3] - _NOTE_SIZE, box[0] + _NOTE_SIZE, box[3])
    if box is not None:
        rect = r.FS_RECTF(box[0], box[3], box[2], box[1])  # type: ignore[attr-defined]
        r.FPDFAnnot_SetRect(handle, ctypes.byref(rect))  # type: ignore[attr-defined]
    contents = ann.comment or ("" if ann.kind.has_text else ann.text)
    values = {b"Contents": contents, b"NM": ann.id}  # NM: the annotation's name, its id
    for key, value in values.items():
        if value:
            buf = ctypes.create_string_buffer((value + "\x00").encode("utf-16-le"))
            wide = ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort))
            r.FPDFAnnot_SetStringValue(handle, key, wide)  # type: ignore[attr-defined]
