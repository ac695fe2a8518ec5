"""What a drop on the window brings in: arXiv links and IDs are added, digests imported, PDFs
attached (or added); anything else is named in an error notice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.gui.bridge import Bridge

DIGEST_SUFFIXES = (".md", ".markdown", ".txt")


def droppable(mime: QMimeData) -> bool:
    """Whether a drag may be dropped (files, links or text: what it holds is seen at the drop)."""
    return mime.hasUrls() or mime.hasText()


def handle_drop(
    mime: QMimeData,
    bridge: Bridge,
    show_error: Callable[[str], None],
    show_info: Callable[[str], None],
) -> bool:
    """Send what was dropped to the bridge; False when nothing fit."""
    files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    links = " ".join(u.toString() for u in mime.urls() if not u.isLocalFile())
    text = links if files or links else mime.text()
    digests = [f for f in files if f.suffix.lower() in DIGEST_SUFFIXES]
    pdfs = [f for f in files if f.suffix.lower() == ".pdf"]
    others = [f for f in files if f not in digests and f not in pdfs]
    ids = arxiv_id.find_all(text)
    for path in digests:
        bridge.import_digest(path)
    if pdfs:
        bridge.import_pdfs(pdfs)
    if ids:
        bridge.add_ids(ids)
    for path in others:
        show_error(f"{path.name}: not a digest (.md) or a PDF; nothing was imported")
    if not (digests or pdfs or ids or others):
        show_info("Nothing to add: the dropped text holds no arXiv ID or link.")
        return False
    return True
