"""Import .bib files (BibTeX and BibLaTeX, as JabRef, Zotero, Mendeley and Google Scholar
write them) into the library; the writing side is :mod:`desktop_app.core.interop.bibtex`.

What becomes a paper: an entry with an arXiv ``eprint`` (or ``arxivid``); an arXiv link or ID
in ``url``, ``note``, ``howpublished`` or ``eprint``; ``arXiv:<id>`` in ``journal`` (Google
Scholar's ``arXiv preprint arXiv:...``); or a DOI in any written form (``doi:10.…``,
``https://dx.doi.org/…``, ``http://doi.acm.org/…``, a doi.org link in ``url``). arXiv's DOI
``10.48550/arXiv.<id>`` means that arXiv paper; another DOI makes a paper without arXiv ID
that carries it. ``keywords`` become tags, ``note`` and ``annote`` notes. ``@string`` macros,
``#`` concatenation, month macros and TeX (through
:func:`~desktop_app.core.interop.texdecode.latex_to_text`) are resolved.

The file is read in its own encoding (:mod:`~desktop_app.core.interop.textfile`: BOM,
JabRef's ``% Encoding:`` line, else detected); a file that is no BibTeX at all is an error
naming it. Every entry read is accounted for in the report: added, already present, or
skipped with its line and why (malformed, no identifier, a field nested too deep or
expanding too far, an ID beyond arXiv's bounds). A key used twice is a warning, and both
entries are imported.

Hostile input is bounded: a field may expand (``@string`` macros, ``#``) to
:data:`MAX_FIELD_CHARS`, all the ``@string`` macros of a file to :data:`MAX_STRINGS_CHARS`,
and braces nest to :data:`~desktop_app.core.interop.texdecode.MAX_DEPTH`; beyond, the entry
(or the macro) is skipped with the reason, and the rest of the file imported.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from desktop_app.core.errors import ImportFileError, InvalidArxivId, UnusableEntry
from desktop_app.core.interop.bibtex import MONTHS
from desktop_app.core.interop.importing import (
    Importer,
    ImportProblem,
    ImportReport,
    Incoming,
    normalize_doi,
)
from desktop_app.core.interop.texdecode import latex_to_text
from desktop_app.core.interop.textfile import read_text_file
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, local_key
from desktop_app.core.progress import Progress

log = logging.getLogger(__name__)

#: The longest a field may expand to (``@string`` macros, ``#``): 1 MB is 100 abstracts.
MAX_FIELD_CHARS = 1_000_000
#: All the ``@string`` macros of one file together.
MAX_STRINGS_CHARS = 8_000_000

_VERBATIM = frozenset({"doi", "url", "eprint", "file", "arxivid", "urldate", "pdf"})
#: Name lists stay LaTeX until split: braces decide where one name ends ({Simon and Schuster}).
_NAME_FIELDS = frozenset({"author", "editor"})
# Linear: after "arxiv", either ":" or spaces, then the ID (no nested runs of \s to retry).
_ARXIV_IN_TEXT = re.compile(r"arxiv(?:\s*preprint)?(?:\s*:\s*|\s+)(\S+)", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
#: A .bib file has at least one ``@type{`` (or ``@type(``).
_ANY_ENTRY = re.compile(r"@[ \t]*[A-Za-z]+[ \t]*[{(]")


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


@dataclass
class ParsedBibtex:
    """The entries of a .bib text, the problems met (by line), and how many entries it held."""

    entries: list[BibEntry] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    read: int = 0


class _Strings:
    """The ``@string`` macros of a file, within :data:`MAX_STRINGS_CHARS` in all."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.refused: dict[str, str] = {}  # name -> why it was not defined
        self.size = 0

    def define(self, name: str, raw: str) -> None:
        name = name.lower()
        value = _resolve(raw, self)
        if self.size + len(value) > MAX_STRINGS_CHARS:
            raise UnusableEntry(
                f"the @string macros of this file expand to more than {MAX_STRINGS_CHARS:,} "
                "characters"
            )
        self.size += len(value)
        self.values[name] = value
        self.refused.pop(name, None)

    def lookup(self, name: str) -> str:
        name = name.lower()
        if name in self.refused:
            raise _Undefined(name, self.refused[name])
        return self.values.get(name, name)


