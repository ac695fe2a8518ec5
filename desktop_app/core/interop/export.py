"""Export papers as BibTeX, CSV, a Markdown digest or a Markdown reading list; import CSV.

One entry point, :func:`export_papers`, serves the CLI and the GUI:

- ``bibtex`` / ``biblatex``: see :mod:`desktop_app.core.interop.bibtex` (citation keys assigned
  and saved on the way);
- ``csv``: one row per paper, for spreadsheets: UTF-8 with a byte-order mark (so Excel
  reads accents right), lists joined by ``"; "``, notes in a (multi-line) cell, and a cell
  that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) starts with ``'``.
  :func:`import_csv` reads such a file back (status, tags, rating and notes included), so
  a library can travel through a spreadsheet;
- ``markdown``: the daily-digest format of :mod:`desktop_app.core.interop.digest`, which imports
  back as the same papers;
- ``reading-list``: Markdown grouped by status (reading, to read, read, inbox), each paper
  with its link, authors, year, tags, rating and notes, to share or print.

Which papers: all, the hits of a query (:func:`papers_for_query`, through the search
index) or a selection (keys, from the GUI).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.errors import ImportFileError, InvalidValue, PapershelfError
from desktop_app.core.interop.digest import write_digest
from desktop_app.core.interop.importing import Importer, ImportReport, Incoming, normalize_doi
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status, local_key, now_iso
from desktop_app.core.progress import Progress
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


# -- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "key", "arxiv_id", "version", "title", "authors", "year", "published", "categories",
    "doi", "journal_ref", "status", "tags", "rating", "added", "citation_key", "url", "notes",
)  # fmt: skip
_LIST_SEP = "; "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def export_csv(library: Library, papers: Iterable[Paper]) -> str:
    """The papers as CSV text (write it with ``encoding="utf-8-sig"`` for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for p in papers:
        row = {
            "key": p.key,
            "arxiv_id": p.arxiv_id,
            "version": p.arxiv_version,
            "title": " ".join(p.title.split()),
            "authors": _LIST_SEP.join(p.authors),
            "year": p.year,
            "published": p.published,
            "categories": _LIST_SEP.join(p.categories),
            "doi": p.doi,
            "journal_ref": p.journal_ref,
            "status": p.status.value,
            "tags": _LIST_SEP.join(p.tags),
            "rating": p.rating or "",
            "added": p.added,
            "citation_key": p.citation_key,
            "url": _link(p),
            "notes": library.read_notes(p.key).rstrip("\n"),
        }
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _link(paper: Paper) -> str:
    """The paper's arXiv page, else its DOI's, else empty."""
    aid = paper.arxiv
    if aid is not None:
        return aid.abs_url()
    return f"https://doi.org/{paper.doi}" if paper.doi else ""


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s*;\s*", text) if part.strip()]


def _csv_incoming(row: dict[str, str], source: str) -> Incoming | str:
    """A CSV row as an incoming paper, or why it cannot be one."""
    ref = row.get("arxiv_id") or row.get("url") or ""
    aid = arxiv_id.try_parse(ref) if ref else None
    if aid is not None and row.get("version", "").isdigit():
        aid = aid.with_version(int(row["version"]))
    doi = normalize_doi(row.get("doi"))
    title = " ".join(row.get("title", "").split())
    try:
        status = Status.parse(row["status"]) if row.get("status") else Status.UNREAD
        rating = int(row["rating"]) if row.get("rating", "").strip() else 0
    except ValueError as e:  # InvalidValue included
        return f"{e}; row not imported"
    values: dict[str, Any] = {
        "title": title,
        "authors": _split_list(row.get("authors", "")),
        "categories": _split_list(row.get("categories", "")),
        "published": row.get("published") or None,
        "journal_ref": row.get("journal_ref") or None,
        "citation_key": row.get("citation_key") or None,
        "source": source,
        "status": status,
    }
    if aid is not None:
        paper = Paper.from_arxiv(aid, doi=doi, metadata_state=FetchState.PENDING, **values)
    elif doi or title:
        key = row.get("key", "")
        if not re.fullmatch(r"local-[a-z0-9-]+", key):
            key = local_key(title or str(doi), doi or now_iso())
        paper = Paper(key=key, doi=doi, **values)
    else:
        return "no arXiv ID, DOI or title; row not imported"
    if row.get("added"):
        paper.added = row["added"]
    try:
        paper.set_rating(rating)
    except InvalidValue as e:
        return f"{e}; row not imported"
    paper.add_tags(_split_list(row.get("tags", "")))
    return Incoming(paper, row.get("notes", ""))


def import_csv(library: Library, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import a CSV file such as :func:`export_csv` writes (columns by their header).

    A row needs an ``arxiv_id`` (or an arXiv ``url``), a ``doi`` or a ``title``; a row that
    cannot be used is reported with its line and the rest is imported.

    Raises:
        ImportFileError: the file cannot be read, or has no header row.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ImportFileError(f"{path}: cannot read the CSV file: {e}") from e
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise ImportFileError(f"{path}: the CSV file is empty (it needs a header row)")
    importer = Importer(library)
    items: list[Incoming] = []
    for row in reader:
        where = f"{path.name}:{reader.line_num}"
        cleaned = {(k or "").strip().lower(): _uncell(v or "") for k, v in row.items()}
        incoming = _csv_incoming(cleaned, f"csv:{path.name}")
        if isinstance(incoming, str):
            importer.report.problem(where, incoming)
            continue
        incoming.where = where
        items.append(incoming)
    return importer.add_all(items, progress)


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
    link = _link(paper)
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
