"""BibTeX and BibLaTeX: export papers with readable, stable citation keys; import .bib files.

Export (see ../shared/testdata/bibtex-conventions.md for what other tools write):

- citation keys read ``zhang2025leveraging``: the first author's family name, the year and
  the first significant word of the title, in ASCII. A key is unique in the library (a
  clash gets ``a``, ``b``, ... appended) and, once assigned, is kept in the paper's record
  (``citation_key``) so it never changes under a manuscript that cites it. A key brought
  by an import is kept when it is free.
- ``bibtex``: ``@misc`` (``@article`` with ``journal`` once published), ``year`` and
  ``month``, ``eprint`` with the version, ``archivePrefix = {arXiv}``, ``primaryClass``;
  non-ASCII letters as TeX accents (``M{\\"u}ller``), which classic BibTeX needs.
- ``biblatex``: ``@online`` (``@article`` with ``journaltitle``), ``date``, ``eprint``,
  ``eprinttype = {arxiv}``, ``eprintclass``; Unicode kept, as biber reads it.
- both: ``doi``, ``url``, ``abstract``, the tags as ``keywords`` and, when asked, the notes
  as ``annote``. Titles keep arXiv's TeX (math, commands); acronyms are braced so styles do
  not lower-case them (``{LLMs}``).

Import: entries with an arXiv ``eprint`` (or ``arxivid``), an arXiv link in ``url``, an
arXiv ID in ``journal``/``note`` (Google Scholar writes ``arXiv preprint arXiv:...``), or a
DOI become papers; arXiv's DOI ``10.48550/arXiv.<id>`` means that arXiv paper, another DOI
makes a paper without arXiv ID that carries it. ``keywords`` become tags, ``note`` and
``annote`` notes. ``@string`` macros, ``#`` concatenation, month macros, TeX accents and
braces are resolved. A malformed entry is reported with its line and the rest is imported;
a key used twice is reported and both entries are imported.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bibtexparser import model as bibmodel
from bibtexparser.entrypoint import parse_string
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import ImportFileError
from desktop_app.core.interop.importing import (
    BATCH_SIZE,
    Importer,
    ImportProblem,
    ImportReport,
    Incoming,
    normalize_doi,
)
from desktop_app.core.interop.latex import from_latex, plain_to_latex, protect_case, tex_to_latex
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, local_key
from desktop_app.core.progress import Progress
from desktop_app.core.words import ascii_fold, family_name

log = logging.getLogger(__name__)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

#: Title words a citation key skips (arXiv's key maker skips such words too).
_STOP = """a an the and or but nor of on in at to for from by with without into onto over under
    as is are was were be been being its it this that these those via vs versus about
    toward towards do does did can could should would will may might must how what why when
    where which who whom whose we our you your their his her not no yes than then so if"""
STOP_WORDS = frozenset(_STOP.split())

_VERBATIM = frozenset({"doi", "url", "eprint", "file", "arxivid", "urldate", "pdf"})
#: Name lists stay LaTeX until split: braces decide where one name ends ({Simon and Schuster}).
_NAME_FIELDS = frozenset({"author", "editor"})
_ARXIV_IN_TEXT = re.compile(r"arxiv(?:\s*preprint)?\s*(?::|\s)\s*(\S+)", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class Dialect(StrEnum):
    BIBTEX = "bibtex"
    BIBLATEX = "biblatex"


# -- citation keys --------------------------------------------------------------------------


def citation_key_base(paper: Paper) -> str:
    """The readable key of a paper before it is made unique (``zhang2025leveraging``)."""
    author = ascii_fold(family_name(paper.authors[0])) if paper.authors else ""
    year = str(paper.year) if paper.year else ""
    words = re.split(r"\s+", re.sub(r"\$[^$]*\$|\\[A-Za-z]+", " ", paper.title))
    word = next((w for w in (ascii_fold(w) for w in words) if w and w not in STOP_WORDS), "")
    return (author or "anon") + year + word


def _suffixes() -> Iterable[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def unique_key(base: str, taken: set[str]) -> str:
    """``base``, or ``base`` with the first free suffix ``a``, ``b``, ... ``aa``, ..."""
    if base not in taken:
        return base
    return next(base + s for s in _suffixes() if base + s not in taken)


def assign_citation_keys(library: Library, papers: Sequence[Paper]) -> list[Paper]:
    """Give every paper without a citation key one, saved in its record; returns the papers.

    Keys already assigned never change. Keys are unique across the library and its trash
    (a restored paper keeps its key).
    """
    if all(p.citation_key for p in papers):
        return list(papers)
    everything = library.papers() + library.trash()
    taken = {p.citation_key for p in everything if p.citation_key}
    result: list[Paper] = []
    try:
        for start in range(0, len(papers), BATCH_SIZE):
            with library.batch():  # the keys of many papers are saved with few folder syncs
                for paper in papers[start : start + BATCH_SIZE]:
                    result.append(_keyed(library, paper, taken))
    except OSError as e:
        # A read-only library (a CD, a synced copy without write access) still exports:
        # the remaining papers are keyed in memory only, which the export says.
        log.warning(
            "citation keys not saved in %s (%s): they may differ next time",
            library.root,
            e.strerror or e,
        )
        for paper in papers[len(result) :]:
            paper.citation_key = paper.citation_key or unique_key(citation_key_base(paper), taken)
            taken.add(paper.citation_key)
            result.append(paper)
    return result


def _keyed(library: Library, paper: Paper, taken: set[str]) -> Paper:
    if paper.citation_key:
        return paper
    key = unique_key(citation_key_base(paper), taken)

    def set_key(p: Paper) -> None:
        p.citation_key = p.citation_key or key

    paper = library.update(paper.key, set_key) if library.exists(paper.key) else paper
    if not paper.citation_key:  # not in the library (a preview): keyed in memory only
        paper.citation_key = key
    taken.add(paper.citation_key)
    return paper


# -- export ---------------------------------------------------------------------------------


def _field_lines(fields: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in fields)
    return "".join(f"  {name.ljust(width)} = {value},\n" for name, value in fields)


def format_entry(paper: Paper, dialect: Dialect = Dialect.BIBTEX, notes: str = "") -> str:
    """One paper as a BibTeX/BibLaTeX entry (its ``citation_key`` must be set)."""
    ascii_only = dialect is Dialect.BIBTEX

    def tex(text: str) -> str:
        return "{" + tex_to_latex(" ".join(text.split()), ascii_only=ascii_only) + "}"

    def plain(text: str) -> str:
        return "{" + plain_to_latex(text, ascii_only=ascii_only) + "}"

    aid = paper.arxiv
    published = bool(paper.journal_ref)
    if dialect is Dialect.BIBTEX:
        entry_type = "article" if published else "misc"
    else:
        entry_type = "article" if published else "online"
    fields: list[tuple[str, str]] = []
    if paper.title:
        fields.append(("title", "{" + protect_case(tex(paper.title)[1:-1]) + "}"))
    if paper.authors:
        names = (_name(tex_to_latex(a, ascii_only=ascii_only), a) for a in paper.authors)
        fields.append(("author", "{" + " and ".join(names) + "}"))
    date = _DATE.match(paper.published or "")
    if dialect is Dialect.BIBLATEX and date:
        fields.append(("date", "{" + date.group() + "}"))
    elif paper.year:
        fields.append(("year", "{" + str(paper.year) + "}"))
        if date and date.group(2) and 1 <= int(date.group(2)) <= 12:
            fields.append(("month", MONTHS[int(date.group(2)) - 1]))
    if published and paper.journal_ref:
        name = "journal" if dialect is Dialect.BIBTEX else "journaltitle"
        fields.append((name, tex(paper.journal_ref)))
    if aid is not None:
        fields.append(("eprint", "{" + aid.canonical + "}"))
        primary = paper.categories[0] if paper.categories else None
        if dialect is Dialect.BIBTEX:
            fields.append(("archivePrefix", "{arXiv}"))
            if primary:
                fields.append(("primaryClass", "{" + primary + "}"))
        else:
            fields.append(("eprinttype", "{arxiv}"))
            if primary:
                fields.append(("eprintclass", "{" + primary + "}"))
    doi = normalize_doi(paper.doi)
    if doi and not (aid and arxiv_id.try_parse(doi)):
        fields.append(("doi", "{" + doi + "}"))
    if aid is not None:
        fields.append(("url", "{" + aid.abs_url() + "}"))
    if paper.abstract:
        fields.append(("abstract", tex(paper.abstract)))
    if paper.tags:
        fields.append(("keywords", plain(", ".join(paper.tags))))
    if notes.strip():
        fields.append(("annote", plain(notes.strip("\n"))))
    key = paper.citation_key or citation_key_base(paper)
    return f"@{entry_type}{{{key},\n" + (_field_lines(fields) if fields else "") + "}\n"


def _name(encoded: str, author: str) -> str:
    # "Black and Decker" is one (corporate) name: braces keep BibTeX from splitting it.
    return "{" + encoded + "}" if re.search(r"\band\b", author, re.IGNORECASE) else encoded


def format_bibliography(
    papers: Iterable[Paper],
    dialect: Dialect = Dialect.BIBTEX,
    notes: Mapping[str, str] | None = None,
) -> str:
    """Entries for ``papers``, separated by blank lines (notes by paper key, if given)."""
    notes = notes or {}
    return "\n".join(format_entry(p, dialect, notes.get(p.key, "")) for p in papers)


def export_bibtex(
    library: Library,
    papers: Sequence[Paper],
    dialect: Dialect = Dialect.BIBTEX,
    *,
    with_notes: bool = False,
) -> str:
    """Assign missing citation keys (saved) and return the papers' entries.

    Notes are private, so they are written (as ``annote``) only ``with_notes``.
    """
    papers = assign_citation_keys(library, papers)
    notes = {p.key: library.read_notes(p.key) for p in papers} if with_notes else {}
    return format_bibliography(papers, dialect, notes)


# -- import ---------------------------------------------------------------------------------


@dataclass
class BibEntry:
    """An entry as read: its type, key, first line (1-based) and fields.

    Field names are lower case; values are Unicode, but for name lists (``author``,
    ``editor``), kept as LaTeX for :func:`_names` to split.
    """

    entry_type: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, *names: str) -> str:
        return next((self.fields[n] for n in names if self.fields.get(n)), "")


def parse_bibtex(text: str) -> tuple[list[BibEntry], list[ImportProblem]]:
    """Read every entry of a .bib text; malformed ones are reported by line (``where``)."""
    with _quiet_splitter():
        library = parse_string(text, parse_stack=[])
    strings: dict[str, str] = {}
    entries: list[BibEntry] = []
    problems: list[ImportProblem] = []
    seen_keys: dict[str, int] = {}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bibmodel.String):
            strings[block.key.lower()] = _resolve(str(block.value), strings)
            continue
        entry: bibmodel.Block | None = block
        if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, bibmodel.ParsingFailedBlock):
            problems.append(ImportProblem(f"line {line}", _failure(block, text)))
            continue
        if not isinstance(entry, bibmodel.Entry):
            continue
        key = entry.key
        if key.lower() in seen_keys:
            problems.append(
                ImportProblem(
                    f"line {line}",
                    f"the key {key!r} was used before (line {seen_keys[key.lower()]}); "
                    "both entries are imported",
                )
            )
        seen_keys.setdefault(key.lower(), line)
        fields: dict[str, str] = {}
        for f in entry.fields:
            name = f.key.lower()
            value = _resolve(str(f.value), strings)
            if name in _NAME_FIELDS:
                pass
            elif name not in _VERBATIM:
                value = from_latex(value)
            else:
                value = value.replace("\\_", "_").replace("\\%", "%").strip("{} \n\t")
            fields[name] = value.strip()
        entries.append(BibEntry(entry.entry_type.lower(), key, line, fields))
    return entries, problems


@contextlib.contextmanager
def _quiet_splitter() -> Iterator[None]:
    """bibtexparser logs each malformed block; the import reports them itself, by line."""
    splitter_log = logging.getLogger("bibtexparser.splitter")
    quiet = logging.Filter("nothing")  # passes no record of another logger's name
    splitter_log.addFilter(quiet)
    try:
        yield
    finally:
        splitter_log.removeFilter(quiet)


def _failure(block: bibmodel.ParsingFailedBlock, text: str) -> str:
    error = block.error
    head = (block.raw or "").split(",", 1)[0].split("\n", 1)[0].strip()[:60]
    what = f"the entry {head}}}" if head.startswith("@") and "{" in head else "an entry"
    if isinstance(error, BlockAbortedException):
        reason = " ".join(error.abort_reason.split())
        reason = reason[:1].lower() + reason[1:]
        if error.end_index is not None:
            end_line = text.count("\n", 0, error.end_index) + 1
            reason += f" (at line {end_line})"
        return f"{what} is malformed: {reason}; not imported"
    return f"{what} is malformed: {error}; not imported"


def _split_top(value: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces and quotes."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0 and (i == 0 or value[i - 1] != "\\"):
            quoted = not quoted
        elif ch == sep and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _resolve(raw: str, strings: Mapping[str, str]) -> str:
    """A raw field value with its enclosing removed, macros expanded and ``#`` joined."""
    out: list[str] = []
    for part in _split_top(raw.strip(), "#"):
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        else:
            out.append(strings.get(part.lower(), part))
    return "".join(out)


