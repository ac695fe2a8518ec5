"""Attaching a local PDF to its paper, when the file's name holds the paper's arXiv ID.

A PDF dropped on the app or given on the command line, named as arXiv names its downloads
(``2504.05220v1.pdf``, ``hep-th_9901001v2.pdf``, ``arXiv-2504.05220.pdf``), is copied into
its paper's folder as ``<id>vN.pdf``; the paper is added (unread, its metadata queued) when
it is not in the library yet. Recognising PDFs without an ID in their name (from the text of
their first page) is left to a later version.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core import arxiv_id
from desktop_app.core.arxiv_id import ArxivId
from desktop_app.core.errors import ImportFileError
from desktop_app.core.fetch import pdf_name
from desktop_app.core.library import AddOutcome, Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.storage import atomic_write_bytes

log = logging.getLogger(__name__)

MAX_PDF_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Attached:
    paper: Paper
    outcome: AddOutcome  # the paper was added, restored, or in the library already
    replaced: bool  # a PDF was on disk already and was replaced


def id_from_file_name(path: Path) -> ArxivId | None:
    """The arXiv ID a file's name holds (old-style IDs written with ``_`` for ``/``)."""
    stem = path.name.removesuffix(path.suffix)
    old_style = re.sub(r"(?<=[a-zA-Z])_(?=\d{7})", "/", stem)
    for text in (stem, old_style, old_style.replace("_", " ")):
        ids = arxiv_id.find_all(text.replace("arXiv-", "arXiv:"))
        if ids:
            return ids[0]
    return None


def attach_pdf(library: Library, source: Path) -> Attached:
    """Copy ``source`` into its paper's folder (see the module docstring).

    Raises:
        ImportFileError: no arXiv ID in the name, not a readable PDF, or too large.
    """
    aid = id_from_file_name(source)
    if aid is None:
        raise ImportFileError(
            f"{source.name}: no arXiv ID in the file name (name it like 2504.05220v1.pdf)"
        )
    try:
        size = source.stat().st_size
        if size > MAX_PDF_BYTES:
            raise ImportFileError(f"{source.name}: {size // 2**20} MB is too large for a paper")
        data = source.read_bytes()
    except OSError as e:
        raise ImportFileError(f"{source}: cannot be read: {e.strerror or e}") from e
    if b"%PDF-" not in data[:1024]:
        raise ImportFileError(f"{source.name}: not a PDF file")
    paper, outcome = library.add_arxiv(aid, Status.UNREAD, source=source.name)
    version = aid.version or paper.arxiv_version
    name = pdf_name(ArxivId(aid.id, version))
    had = library.pdf_path(paper) is not None
    atomic_write_bytes(library.paper_dir(paper.key) / name, data)

    def record(p: Paper) -> None:
        if p.arxiv_version is None and version is not None:
            p.arxiv_version = version
        p.pdf_file = name
        p.pdf_state = FetchState.DONE
        p.pdf_error = None

    paper = library.update(paper.key, record)
    log.info("attached %s to %s", source, paper.key)
    return Attached(paper, outcome, had)
