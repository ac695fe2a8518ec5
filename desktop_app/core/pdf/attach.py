"""Attaching a local PDF file to a paper of the library (``papershelf attach``)."""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.arxiv import fetch
from desktop_app.core.errors import PdfError, PdfStampMismatch
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper
from desktop_app.core.pdf.importer import id_from_stamp
from desktop_app.core.pdf.text import PdfText, TextExtractor
from desktop_app.core.settings import max_pdf_bytes
from desktop_app.core.storage import atomic_write_bytes, read_bounded

_UNSAFE = re.compile(r"[^\w.+-]+")


@dataclass(frozen=True)
class Attached:
    paper: Paper
    path: Path  # the PDF in the paper's folder
    text: PdfText  # its text, or why it could not be read


def pdf_name(paper: Paper, source: Path) -> str:
    """``<id>vN.pdf`` for an arXiv paper (the key for old-style IDs), else the file's name."""
    if (aid := paper.arxiv) is not None:
        return fetch.pdf_name(aid)  # the name a fetched PDF gets
    stem = _UNSAFE.sub("-", source.stem).strip("-.") or "paper"
    return f"{stem}.pdf"


def attach_pdf(
    library: Library,
    ref: str,
    source: Path,
    *,
    extractor: TextExtractor | None = None,
    force: bool = False,
    max_bytes: int | None = None,
) -> Attached:
    """Copy ``source`` into the paper's folder, make it the paper's PDF and read its text.

    The text goes to the text cache (so the index, told of the change, finds it there); a
    PDF whose text cannot be read is attached all the same, with the reason in the result.
    A PDF the paper had under another name stays in its folder; the annotations made on it
    are re-anchored on the new one. A PDF whose arXiv stamp (in the margin of page 1) names
    another paper is refused unless ``force``: it is most likely the wrong file (another
    version of the same paper is fine).

    Args:
        max_bytes: the largest PDF taken (default: the ``max_pdf_mb`` setting's default).

    Raises:
        PaperNotFound: no such paper.
        PdfError: ``source`` cannot be read, is not a PDF, is not a file or is too big.
        PdfStampMismatch: its stamp names another paper (and not ``force``).
    """
    key = library.resolve(ref)
    try:
        data = read_bounded(source, max_pdf_bytes(max_bytes))
    except ValueError as e:
        raise PdfError(f"{source}: {e} (the max_pdf_mb setting); not attached") from None
    except OSError as e:
        raise PdfError(f"{source}: cannot be read: {e.strerror or e}") from e
    if b"%PDF-" not in data[:1024]:
        raise PdfError(f"{source}: not a PDF file")
    paper = library.get(key)
    name = pdf_name(paper, source)
    target = library.writable_dir(key) / name
    with nullcontext(extractor) if extractor else TextExtractor() as reader:
        text = reader.extract(source, refresh=True)
        stamped = id_from_stamp(text.pages[0]).arxiv if text.pages else None
        if not force and stamped is not None and stamped.key != key:
            raise PdfStampMismatch(
                f"{source}: its arXiv stamp names {stamped.canonical}, not {paper.display_id} "
                f"(“{paper.title}”); nothing was attached"
            )
        atomic_write_bytes(target, data)
        text = reader.extract(target, sha256=text.sha256 or None)

    def change(p: Paper) -> None:
        p.pdf_file = name
        p.pdf_state = FetchState.DONE
        p.pdf_error = None
        if text.ok:
            p.page_count = text.page_count

    old = paper.pdf_file
    paper = library.update(key, change)
    if old and old != name:  # another PDF (a newer version): the annotations follow it
        label = f"v{paper.arxiv_version}" if paper.arxiv_version else name
        fetch.carry_annotations(library, key, target, label)
    return Attached(paper, target, text)