def _names(raw: str) -> list[str]:
    """``author`` field -> names written ``Given Family`` (the way arXiv writes them)."""
    names: list[str] = []
    for name in split_multiple_persons_names(raw):
        parts = parse_single_name_into_parts(name, strict=False)
        words = [*parts.first, *parts.von, *parts.last, *parts.jr]
        full = " ".join(from_latex(" ".join(words)).split())
        if full and full.lower() != "others":  # "and others" means "et al."
            names.append(full)
    return names


def _month(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else None


def _published(entry: BibEntry) -> str | None:
    """``date`` (BibLaTeX) or ``year``/``month``, as much of YYYY-MM-DD as is known."""
    if m := _DATE.match(entry.get("date")):
        return m.group()
    year = entry.get("year").strip()
    if not re.fullmatch(r"\d{4}", year):
        return None
    month = _month(entry.get("month"))
    return f"{year}-{month:02d}" if month else year


def _arxiv_of(entry: BibEntry) -> ArxivId | None:
    kind = entry.get("eprinttype", "archiveprefix").lower()
    if kind in ("", "arxiv"):
        for name in ("eprint", "arxivid"):
            if entry.get(name) and (aid := arxiv_id.try_parse(entry.get(name))):
                return aid
    if (doi := normalize_doi(entry.get("doi"))) and (aid := arxiv_id.try_parse(doi)):
        return aid
    for url in entry.get("url").split():
        if aid := arxiv_id.try_parse(url):
            return aid
    for name in ("journal", "journaltitle", "note", "howpublished", "booktitle", "eprint"):
        for m in _ARXIV_IN_TEXT.finditer(entry.get(name)):
            if aid := arxiv_id.try_parse(m.group(1)):
                return aid
    return None


def _categories(entry: BibEntry) -> list[str]:
    raw = entry.get("eprintclass", "primaryclass")
    return [c for c in re.split(r"[,;\s]+", raw) if c and arxiv_id.is_category(c)]


def entry_to_incoming(entry: BibEntry, source: str = "bibtex") -> Incoming | str:
    """The paper an entry describes, or why it cannot become one."""
    title = " ".join(entry.get("title").split())
    aid = _arxiv_of(entry)
    doi = normalize_doi(entry.get("doi"))
    journal = entry.get("journal", "journaltitle", "booktitle")
    if "arxiv" in journal.lower():
        journal = ""  # "arXiv preprint arXiv:2201.03176" is no journal
    journal_ref = ", ".join(p for p in (journal, entry.get("volume"), entry.get("pages")) if p)
    values: dict[str, Any] = {
        "title": title,
        "authors": _names(entry.get("author")),
        "abstract": " ".join(entry.get("abstract").split()),
        "categories": _categories(entry),
        "published": _published(entry),
        "journal_ref": journal_ref or None,
        "citation_key": entry.key or None,
        "source": source,
    }
    if aid is not None:
        if doi and arxiv_id.try_parse(doi):
            doi = None  # arXiv's own DOI says no more than the ID
        paper = Paper.from_arxiv(aid, doi=doi, metadata_state=FetchState.PENDING, **values)
    elif doi:
        paper = Paper(key=local_key(title or doi, doi), doi=doi, **values)
    else:
        return f"{_what(entry)} has no arXiv ID, arXiv link or DOI; not imported"
    paper.add_tags([t for t in re.split(r"[,;]", entry.get("keywords")) if t.strip()])
    notes = "\n\n".join(n.strip() for n in (entry.get("annote"), entry.get("note")) if n.strip())
    return Incoming(paper, notes, f"line {entry.line}")


def _what(entry: BibEntry) -> str:
    return f"@{entry.entry_type}{{{entry.key}}}"


def import_bibtex_text(
    library: Library, text: str, source: str = "BibTeX", progress: Progress | None = None
) -> ImportReport:
    """Import every usable entry of ``text``; the report lists problems by line."""
    importer = Importer(library)
    report = importer.report
    entries, problems = parse_bibtex(text)
    for problem in problems:
        report.problem(f"{source}:{problem.where.removeprefix('line ')}", problem.message)
    incoming: list[Incoming] = []
    for entry in entries:
        where = f"{source}:{entry.line}"
        item = entry_to_incoming(entry, f"bibtex:{source}")
        if isinstance(item, str):
            report.problem(where, item)
        else:
            item.where = where
            incoming.append(item)
    importer.add_all(incoming, progress)
    report.problems.sort(key=lambda p: _line_of(p.where))
    return report


def _line_of(where: str) -> int:
    tail = where.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def import_bibtex(library: Library, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import a .bib file (UTF-8, or Latin-1 as older files are).

    Raises:
        ImportFileError: the file cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportFileError(f"{path}: cannot read the BibTeX file: {e.strerror or e}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return import_bibtex_text(library, text, path.name, progress)
