"""Daily arXiv digests in Markdown: parse them, import them into the library, write them.

The format (``resources/sample-digest.md`` is a real digest)::

    # Title of the paper

    **Authors**: First Author, Second Author

    **Link**: [PDF](https://arxiv.org/pdf/2504.05220)

    **Abstract**: The abstract, which may run over several lines
    or paragraphs.

    ---
    # Next paper
    ...

Entries are separated by ``---`` lines (a ``# Title`` line also starts a new entry when the
separator is missing). Fields are ``**Name**: value`` lines (``**Name:**`` and a leading
``- `` are accepted too); a value runs on until the next field, heading or separator. The
parser tolerates a BOM, CRLF or CR line ends, trailing spaces, missing fields and extra
ones: ``**Comments**:`` becomes the arXiv comment, ``**Subjects**:`` (or ``**Categories**:``)
the categories, ``**DOI**:``, ``**Journal-ref**:`` and ``**Date**:`` are kept too, other
fields are ignored. Markdown and TeX in titles and author names are made readable
(``**bold**`` and ``[text](url)`` lose their markup, ``$\\alpha$-NN`` becomes ``α-NN``).

The paper's arXiv ID comes from the Link field, else from an ``**arXiv**:``/``**ID**:``
field, else from any arxiv.org link in the entry. An entry without a usable ID is reported
with its line number and skipped; a text block before the first separator that has no
fields at all is the digest's preamble and is ignored.

Import (:func:`import_digest`) is idempotent and offline: a paper already in the library only
gets the metadata it is missing (never tags, notes, status or rating); a paper in the trash
(dismissed or deleted) is not brought back; the PDF is recorded as not fetched yet.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import (
    DamagedFile,
    DigestError,
    DuplicatePaper,
    InvalidArxivId,
    UnusableEntry,
)
from desktop_app.core.interop.importing import normalize_doi
from desktop_app.core.interop.texdecode import latex_to_text, math_to_text
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.progress import Progress
from desktop_app.core.storage import read_input

log = logging.getLogger(__name__)

MAX_DIGEST_BYTES = 256 * 1024 * 1024  # far beyond any real digest; refuses a wrong file
# Papers written under one hold of the library's lock (see Library.batch): big enough to
# make a 1,000-paper import fast, small enough that the GUI never waits long for the lock.
BATCH_SIZE = 50

# -- the syntax -------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
# The closing hashes of a heading (``# Title #``) are cut by _heading_text, not here: a
# regex with both a lazy text and optional trailing runs retries every split of a long line.
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?P<text>.*)$")
_FIELD = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?"
    r"(?:\*\*|__)[ \t]*(?P<name>[A-Za-z][\w .'/-]{0,40}?)[ \t]*"
    r"(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)[ \t]*:)"
    r"[ \t]?(?P<value>.*)$"
)
# Linear on any line (D8: "[" * 20,000 + "](" * 20,000 took 53 s): the text holds no bracket
# and the URL no parenthesis, so the part each start scans ends where the next start is.
_MD_LINK = re.compile(r"!?\[(?P<text>[^\[\]]*)\]\((?P<url>[^()\s]*)(?:[ \t]+\"[^\"]*\")?\)")
_ANGLE_URL = re.compile(r"<(?P<url>https?://[^<>\s]+)>")
_ARXIV_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/[^\s)\]>\"'|]+",
    re.IGNORECASE,
)
_ANY_URL = re.compile(r"https?://[^\s)\]>\"'|]+", re.IGNORECASE)
# A line of an abstract that would read as markup of its own is written with a backslash.
_NEEDS_ESCAPE = re.compile(
    r"^[ \t]*(?:#|(?:[-*+][ \t]+)?(?:\*\*|__)|[-*_][ \t]*[-*_][ \t]*[-*_]|\\)"
)

# Field names as written in digests -> the name used here.
_FIELD_NAMES = {
    "authors": "authors",
    "author": "authors",
    "link": "link",
    "links": "link",
    "url": "link",
    "pdf": "link",
    "abs": "link",
    "abstract": "abstract",
    "summary": "abstract",
    "comments": "comment",
    "comment": "comment",
    "subjects": "categories",
    "subject": "categories",
    "categories": "categories",
    "category": "categories",
    "arxiv": "id",
    "arxiv id": "id",
    "id": "id",
    "identifier": "id",
    "doi": "doi",
    "journal-ref": "journal_ref",
    "journal ref": "journal_ref",
    "journal": "journal_ref",
    "date": "published",
    "published": "published",
    "submitted": "published",
}

# -- the result of parsing ----------------------------------------------------------------


@dataclass
class DigestEntry:
    """One paper of a digest, as written there (line: where its entry starts, from 1)."""

    line: int
    arxiv: ArxivId
    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    categories: list[str] = field(default_factory=list)
    comment: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    published: str | None = None
    link: str | None = None

    def metadata(self) -> dict[str, Any]:
        """The paper fields this entry provides (empty ones left out)."""
        values: dict[str, Any] = {
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "categories": list(self.categories),
            "comment": self.comment,
            "doi": self.doi,
            "journal_ref": self.journal_ref,
            "published": self.published,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class SkippedEntry:
    """An entry that was not imported, with the line it starts on and why."""

    line: int
    reason: str
    title: str = ""

    def __str__(self) -> str:
        about = f" ({self.title})" if self.title else ""
        return f"line {self.line}: {self.reason}{about}"


@dataclass
class ParsedDigest:
    """Every entry of a digest that names a paper, and the entries skipped."""

    entries: list[DigestEntry] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    source: str | None = None


@dataclass
class DigestReport:
    """What importing a digest did, paper by paper (keys), and what it skipped."""

    source: str | None = None
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # in the library already, nothing new
    updated: list[str] = field(default_factory=list)  # in the library, missing metadata filled
    dismissed: list[str] = field(default_factory=list)  # in the trash: dismissed or deleted
    skipped: list[SkippedEntry] = field(default_factory=list)

    @property
    def total(self) -> int:
        parts = (self.added, self.present, self.updated, self.dismissed, self.skipped)
        return sum(len(p) for p in parts)

    def summary(self) -> str:
        """One line: ``33 added, 0 already present, 0 updated, 0 dismissed before, 1 skipped``."""
        return (
            f"{len(self.added)} added, {len(self.present)} already present, "
            f"{len(self.updated)} updated, {len(self.dismissed)} dismissed before, "
            f"{len(self.skipped)} skipped"
        )


# -- reading ----------------------------------------------------------------------------------


def read_digest_text(path: Path) -> str:
    """The text of a digest file (UTF-8, with or without BOM).

    Raises:
        DigestError: the file cannot be read or is not UTF-8 text.
    """
    data = read_input(path, MAX_DIGEST_BYTES, "digest file", DigestError)
    if b"\0" in data[:8192]:
        raise DigestError(f"{path}: is a binary file, not a Markdown digest")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DigestError(f"{path}: line {line}: not UTF-8 text ({e.reason})") from None


def parse_digest(text: str, source: str | None = None) -> ParsedDigest:
    """Parse a digest's text into entries; entries without a usable arXiv ID are skipped."""
    lines = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
    result = ParsedDigest(source=source)
    seen: dict[str, int] = {}
    for block in _blocks(lines):
        outcome = _parse_block(block)
        if outcome is None:
            continue
        if isinstance(outcome, SkippedEntry):
            result.skipped.append(outcome)
            continue
        first = seen.get(outcome.arxiv.id)
        if first is not None:
            result.skipped.append(
                SkippedEntry(
                    outcome.line,
                    f"{outcome.arxiv.id} appears already at line {first}",
                    outcome.title,
                )
            )
            continue
        seen[outcome.arxiv.id] = outcome.line
        result.entries.append(outcome)
    return result


