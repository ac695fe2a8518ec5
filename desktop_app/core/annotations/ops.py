"""What the CLI and the app do with annotations and a paper's PDF, in one place each.

- :func:`highlight_words` — ``papershelf annotate``: find words on a page, highlight them;
- :func:`import_from_pdf` — ``papershelf annotations import``: take in another reader's;
- :func:`export_annotated_pdf` — ``papershelf export annotated-pdf``: a copy with them;
- :func:`reanchor` — move them onto a new version's PDF by their text and context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.annotations import store
from desktop_app.core.annotations.model import Annotation, AnnotationFile, Color, Kind
from desktop_app.core.errors import InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.pdf import annotations as pdf_side
from desktop_app.core.pdf.text import file_sha256

log = logging.getLogger(__name__)


def pdf_of(library: Library, paper: Paper) -> Path:
    """The paper's PDF on disk; raises InvalidValue naming the paper when it has none."""
    path = library.pdf_path(paper)
    if path is None:
        raise InvalidValue(f"{paper.display_id} has no PDF in the library yet (fetch it first)")
    return path


def highlight_words(
    library: Library,
    ref: str,
    page: int,
    words: str,
    *,
    color: Color = Color.YELLOW,
    comment: str = "",
    kind: Kind = Kind.HIGHLIGHT,
) -> Annotation:
    """Highlight (or underline) the first place of ``words`` on ``page`` and save it."""
    paper = library.get(ref)
    pdf = pdf_of(library, paper)
    match = pdf_side.find_on_page(pdf, page, words)
    ann = Annotation.new(
        kind,
        match.page,
        color=color,
        quads=match.quads,
        text=match.text,
        before=match.before,
        after=match.after,
        comment=comment,
        pdf_file=pdf.name,
        pdf_sha256=file_sha256(pdf),
    )
    store.add(library, paper.key, ann)
    return ann


@dataclass
class ImportReport:
    added: list[Annotation] = field(default_factory=list)
    known: int = 0  # imported before (or deleted after an import): left as they are


def import_from_pdf(library: Library, ref: str) -> ImportReport:
    """Take in the annotations inside the paper's PDF; importing again adds nothing twice."""
    paper = library.get(ref)
    pdf = pdf_of(library, paper)
    found = pdf_side.read_pdf_annotations(pdf, pdf_sha256=file_sha256(pdf))
    report = ImportReport()

    def add(content: AnnotationFile) -> None:
        for ann in found:
            if content.get(ann.id) is not None:
                report.known += 1
            else:
                content.put(ann)
                report.added.append(ann)

    store.change(library, paper.key, add)
    return report


def export_annotated_pdf(library: Library, ref: str, dest: Path) -> int:
    """Write a copy of the paper's PDF with its annotations embedded; returns how many.

    Annotations made on another PDF (an older version, not re-anchored) are left out: their
    places belong to that other file; so are those imported from this PDF (it holds them).
    """
    paper = library.get(ref)
    pdf = pdf_of(library, paper)
    sha = file_sha256(pdf)
    inside = {a.id for a in pdf_side.read_pdf_annotations(pdf, pdf_sha256=sha)}
    items = [
        a
        for a in store.live(library, paper.key)
        if a.pdf_sha256 in (None, sha) and not a.not_found_in and a.id not in inside
    ]
    return pdf_side.write_annotated_pdf(pdf, items, dest)


@dataclass
class ReanchorReport:
    moved: list[Annotation] = field(default_factory=list)
    lost: list[Annotation] = field(default_factory=list)  # kept, marked not_found_in


def reanchor(library: Library, ref: str, new_pdf: Path, *, label: str) -> ReanchorReport:
    """Move the paper's annotations made on another PDF onto ``new_pdf``.

    Each highlight or underline is found again by its text and context: found, its page,
    quads and context are recomputed; not found, it keeps everything and is marked
    ``not_found_in = label`` (``"v2"``), to be listed apart, never dropped. Notes and areas
    have no text to follow: they keep their page and place. Already on ``new_pdf``: left.
    """
    sha = file_sha256(new_pdf)
    report = ReanchorReport()
    pending = [
        a for a in store.live(library, ref) if a.pdf_sha256 != sha and a.kind.has_text and a.text
    ]
    places = {a.id: pdf_side.anchor(new_pdf, a) for a in pending}  # outside the lock: slow

    def apply(content: AnnotationFile) -> None:
        for ann_id, match in places.items():
            ann = content.get(ann_id)
            if ann is None or ann.deleted or ann.pdf_sha256 == sha:
                continue
            if match is None:
                new = ann.edited(not_found_in=label)
                report.lost.append(new)
            else:
                new = ann.edited(
                    page=match.page,
                    quads=match.quads,
                    before=match.before,
                    after=match.after,
                    pdf_file=new_pdf.name,
                    pdf_sha256=sha,
                    not_found_in=None,
                )
                report.moved.append(new)
            content.put(new)
        for ann in content.annotations:  # notes and areas follow the file as they are
            if not ann.deleted and not ann.kind.has_text and ann.pdf_sha256 != sha:
                content.put(ann.edited(pdf_file=new_pdf.name, pdf_sha256=sha))

    store.change(library, ref, apply)
    if report.lost:
        log.info("%s: %d annotations not found in %s", ref, len(report.lost), label)
    return report
