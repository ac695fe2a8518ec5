"""Annotations as Markdown: for notes.md ("Add annotations to notes"), the CLI and exports.

Each annotation becomes a quote of its text (or a line naming the note or area), its comment
below it, and a link that opens the reader on it::

    > the words highlighted

    Why it matters.

    — [p. 3](papershelf://open/2503.01234?page=3&annotation=3f0c…) · yellow highlight

Zotero's "Add Note from Annotations" writes the same shape (quote, comment, citation link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from desktop_app.core.annotations.model import Annotation

SCHEME = "papershelf"


def open_link(key: str, page: int, ann_id: str | None = None) -> str:
    """``papershelf://open/<key>?page=N&annotation=<id>``: opens the reader there."""
    link = f"{SCHEME}://open/{quote(key, safe='')}?page={page}"
    return f"{link}&annotation={quote(ann_id, safe='')}" if ann_id else link


@dataclass(frozen=True)
class OpenLink:
    """What a ``papershelf://open/…`` link asks for."""

    key: str
    page: int | None = None
    annotation: str | None = None


def parse_open_link(url: str) -> OpenLink | None:
    """The paper, page and annotation of an :func:`open_link` link; None for another URL."""
    parts = urlsplit(url.strip())
    if parts.scheme != SCHEME or parts.netloc != "open":
        return None
    key = unquote(parts.path.lstrip("/"))
    if not key or "/" in key:
        return None
    query = parse_qs(parts.query)
    page_text = (query.get("page") or [""])[0]
    page = int(page_text) if page_text.isdigit() and int(page_text) > 0 else None
    ann_id = (query.get("annotation") or [""])[0] or None
    return OpenLink(key, page, ann_id)


def annotation_markdown(key: str, ann: Annotation) -> str:
    parts = []
    if ann.text:
        parts.append("\n".join(f"> {line}" for line in ann.text.splitlines() or [""]))
    if ann.comment.strip():
        parts.append(ann.comment.strip())
    where = f"[p. {ann.page}]({open_link(key, ann.page, ann.id)})"
    lost = f" · not found in {ann.not_found_in}" if ann.not_found_in else ""
    parts.append(f"— {where} · {ann.color.value} {ann.kind.value}{lost}")
    return "\n\n".join(parts)


def annotations_markdown(key: str, items: Sequence[Annotation], heading: str | None = None) -> str:
    """The annotations in reading order, each separated by a blank line; "" when none."""
    blocks = [annotation_markdown(key, a) for a in items if not a.deleted]
    if not blocks:
        return ""
    head = [f"## {heading}"] if heading else []
    return "\n\n".join(head + blocks) + "\n"
