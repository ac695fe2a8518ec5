"""CSV for spreadsheets: export papers as a table, import such a table or Zotero's CSV export.

Export (:func:`export_csv`): one row per paper, UTF-8 with a byte-order mark (so Excel reads
accents right); authors written ``Family, Given`` and joined by ``"; "`` as Zotero does; other
lists (categories, tags) joined by ``"; "``, a ``;`` or ``\\`` inside an item escaped with a
backslash so that a tag ``a;b`` comes back as one tag; notes in a (multi-line) cell; a cell
that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) starts with ``'``.

Import (:func:`import_csv`): columns are found by their header, in this project's names or
Zotero's (``Key, Item Type, Publication Year, Author, Title, Url, DOI, Abstract Note, Date,
Date Added, Date Modified, Extra, Notes, Manual Tags, Automatic Tags``; case and ``_`` or
space do not matter), so a Zotero export imports with its authors, year, abstract and tags.
The arXiv ID comes from the ``arxiv_id`` column, else the ``url`` (a spreadsheet that read
``2504.05220`` as the number ``2504.0522`` leaves the link right), else an arXiv DOI or an
``arXiv:`` mention in Zotero's ``Extra``/``Number``. A row that cannot be used is reported
with its line and why; a row with more cells than the header is imported and the extra
cells reported. A paper already in the library (an arXiv paper, or a local one by its key
or DOI) is reported as already present, so a library's own export imports back cleanly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import ImportFileError, InvalidArxivId, InvalidValue
from desktop_app.core.interop.importing import Importer, ImportReport, Incoming, normalize_doi
from desktop_app.core.interop.textfile import read_text_file
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status, local_key, now_iso
from desktop_app.core.progress import Progress

CSV_COLUMNS = (
    "key", "arxiv_id", "version", "title", "authors", "year", "published", "categories",
    "doi", "journal_ref", "status", "tags", "rating", "added", "modified", "citation_key",
    "url", "abstract", "notes",
)  # fmt: skip
_LIST_SEP = "; "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Header names as this project, Zotero and others write them -> the name used here.
_ALIASES = {
    "author": "authors", "creators": "authors", "publication year": "year", "date": "date",
    "abstract note": "abstract", "summary": "abstract", "manual tags": "tags",
    "automatic tags": "automatic_tags", "keywords": "tags", "date added": "added",
    "date modified": "modified", "publication title": "journal", "arxiv": "arxiv_id",
    "arxiv id": "arxiv_id", "eprint": "arxiv_id", "link": "url", "note": "notes",
    "journal ref": "journal_ref", "citation key": "citation_key", "arxiv version": "version",
}  # fmt: skip
_ZOTERO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:Z|\+00:00)?$")
_CORPORATE = re.compile(
    r"\b(?:Collaboration|Consortium|Group|Team|Project|Initiative|Institute|University|"
    r"Laboratory|Committee|Association|Society|Organi[sz]ation|Council|Foundation)\b",
    re.IGNORECASE,
)
_DAY = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _join_list(items: Iterable[str]) -> str:
    """Items joined by ``"; "``, a ``\\`` or ``;`` inside an item escaped with ``\\``."""
    return _LIST_SEP.join(i.replace("\\", "\\\\").replace(";", "\\;") for i in items)


def _split_list(text: str) -> list[str]:
    """The items of a ``;``-separated cell (``\\;`` is a ``;`` inside an item)."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def zotero_name(author: str) -> str:
    """``Hengran Zhang`` as Zotero's CSV writes it: ``Zhang, Hengran`` (``van der Berg,
    Anna``, ``King, Jr., Martin``); one-word and corporate names (``The ATLAS
    Collaboration``) stay as they are."""
    words = author.split()
    if "," in author or words[:1] == ["The"] or _CORPORATE.search(author):
        return author
    suffix = ""
    if len(words) > 2 and words[-1].rstrip(".").lower() in ("jr", "sr", "ii", "iii", "iv"):
        suffix = words.pop()
    if len(words) < 2:
        return author
    start = len(words) - 1
    while start > 1 and words[start - 1][:1].islower():  # "van der" belongs to the family
        start -= 1
    family, given = " ".join(words[start:]), " ".join(words[:start])
    return f"{family}, {suffix}, {given}" if suffix else f"{family}, {given}"


def _from_zotero_name(name: str) -> str:
    """``Zhang, Hengran`` -> ``Hengran Zhang`` (the way arXiv writes names)."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return name.strip()


def _modified(library: Library, paper: Paper) -> str:
    """When the paper's record last changed (UTC, as ``added`` is written)."""
    try:
        mtime = (library.paper_dir(paper.key) / "paper.json").stat().st_mtime
    except OSError:
        return ""
    when = dt.datetime.fromtimestamp(int(mtime), dt.UTC)
    return when.isoformat().replace("+00:00", "Z")


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
            "authors": _join_list(zotero_name(a) for a in p.authors),
            "year": p.year,
            "published": p.published,
            "categories": _join_list(p.categories),
            "doi": p.doi,
            "journal_ref": p.journal_ref,
            "status": p.status.value,
            "tags": _join_list(p.tags),
            "rating": p.rating or "",
            "added": p.added,
            "modified": _modified(library, p),
            "citation_key": p.citation_key,
            "url": paper_link(p),
            "abstract": p.abstract,
            "notes": library.read_notes(p.key).rstrip("\n"),
        }
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def paper_link(paper: Paper) -> str:
    """The paper's arXiv page, else its DOI's, else empty."""
    aid = paper.arxiv
    if aid is not None:
        return aid.abs_url()
    return f"https://doi.org/{paper.doi}" if paper.doi else ""