@dataclass
class _Block:
    start: int  # line number (from 1) of the first line
    lines: list[tuple[int, str]]
    first: bool  # before the first separator


def _blocks(lines: list[str]) -> Iterable[_Block]:
    """Split the lines at separators, and at a heading that follows an entry's fields."""
    current: list[tuple[int, str]] = []
    first = True
    has_content = False

    def flush() -> _Block | None:
        nonblank = [(n, s) for n, s in current if s.strip()]
        if not nonblank:
            return None
        return _Block(nonblank[0][0], list(current), first)

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if _SEPARATOR.match(line):
            if block := flush():
                yield block
            current, first, has_content = [], False, False
            continue
        if _HEADING.match(line) and has_content:
            if block := flush():
                yield block
            current, first, has_content = [], False, False
        if _FIELD.match(line):
            has_content = True
        current.append((number, line))
    if block := flush():
        yield block


def _parse_block(block: _Block) -> DigestEntry | SkippedEntry | None:
    title = ""
    title_line = block.start
    fields: dict[str, list[str]] = {}  # known field -> its lines
    current: list[str] | None = None
    title_open = False  # a title may wrap onto the lines that follow it
    known_field = False
    # arXiv links outside the known fields (in the title, in an unknown field such as
    # **HTML**:, in loose lines): the ID when neither Link nor ID gives one.
    stray_urls: list[str] = []
    for number, line in block.lines:
        if (m := _HEADING.match(line)) and not title and not fields:
            title, title_line, title_open, current = _heading_text(m["text"]), number, True, None
            stray_urls += _ARXIV_URL.findall(line)
            continue
        if m := _FIELD.match(line):
            name = _FIELD_NAMES.get(" ".join(m["name"].lower().split()), "")
            current = [m["value"]]
            known_field = bool(name)
            if name and name not in fields:
                fields[name] = current
            if not known_field:
                stray_urls += _ARXIV_URL.findall(line)
            title_open = False
            continue
        if not line.strip():
            title_open = False
            if current is not None:
                current.append("")
            continue
        if title_open:
            title += " " + line.strip()
        elif current is not None:
            current.append(line)
        if current is None or not known_field:
            stray_urls += _ARXIV_URL.findall(line)
    if not fields and not title and not stray_urls:
        return None
    if not fields and block.first and not stray_urls:
        return None  # the digest's preamble
    try:
        title = clean_title(title)
        aid, problem = _find_id(fields, stray_urls)
        if aid is None:
            return SkippedEntry(title_line, problem, title)
        entry = DigestEntry(line=title_line, arxiv=aid, title=title)
        for name, value_lines in fields.items():
            _set_field(entry, name, value_lines)
    except UnusableEntry as e:  # TeX nested too deep or too long to read
        return SkippedEntry(title_line, str(e), title[:80])
    return entry


