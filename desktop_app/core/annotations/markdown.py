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
from urllib.parse import quote

from desktop_app.core.annotations.model import Annotation

SCHEME = "papershelf"


def open_link(key: str, page: int, ann_id: str | None = None) -> str:
    """``papershelf://open/<key>?page=N&annotation=<id>``: opens the reader there."""
    link = f"{SCHEME}://open/{quote(key, safe='')}?page={page}"
    return f"{link}&annotation={quote(ann_id, safe='')}" if ann_id else link


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