def _header(name: str) -> str:
    key = " ".join(name.replace("_", " ").replace("\ufeff", "").strip().lower().split())
    return _ALIASES.get(key, key.replace(" ", "_"))


def _arxiv_of(row: dict[str, str]) -> ArxivId | str | None:
    """The row's arXiv ID; or why the ``arxiv_id`` cell cannot be one (nothing else names
    one); or None (no arXiv paper)."""
    written = row.get("arxiv_id", "").strip()
    candidates = [written, *row.get("url", "").split(), row.get("doi", "")]
    for candidate in filter(None, candidates):
        if aid := arxiv_id.try_parse(candidate):
            return aid
    for name in ("number", "extra", "archive_location"):
        if found := arxiv_id.find_all(row.get(name, "")):
            return found[0]
    if written:
        try:
            arxiv_id.parse(written)
        except InvalidArxivId as e:
            return f"{e}, and the url column names no arXiv paper"
    return None


def _published(row: dict[str, str]) -> str | None:
    for name in ("published", "date"):
        if m := _DAY.match(row.get(name, "").strip()):
            return m.group()
    if "published" in row:
        return None  # this project's table: its year column is derived, not a date given
    year = row.get("year", "").strip()
    return year if re.fullmatch(r"\d{4}", year) else None


def _added(text: str) -> str | None:
    """An ``added`` time as this project (``…T…Z``) or Zotero (``2025-04-08 10:00:00``)
    writes it, in this project's form; None for anything else."""
    if m := _ZOTERO_TIME.match(text.strip()):
        return f"{m[1]}T{m[2]}Z"
    return None


def _csv_incoming(row: dict[str, str], source: str) -> Incoming | str:
    """A CSV row as an incoming paper, or why it cannot be one."""
    aid = _arxiv_of(row)
    if isinstance(aid, str):
        return f"{aid}; row not imported"
    title = " ".join(row.get("title", "").split())
    try:
        if aid is not None and row.get("version", "").strip():
            aid = aid.with_version(arxiv_id.parse_version(row["version"]))
        status = Status.parse(row["status"]) if row.get("status") else Status.UNREAD
        rating_cell = row.get("rating", "").strip()
        if len(rating_cell) > 3:
            raise InvalidValue(f"rating {rating_cell[:20]!r} is out of range (0 to 5)")
        rating = int(rating_cell) if rating_cell else 0
    except ValueError as e:  # InvalidValue and InvalidArxivId included
        return f"{e}; row not imported"
    doi = normalize_doi(row.get("doi"))
    values: dict[str, Any] = {
        "title": title,
        "authors": [_from_zotero_name(a) for a in _split_list(row.get("authors", ""))],
        "abstract": row.get("abstract", "").strip(),
        "categories": [
            c for c in _split_list(row.get("categories", "")) if arxiv_id.is_category(c)
        ],
        "published": _published(row),
        "journal_ref": row.get("journal_ref") or row.get("journal") or None,
        "citation_key": row.get("citation_key") or None,
        "source": source,
        "status": status,
    }
    if aid is not None:
        paper = Paper.from_arxiv(aid, doi=doi, metadata_state=FetchState.PENDING, **values)
    elif doi or title:
        key = row.get("key", "")
        if not re.fullmatch(r"local-[a-z0-9-]{1,200}", key):
            key = local_key(title or str(doi), doi or now_iso())
        paper = Paper(key=key, doi=doi, **values)
    else:
        return "no arXiv ID, DOI or title; row not imported"
    if added := _added(row.get("added", "")):
        paper.added = added
    try:
        paper.set_rating(rating)
    except InvalidValue as e:
        return f"{e}; row not imported"
    paper.add_tags(_split_list(row.get("tags", "")) + _split_list(row.get("automatic_tags", "")))
    # Excel writes a cell's line breaks as CRLF: notes.md gets the notes' own line breaks.
    notes = row.get("notes", "").replace("\r\n", "\n").replace("\r", "\n")
    return Incoming(paper, notes)


def import_csv(library: Library, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import a CSV file such as :func:`export_csv` or Zotero writes (columns by header).

    A row needs an arXiv ID (or an arXiv ``url``), a ``doi`` or a ``title``; a row that
    cannot be used is reported with its line and why, and the rest is imported.

    Raises:
        ImportFileError: the file cannot be read, is not text, or has no header row.
    """
    decoded = read_text_file(path, "CSV file")
    reader = csv.reader(io.StringIO(decoded.text, newline=""))
    try:
        header = [_header(name) for name in next(reader, [])]
    except csv.Error as e:
        raise ImportFileError(f"{path}: line 1: not a CSV file ({e})") from None
    if not any(header):
        raise ImportFileError(f"{path}: the CSV file is empty (it needs a header row)")
    importer = Importer(library)
    report = importer.report
    report.read, report.encoding = 0, decoded.encoding
    items: list[Incoming] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader, None)
        except csv.Error as e:
            report.read += 1
            report.problem(
                f"{path.name}:{start}", f"not CSV ({e}); the rest of the file is not read"
            )
            break
        line = reader.line_num
        if cells is None:
            break
        if not cells:
            continue  # a blank line, as spreadsheets leave at the end
        report.read += 1
        where = f"{path.name}:{start}"
        if len(cells) > len(header):
            extra = len(cells) - len(header)
            report.problem(
                where, f"{extra} more cells than the header names; they are left out", skipped=False
            )
        row: dict[str, str] = {}
        for name, value in zip(header, cells, strict=False):
            if name and not row.get(name):
                row[name] = _uncell(value)
        incoming = _csv_incoming(row, f"csv:{path.name}")
        if isinstance(incoming, str):
            report.problem(where, incoming)
            continue
        incoming.where = where
        items.append(incoming)
    return importer.add_all(items, progress)
