"""Export papers as BibTeX, CSV, a Markdown digest or a Markdown reading list.

One entry point, :func:`export_papers`, serves the CLI and the GUI:

- ``bibtex`` / ``biblatex``: see :mod:`desktop_app.core.interop.bibtex` (citation keys assigned
  and saved on the way);
- ``csv``: one row per paper, for spreadsheets (see
  :mod:`desktop_app.core.interop.spreadsheet`, which imports such a file, or Zotero's, back);
- ``markdown``: the daily-digest format of :mod:`desktop_app.core.interop.digest`, which imports
  back as the same papers;
- ``reading-list``: Markdown grouped by status (reading, to read, read, inbox), each paper
  with its link, authors, year, tags, rating and notes, to share or print.

Which papers: all, the hits of a query (:func:`papers_for_query`, through the search
index) or a selection (keys, from the GUI).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum

from desktop_app.core.errors import PapershelfError
from desktop_app.core.interop.digest import write_digest
from desktop_app.core.interop.spreadsheet import export_csv, paper_link
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status, now_iso
from desktop_app.core.search.api import SearchIndex

log = logging.getLogger(__name__)


class ExportFormat(StrEnum):
    BIBTEX = "bibtex"
    BIBLATEX = "biblatex"
    CSV = "csv"
    MARKDOWN = "markdown"
    READING_LIST = "reading-list"

    @property
    def suffix(self) -> str:
        """The usual file name ending of the format."""
        return {"bibtex": ".bib", "biblatex": ".bib", "csv": ".csv"}.get(self.value, ".md")

    @property
    def label(self) -> str:
        return {
            "bibtex": "BibTeX",
            "biblatex": "BibLaTeX",
            "csv": "CSV (spreadsheet)",
            "markdown": "Markdown digest",
            "reading-list": "Markdown reading list",
        }[self.value]


def papers_for_query(library: Library, index: SearchIndex, query: str) -> list[Paper]:
    """The papers a query finds, in the index's order (raises QueryError for a bad query)."""
    keys = [hit.key for hit in index.search(query, limit=None).hits]
    return papers_for_keys(library, keys)


def papers_for_keys(library: Library, keys: Iterable[str]) -> list[Paper]:
    """The papers with these keys, in order; keys no longer in the library are left out."""
    return [library.get(key) for key in dict.fromkeys(keys) if library.exists(key)]


def export_papers(
    library: Library,
    papers: Sequence[Paper],
    fmt: ExportFormat | str,
    *,
    with_notes: bool = False,
    with_annotations: bool = False,
) -> str:
    """The papers in the format (``with_notes``: notes go into BibTeX's ``annote`` too;
    CSV and the reading list always carry them, the digest format never;
    ``with_annotations``: the reading list and the digest format carry each paper's
    annotations, as "Add annotations to notes" writes them)."""
    fmt = ExportFormat(fmt)
    if fmt in (ExportFormat.BIBTEX, ExportFormat.BIBLATEX):
        # Imported here: bibtexparser takes a while to load, and the command line builds its
        # parser from ExportFormat on every run.
        from desktop_app.core.interop.bibtex import Dialect, export_bibtex

        return export_bibtex(library, papers, Dialect(fmt.value), with_notes=with_notes)
    if fmt is ExportFormat.CSV:
        return export_csv(library, papers)
    marks = _annotations_of(library) if with_annotations else None
    if fmt is ExportFormat.MARKDOWN:
        return write_digest(papers, extra=marks)
    return reading_list(library, papers, annotations=marks)


def _annotations_of(library: Library) -> Callable[[Paper], str]:
    """A paper's annotations as Markdown ("" when none, or when its file is damaged)."""
    from desktop_app.core.annotations import markdown, store

    def of(paper: Paper) -> str:
        try:
            items = [a for a in store.live(library, paper.key) if not a.not_found_in]
        except PapershelfError as e:
            log.warning("annotations left out: %s", e)
            return ""
        return markdown.annotations_markdown(paper.key, items)

    return of


# -- the reading list -----------------------------------------------------------------------------

_GROUPS = (
    (Status.READING, "Reading"),
    (Status.UNREAD, "To read"),
    (Status.READ, "Read"),
    (Status.NEW, "Inbox"),
)


def _md_escape(text: str) -> str:
    """Text safe inside a Markdown link label or line (brackets and emphasis escaped)."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


def _authors_short(authors: Sequence[str]) -> str:
    if len(authors) > 3:
        return ", ".join(authors[:3]) + " et al."
    return ", ".join(authors)


def reading_list(
    library: Library,
    papers: Iterable[Paper],
    title: str = "Reading list",
    annotations: Callable[[Paper], str] | None = None,
) -> str:
    """Markdown grouped by status, most recently changed first, with each paper's notes
    (and its annotations, given ``annotations``)."""
    papers = list(papers)
    lines = [f"# {title}", "", f"*{len(papers)} papers, exported {now_iso()[:10]}*", ""]
    for status, heading in _GROUPS:
        group = [p for p in papers if p.status is status]
        if not group:
            continue
        group.sort(key=lambda p: p.status_changed or p.added, reverse=True)
        lines += [f"## {heading} ({len(group)})", ""]
        for paper in group:
            lines += _reading_item(library, paper)
            marked = annotations(paper) if annotations else ""
            if marked:
                lines += ["#### Annotations", "", marked.rstrip("\n"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _reading_item(library: Library, paper: Paper) -> list[str]:
    aid = paper.arxiv
    name = _md_escape(paper.title or paper.display_id)
    link = paper_link(paper)
    lines = [f"### [{name}]({link})" if link else f"### {name}", ""]
    facts = [_md_escape(_authors_short(paper.authors))] if paper.authors else []
    if paper.year:
        facts.append(str(paper.year))
    if aid:
        facts.append(f"arXiv:{aid.canonical}")
    if paper.tags:
        facts.append("tags: " + ", ".join(f"`{t}`" for t in paper.tags))
    if paper.rating:
        facts.append("★" * paper.rating + "☆" * (5 - paper.rating))
    if facts:
        lines += [" · ".join(facts), ""]
    notes = library.read_notes(paper.key).strip("\n")
    if notes.strip():
        lines += [("> " + line).rstrip() for line in notes.split("\n")] + [""]
    return lines