class _Undefined(UnusableEntry):
    """A value uses a macro that was refused; ``root`` says why the first one was."""

    def __init__(self, name: str, root: str) -> None:
        super().__init__(f"uses the @string {name!r}, which was not defined ({root})")
        self.root = root


def parse_bibtex(text: str) -> ParsedBibtex:
    """Read every entry of a .bib text; entries that cannot be used are reported by line
    (``where``) with the reason, and the rest is read."""
    with _quiet_splitter():
        library = parse_string(text, parse_stack=[])
    strings = _Strings()
    lines = _Lines(text)
    result = ParsedBibtex()
    seen_keys: dict[str, int] = {}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        where = f"line {line}"
        if isinstance(block, bibmodel.String):
            try:
                strings.define(block.key, str(block.value))
            except _Undefined as e:  # built on a refused macro: refused for the same reason
                strings.refused[block.key.lower()] = e.root
            except UnusableEntry as e:
                strings.refused[block.key.lower()] = f"@string{{{block.key}}} {e}"
                message = f"@string{{{block.key}}} {e}; not defined"
                result.problems.append(ImportProblem(where, message, skipped=False))
            continue
        entry: bibmodel.Block | None = block
        if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, bibmodel.ParsingFailedBlock):
            result.read += 1
            result.problems.append(ImportProblem(where, _failure(block, lines)))
            continue
        if not isinstance(entry, bibmodel.Entry):
            continue
        result.read += 1
        key = entry.key
        if key.lower() in seen_keys:
            result.problems.append(
                ImportProblem(
                    where,
                    f"the key {key!r} was used before (line {seen_keys[key.lower()]}); "
                    "both entries are imported",
                    skipped=False,
                )
            )
        seen_keys.setdefault(key.lower(), line)
        try:
            fields = _fields(entry, strings)
        except UnusableEntry as e:
            what = f"@{entry.entry_type.lower()}{{{key}}}"
            result.problems.append(ImportProblem(where, f"{what}: {e}; not imported"))
            continue
        result.entries.append(BibEntry(entry.entry_type.lower(), key, line, fields))
    return result


def _fields(entry: bibmodel.Entry, strings: _Strings) -> dict[str, str]:
    """An entry's fields, resolved and decoded (raises UnusableEntry, naming the field)."""
    fields: dict[str, str] = {}
    for f in entry.fields:
        name = f.key.lower()
        try:
            value = _resolve(str(f.value), strings)
            if name in _NAME_FIELDS:
                _names(value)  # read now, so a hostile name list costs only its entry
            elif name not in _VERBATIM:
                value = latex_to_text(value)
            else:
                value = value.replace("\\_", "_").replace("\\%", "%").strip("{} \n\t")
        except UnusableEntry as e:
            raise UnusableEntry(f"the field {name!r}: {e}") from None
        fields[name] = value.strip()
    return fields


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