def _heading_text(text: str) -> str:
    """A heading's text without the closing hashes Markdown allows (``# Title ##``)."""
    text = text.rstrip(" \t")
    body = text.rstrip("#")
    if body != text and (not body or body[-1] in " \t"):
        text = body.rstrip(" \t")
    return text


def _find_id(fields: dict[str, list[str]], stray_urls: list[str]) -> tuple[ArxivId | None, str]:
    """The entry's arXiv ID, or None and why not."""
    problems: list[str] = []
    for name in ("link", "id"):
        if name not in fields:
            continue
        value = " ".join(" ".join(fields[name]).split())
        if not value:
            problems.append(f"the {name} field is empty")
            continue
        urls = [m["url"] for m in _MD_LINK.finditer(value)]
        urls += [m["url"] for m in _ANGLE_URL.finditer(value)]
        rest = _ANGLE_URL.sub(" ", _MD_LINK.sub(" ", value))
        urls += _ANY_URL.findall(rest)
        for candidate in urls or [value]:
            try:
                return arxiv_id.parse(candidate), ""
            except InvalidArxivId as e:
                problems.append(str(e))
        if found := arxiv_id.find_all(value):
            return found[0], ""
    for url in stray_urls:
        try:
            return arxiv_id.parse(url), ""
        except InvalidArxivId as e:
            problems.append(str(e))
    return None, problems[0] if problems else "no arXiv link or ID"


def _set_field(entry: DigestEntry, name: str, lines: list[str]) -> None:
    if name == "abstract":
        entry.abstract = _paragraphs(lines)
        return
    value = " ".join(" ".join(line.split()) for line in lines if line.strip())
    if name == "authors":
        entry.authors = split_authors(value)
    elif name == "link":
        urls = [m["url"] for m in _MD_LINK.finditer(value)] or _ANY_URL.findall(value)
        entry.link = urls[0] if urls else value or None
    elif name == "categories":
        entry.categories = parse_categories(value)
    elif name == "comment":
        entry.comment = _inline_markdown(value) or None
    elif name == "doi":
        doi = _link_text(value).strip()
        entry.doi = normalize_doi(doi) or doi or None
    elif name == "journal_ref":
        entry.journal_ref = _inline_markdown(value) or None
    elif name == "published":
        entry.published = parse_date(value)