class _Lines:
    """Line numbers of offsets in a text, by bisection (a file of 100,000 malformed entries
    would count its newlines 100,000 times otherwise)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [m.end() for m in re.finditer("\n", self.text)]
        return bisect.bisect_right(self._starts, offset) + 1


def _failure(block: bibmodel.ParsingFailedBlock, lines: _Lines) -> str:
    error = block.error
    head = (block.raw or "").split(",", 1)[0].split("\n", 1)[0].strip()[:60]
    what = f"the entry {head}}}" if head.startswith("@") and "{" in head else "an entry"
    if isinstance(error, BlockAbortedException):
        reason = " ".join(error.abort_reason.split())
        reason = reason[:1].lower() + reason[1:]
        if error.end_index is not None:
            reason += f" (at line {lines.line_of(error.end_index)})"
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


def _resolve(raw: str, strings: _Strings) -> str:
    """A raw field value with its enclosing removed, macros expanded and ``#`` joined.

    Raises:
        UnusableEntry: the value expands beyond :data:`MAX_FIELD_CHARS` (measured before it
            is built, so 39 doubling macros never ask for 2^39 bytes).
    """
    out: list[str] = []
    size = 0
    for part in _split_top(raw.strip(), "#"):
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            value = part[1:-1]
        else:
            value = strings.lookup(part)
        size += len(value)
        if size > MAX_FIELD_CHARS:
            raise UnusableEntry(f"expands to more than {MAX_FIELD_CHARS:,} characters")
        out.append(value)
    return "".join(out)


def _names(raw: str) -> list[str]:
    """``author`` field -> names written ``Given Family`` (the way arXiv writes them)."""
    names: list[str] = []
    for name in split_multiple_persons_names(raw):
        parts = parse_single_name_into_parts(name, strict=False)
        words = [*parts.first, *parts.von, *parts.last, *parts.jr]
        full = " ".join(latex_to_text(" ".join(words)).split())
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


def _doi_of(entry: BibEntry) -> str | None:
    """The entry's DOI: its ``doi`` field in any written form, else a DOI link in ``url``."""
    if doi := normalize_doi(entry.get("doi")):
        return doi
    for url in entry.get("url").split():
        if doi := normalize_doi(url):  # only a resolver link (doi.org/10.…) is one
            return doi
    return None


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
    for name in ("journal", "journaltitle", "booktitle"):
        for m in _ARXIV_IN_TEXT.finditer(entry.get(name)):
            if aid := arxiv_id.try_parse(m.group(1)):
                return aid
    # Free text where people put links and IDs (Mendeley: "arXiv: 2504.05220"; Zotero:
    # the abs URL in note; JabRef: eprint of another archive's entry type left empty).
    names = ["note", "howpublished", "url", "annote"] + (["eprint"] if kind == "arxiv" else [])
    for name in names:
        if found := arxiv_id.find_all(entry.get(name)):
            return found[0]
    return None


def _categories(entry: BibEntry) -> list[str]:
    raw = entry.get("eprintclass", "primaryclass")
    return [c for c in re.split(r"[,;\s]+", raw) if c and arxiv_id.is_category(c)]


def entry_to_incoming(entry: BibEntry, source: str = "bibtex") -> Incoming | str:
    """The paper an entry describes, or why it cannot become one."""
    title = " ".join(entry.get("title").split())
    aid = _arxiv_of(entry)
    doi = _doi_of(entry)
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
    elif written := entry.get("eprint", "arxivid"):
        try:  # why the eprint is no arXiv ID says more than "none found"
            arxiv_id.parse(written)
        except InvalidArxivId as e:
            return f"{_what(entry)}: {e}; not imported"
        return f"{_what(entry)} has no arXiv ID, arXiv link or DOI; not imported"
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
    parsed = parse_bibtex(text)
    report.read = parsed.read
    for problem in parsed.problems:
        where = f"{source}:{problem.where.removeprefix('line ')}"
        report.problems.append(ImportProblem(where, problem.message, problem.skipped))
    incoming: list[Incoming] = []
    for entry in parsed.entries:
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
    """Import a .bib file, in whatever encoding it was written.

    Raises:
        ImportFileError: the file cannot be read, or holds no BibTeX (a PDF passed by
            mistake, a text without a single ``@entry{``).
    """
    decoded = read_text_file(path, "BibTeX file")
    text = decoded.text
    prose = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("%")
    ]
    if prose and not _ANY_ENTRY.search(text):  # comments alone: an empty .bib, not an error
        raise ImportFileError(f"{path}: no BibTeX entry (@article{{...}}) in it: not a BibTeX file")
    report = import_bibtex_text(library, text, path.name, progress)
    report.encoding = decoded.encoding
    return report