def _paragraphs(lines: list[str]) -> str:
    """An abstract's lines as written: line breaks kept, runs of blank lines made one."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if line.startswith("\\") and _NEEDS_ESCAPE.match(line[1:]):
            line = line[1:]  # escaped by write_digest
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# -- cleaning text ----------------------------------------------------------------------------


def _inline_markdown(text: str) -> str:
    """Text without Markdown inline markup (links keep their text), entities decoded."""
    text = _MD_LINK.sub(lambda m: m["text"], text)
    text = _ANGLE_URL.sub(lambda m: m["url"], text)
    # Each pattern scans only to the next delimiter of its kind: linear on any line.
    text = re.sub(r"</?(?:i|b|em|strong|sub|sup|tt|span|code)\b[^<>]*>", "", text, flags=re.I)
    text = re.sub(r"\*\*((?:[^*]|\*(?!\*))+?)\*\*|__((?:[^_]|_(?!_))+?)__", _strong, text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = html.unescape(text)
    return " ".join(text.split())


def _strong(m: re.Match[str]) -> str:
    return m[1] if m[1] is not None else m[2]


def _link_text(text: str) -> str:
    """A field value that may be a Markdown link: the URL, else the text."""
    if m := _MD_LINK.search(text):
        return m["url"]
    return _inline_markdown(text)


def clean_title(title: str) -> str:
    """A title made readable: no Markdown markup, TeX turned into plain text.

    ``**Bold** $k$-NN for $\\mathcal{O}(n^2)$ [graphs](https://x)`` becomes
    ``Bold k-NN for O(n²) graphs``. A lone ``$`` (``$5 budgets``) stays.
    """
    text = _inline_markdown(title)
    # Markdown escapes (\*, \_, \#, \[) are literal characters, TeX escapes too.
    text = re.sub(r"\\([*_#\[\]()`!<>|])", r"\1", text)
    # Math as Pandoc finds it: "$x$" with no space inside the dollars, none followed by a digit.
    # No span crosses an unescaped delimiter of its kind, so each scan ends at the next one.
    text = re.sub(r"(?<!\\)\$\$((?:[^$\\]|\\.|\$(?!\$))+?)\$\$", lambda m: math_to_text(m[1]), text)
    text = re.sub(
        r"(?<![\\$])\$(?=\S)((?:[^$\\]|\\.)+?)(?<=\S)(?<!\\)\$(?!\d)",
        lambda m: math_to_text(m[1]),
        text,
    )
    text = re.sub(r"\\\(((?:[^\\]|\\(?![()]))+?)\\\)", lambda m: math_to_text(m[1]), text)
    if "\\" in text or "{" in text:
        text = latex_to_text(text)
    return " ".join(text.split())


def split_authors(value: str) -> list[str]:
    """The names of an authors field: ``A, B and C`` or ``Last, First; Last, First``."""
    value = _inline_markdown(value)
    if "\\" in value or "{" in value:
        value = latex_to_text(value)
    value = re.sub(r"\s*\(\d+(?:,\s*\d+)*\)|\s*\[\d+(?:,\s*\d+)*\]", "", value)  # affiliations
    sep = r"\s*;\s*" if ";" in value else r"\s*,\s*"
    parts = re.split(sep, value)
    names: list[str] = []
    for part in parts:
        for name in re.split(r"(?:^|,?\s+)and\s+|\s*&\s*", part):
            name = name.strip(" ,")
            if name and name.casefold() not in ("et al", "et al."):
                names.append(name)
    return names


def parse_categories(value: str) -> list[str]:
    """arXiv categories from ``Information Retrieval (cs.IR); Machine Learning (cs.LG)``
    or ``cs.IR, cs.LG`` (primary first, each once)."""
    value = _inline_markdown(value)
    found = re.findall(r"\(([^()]+)\)", value)
    tokens = found if found else re.split(r"[\s,;]+", value)
    result: list[str] = []
    for token in tokens:
        token = token.strip()
        if arxiv_id.is_category(token) and token not in result:
            result.append(token)
    return result


_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                "oct", "nov", "dec"), 1)
}  # fmt: skip


def parse_date(value: str) -> str | None:
    """A day as ISO ``YYYY-MM-DD`` from ``2025-04-07`` or ``7 Apr 2025`` (else None)."""
    value = _inline_markdown(value)
    if m := re.search(r"\b(\d{4})-(\d\d)-(\d\d)\b", value):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := re.search(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})\b", value):
        y, mo, d = int(m[3]), _MONTHS.get(m[2].lower(), 0), int(m[1])
    elif m := re.search(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b", value):
        y, mo, d = int(m[3]), _MONTHS.get(m[1].lower(), 0), int(m[2])
    else:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 < y < 2200):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


# -- importing --------------------------------------------------------------------------------


def import_digest(
    library: Library,
    digest: Path | str | ParsedDigest,
    status: Status = Status.NEW,
    *,
    source: str | None = None,
    progress: Progress | None = None,
) -> DigestReport:
    """Import a digest into the library; returns what it did.

    Args:
        digest: a file (a ``Path``, or a ``str`` naming an existing file), the digest's
            text (a ``str`` with a line break), or a digest parsed already.
        status: the status of the papers added (``new`` puts them in the inbox).
        source: recorded as the papers' ``source`` (default: the file's name).
        progress: called with (entries done, entries in all) as the import goes.

    Raises:
        DigestError: the file cannot be read.
    """
    parsed = _parsed(digest)
    source = source or parsed.source
    report = DigestReport(source=source, skipped=list(parsed.skipped))
    total = len(parsed.entries)
    with library.notices_deferred():  # the index told once: a few commits, not one a paper
        for start in range(0, total, BATCH_SIZE):
            with library.batch():
                for done, entry in enumerate(parsed.entries[start : start + BATCH_SIZE], start + 1):
                    _import_entry(library, entry, status, source, report, done)
                    if progress is not None:
                        progress(done, total)
    report.skipped.sort(key=lambda s: s.line)
    log.info("imported %s: %s", source or "a digest", report.summary())
    return report


def _parsed(digest: Path | str | ParsedDigest) -> ParsedDigest:
    if isinstance(digest, ParsedDigest):
        return digest
    if isinstance(digest, str) and ("\n" in digest or "\r" in digest):
        return parse_digest(digest)
    if isinstance(digest, str) and not os.path.isfile(digest):
        # One line of text that names no file: a (tiny) digest, or a mistyped file name.
        if _FIELD.search(digest) or _HEADING.match(digest):
            return parse_digest(digest)
        raise DigestError(f"{digest}: no such file")
    path = Path(digest)
    return parse_digest(read_digest_text(path), source=path.name)


def _import_entry(
    library: Library,
    entry: DigestEntry,
    status: Status,
    source: str | None,
    report: DigestReport,
    position: int,
) -> None:
    aid = entry.arxiv
    key = aid.key
    if not library.exists(key):
        if library.was_dismissed(key):
            report.dismissed.append(key)
            return
        paper = Paper.from_arxiv(
            aid,
            **entry.metadata(),
            source=source,
            status=status,
            pdf_state=FetchState.NONE,
            digest_position=position,
        )
        try:
            library.add(paper)
        except DuplicatePaper:
            pass  # added meanwhile by another program: fill it in below
        else:
            report.added.append(key)
            return
    filled: list[str] = []

    def fill(paper: Paper) -> None:
        """Fill in the metadata the paper has none of yet (fields edited by hand excepted)."""
        filled.clear()
        for name, value in entry.metadata().items():
            if name not in paper.edited and not getattr(paper, name):
                setattr(paper, name, value)
                filled.append(name)
        if paper.arxiv_version is None and aid.version is not None:
            paper.arxiv_version = aid.version
            filled.append("arxiv_version")
        if not paper.source and source:
            paper.source = source
            filled.append("source")

    try:
        library.update(key, fill)
    except DamagedFile as e:  # left for the user to fix; the rest imports
        report.skipped.append(SkippedEntry(entry.line, str(e), entry.title))
        return
    (report.updated if filled else report.present).append(key)


# -- writing ----------------------------------------------------------------------------------


def write_digest(papers: Iterable[Paper], extra: Callable[[Paper], str] | None = None) -> str:
    """The papers as a digest in the format this module parses (round trip safe).

    Papers without an arXiv ID are written without a Link field (an import skips them).
    ``extra`` gives Markdown to end each paper's block with (its annotations), after a
    ``**Annotations**:`` field.
    """
    blocks: list[str] = []
    for paper in papers:
        lines = [f"# {' '.join(paper.title.split()) or paper.display_id}", ""]
        if paper.authors:
            sep = "; " if any("," in name for name in paper.authors) else ", "
            lines += [f"**Authors**: {sep.join(paper.authors)}", ""]
        aid = paper.arxiv
        if aid is not None:
            lines += [f"**Link**: [PDF]({aid.pdf_url()})", ""]
        for name, value in (
            ("Subjects", ", ".join(paper.categories)),
            ("Comments", paper.comment),
            ("Journal-ref", paper.journal_ref),
            ("DOI", paper.doi),
            ("Date", paper.published),
        ):
            if value:
                lines += [f"**{name}**: {' '.join(value.split())}", ""]
        if paper.abstract:
            abstract = [
                "\\" + line if _NEEDS_ESCAPE.match(line) else line
                for line in paper.abstract.strip().split("\n")
            ]
            lines += ["**Abstract**: " + "\n".join(abstract), ""]
        more = extra(paper) if extra else ""
        if more:
            lines += ["**Annotations**:", "", more.rstrip("\n"), ""]
        blocks.append("\n".join(lines))
    return "".join(block + "\n---\n" for block in blocks)
