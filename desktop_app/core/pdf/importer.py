"""Local PDFs into the library, offline: each recognised as an arXiv paper, or kept as a new one.

The arXiv ID of a PDF is looked for, most trusted first, in

1. the stamp arXiv prints in the margin of page 1 (``arXiv:2504.05220v1 [cs.IR] 7 Apr 2025``):
   it names the very version the file holds;
2. the file's name (``2504.05220v1.pdf``, ``hep-th_9901001v2.pdf``, ``1001._0908.0054.pdf``,
   ``layout-parser__2103.15348v2_first2pages.pdf``) when it holds exactly one ID;
3. the PDF's document information (title, subject, keywords) when it mentions arXiv;
4. an ``arXiv:<id>`` on page 1 when it is the only one there.

A recognised PDF joins the paper already in the library (any version of it; a paper in the
trash is restored) or creates one whose metadata waits to be fetched from arXiv
(``metadata_state`` pending) under a provisional title from the PDF. An unrecognised PDF
becomes a paper without arXiv ID, titled from the document information or page 1's first
line(s), for the user to complete; the same file added again is recognised by its content.

The PDF is copied into the paper's folder (``<id>vN.pdf`` for arXiv papers); the original is
left where it was. A paper that has a PDF already keeps it. Page text is read by
:mod:`desktop_app.core.pdf.text` in its child process with a time limit (PDFs are untrusted)
and cached there, so the search index reads each PDF once. The document information is read
from the file's bytes by plain Python, never by native code in this process.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.fetch import pdf_name
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import PdfError
from desktop_app.core.interop.importing import Importer, ImportReport, Incoming, Outcome
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, local_key, slugify
from desktop_app.core.pdf.text import NO_TEXT_LAYER, PdfText, TextExtractor, file_sha256
from desktop_app.core.progress import Progress
from desktop_app.core.settings import max_pdf_bytes
from desktop_app.core.storage import atomic_write_bytes, read_bounded

log = logging.getLogger(__name__)

_STAMP = re.compile(
    r"arXiv:\s*(?P<id>[\w./-]+?)\s*\[(?P<cat>[^\]\n]{1,40})\]\s*"
    r"(?P<date>\d{1,2}\s*[A-Z][a-z]{2}\s*\d{4})"
)
_LOOSE = re.compile(r"arXiv\s*:\s*(?P<id>[\w./-]+\d)", re.IGNORECASE)
_OLD_IN_NAME = re.compile(r"(?<![A-Za-z])([a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?)_(\d{7}(?:v\d+)?)")
_UNREADABLE = ("cannot be read", "is empty", "not a PDF", "cannot be opened")
_JUNK_TITLE = re.compile(
    r"^(?:untitled|microsoft (?:word|powerpoint)\b|document\d*$|slide\s*\d*$)"
    r"|\.(?:docx?|pdf|tex|dvi|ps|indd|pptx?|odt|rtf)$",
    re.IGNORECASE,
)
_NOT_TITLE_LINE = re.compile(r"[@†‡∗*♦♣♠§¶⋄□]|\d{3,}|^\W*$|^(?:abstract|introduction)\b", re.I)
_DATE_LINE = re.compile(
    r"^\s*(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*"
    r"(?:\d{1,2},?\s*)?\d{4}\s*$",
    re.IGNORECASE,
)


# -- recognition ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recognition:
    """What a PDF was recognised as: an arXiv ID and where it was found, or nothing."""

    arxiv: ArxivId | None = None
    how: str = ""  # "stamp", "file name", "document information", "page 1"
    category: str | None = None  # the primary category the stamp names


def id_from_stamp(page: str) -> Recognition:
    """The ID (and category) of arXiv's margin stamp on a page's text."""
    for m in _STAMP.finditer(page):
        aid = arxiv_id.try_parse(m["id"])
        if aid is not None:
            cat = m["cat"].strip()
            return Recognition(aid, "stamp", cat if arxiv_id.is_category(cat) else None)
    return Recognition()


def id_from_file_name(name: str) -> ArxivId | None:
    """The one arXiv ID a file name holds (``_`` stands for ``/`` in old-style IDs)."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    found = [
        aid
        for archive, number in _OLD_IN_NAME.findall(stem)
        if (aid := arxiv_id.try_parse(f"{archive}/{number}")) is not None
    ]
    if not found:
        found = arxiv_id.find_all(re.sub(r"[_\s]+", " ", stem))
    return found[0] if len({a.id for a in found}) == 1 else None


def id_from_metadata(info: dict[str, str]) -> ArxivId | None:
    """The arXiv ID the document information mentions (only where it says "arXiv")."""
    for name in ("Subject", "Keywords", "Title"):
        value = info.get(name, "")
        if "arxiv" in value.lower() and (found := arxiv_id.find_all(value)):
            return found[0]
    return None


def id_from_text(page: str) -> ArxivId | None:
    """The ``arXiv:<id>`` on a page, when there is just one (more are likely citations)."""
    found = {aid.id: aid for m in _LOOSE.finditer(page) if (aid := arxiv_id.try_parse(m["id"]))}
    return next(iter(found.values())) if len(found) == 1 else None


def recognise(path: Path, first_page: str, info: dict[str, str]) -> Recognition:
    """The arXiv ID of a PDF, from the most trusted place that has one (module docstring)."""
    stamped = id_from_stamp(first_page)
    if stamped.arxiv is not None:
        return stamped
    if (aid := id_from_file_name(path.name)) is not None:
        return Recognition(aid, "file name")
    if (aid := id_from_metadata(info)) is not None:
        return Recognition(aid, "document information")
    if (aid := id_from_text(first_page)) is not None:
        return Recognition(aid, "page 1")
    return Recognition()


# -- titles -----------------------------------------------------------------------------------


def title_from_metadata(info: dict[str, str]) -> str | None:
    """The document information's title, unless it is a tool's placeholder."""
    title = " ".join(info.get("Title", "").split())
    if len(title) < 4 or _JUNK_TITLE.search(title) or not re.search(r"[^\W\d_]{2}", title):
        return None
    return title


def title_from_text(page: str) -> str | None:
    """The title on a paper's first page: its first line, and the next when it continues it.

    Dates, page headers and lines of symbols at the top are skipped; author lines (with
    footnote marks, e-mail addresses, affiliations' digits) end the title.
    """
    lines = [" ".join(line.split()) for line in page.splitlines()]
    lines = [line for line in lines if line]
    start = 0
    while start < len(lines) and (
        _DATE_LINE.match(lines[start]) or len(re.findall(r"[^\W\d_]", lines[start])) < 4
    ):
        start += 1
    if start >= len(lines):
        return None
    title = re.sub(r"\s+\d{1,4}$", "", lines[start])  # a running header's page number
    wrapped_once = False
    for nxt in lines[start + 1 : start + 3]:
        explicit = title.endswith((":", "-", "–")) or nxt[:1].islower()
        wrapped = not wrapped_once and len(title) >= 35 and len(nxt) <= 80 and "," not in nxt
        sentence = nxt.endswith(".") or ". " in nxt  # body text, not a title's second line
        if title.endswith(".") or sentence or _NOT_TITLE_LINE.search(nxt):
            break
        if not (explicit or wrapped):
            break
        wrapped_once = wrapped_once or not explicit
        title = title + nxt if title.endswith("-") and nxt[:1].islower() else f"{title} {nxt}"
    return title[:300]


# -- document information (plain Python over the file's bytes) -------------------------------

_INFO_REF = re.compile(rb"/Info\s+(\d{1,10})\s+(\d{1,5})\s+R")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def read_info(path: Path) -> dict[str, str]:
    """The PDF's document information (``Title``, ``Subject``...), {} when unreadable.

    Only an uncompressed information dictionary is found (most are); an encrypted file's is
    not read, its strings being ciphertext.
    """
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b"/Encrypt") >= 0:
                return {}
            refs = list(_INFO_REF.finditer(data))
            if not refs:
                return {}
            number, generation = refs[-1].group(1), refs[-1].group(2)
            obj = re.compile(rb"(?<!\d)" + number + rb"\s+" + generation + rb"\s+obj\s*<<")
            found = list(obj.finditer(data))
            if not found:
                return {}
            return _parse_info(bytes(data[found[-1].end() : found[-1].end() + 65536]))
    except (OSError, ValueError) as e:
        log.info("%s: no document information: %s", path, e)
        return {}


def _parse_info(body: bytes) -> dict[str, str]:
    """The string entries of a dictionary body (after its ``<<``), up to its ``>>``."""
    info: dict[str, str] = {}
    pos, key = 0, None
    while pos < len(body):
        ch = body[pos : pos + 1]
        if body.startswith(b">>", pos):
            break
        if ch == b"/":
            m = re.match(rb"/([^\s/<>\[\]()]+)", body[pos:])
            if m is None:
                break
            pos += m.end()
            # A name is a key, or the value of the key before it (/Trapped /False).
            key = m.group(1).decode("latin-1") if key is None else None
            continue
        if ch == b"(":
            raw, pos = _literal(body, pos + 1)
            if key:
                info[key] = _decode_pdf_string(raw)
            key = None
            continue
        if ch == b"<" and not body.startswith(b"<<", pos):
            end = body.find(b">", pos)
            if end < 0:
                break
            hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", body[pos + 1 : end])
            if key:
                padded = hexdigits + b"0" * (len(hexdigits) % 2)  # a missing last digit is 0
                info[key] = _decode_pdf_string(bytes.fromhex(padded.decode()))
            key, pos = None, end + 1
            continue
        if ch.isspace():
            pos += 1
            continue
        # A number, a reference, an array or a nested dictionary: not a string; skip it.
        m = re.match(rb"[^\s/()<>]+", body[pos:])
        pos += m.end() if m else 1
        key = None
    return info


def _literal(body: bytes, pos: int) -> tuple[bytes, int]:
    """A literal string from ``pos`` (after its ``(``): its bytes and the position after."""
    out = bytearray()
    depth = 1
    while pos < len(body):
        ch = body[pos : pos + 1]
        if ch == b"\\":
            nxt = body[pos + 1 : pos + 2]
            if m := re.match(rb"[0-7]{1,3}", body[pos + 1 : pos + 4]):
                out.append(int(m.group(), 8) & 0xFF)
                pos += 1 + m.end()
                continue
            if nxt in (b"\n", b"\r"):  # a line continuation
                pos += 2 + (body[pos + 1 : pos + 3] == b"\r\n")
                continue
            out += _ESCAPES.get(nxt, nxt)
            pos += 2
            continue
        if ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), pos + 1
        out += ch
        pos += 1
    return bytes(out), pos


def _decode_pdf_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace").strip("\x00").strip()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace").strip()
    return raw.decode("latin-1").strip()  # PDFDocEncoding, near enough for titles


# -- finding and copying files ------------------------------------------------------------------


def find_pdfs(paths: Iterable[Path], skip: Path | None = None) -> tuple[list[Path], list[str]]:
    """The PDFs named or found (recursively) in folders; and the paths that do not exist.

    Hidden files and folders are skipped, and so is ``skip`` (the library's own folder).
    """
    found: list[Path] = []
    missing: list[str] = []
    skip_resolved = skip.resolve() if skip else None
    for path in paths:
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                if skip_resolved and Path(folder).resolve().is_relative_to(skip_resolved):
                    dirs[:] = []
                    continue
                found += [
                    Path(folder) / f
                    for f in sorted(files)
                    if f.lower().endswith(".pdf") and not f.startswith(".")
                ]
        elif path.is_file():
            found.append(path)
        else:
            missing.append(str(path))
    return list(dict.fromkeys(found)), missing


# -- importing ----------------------------------------------------------------------------------


@dataclass
class _LibraryPdfs:
    """The PDFs of the library by size, hashed only when a new file has the same size."""

    library: Library
    limit: int  # the largest PDF taken, in bytes
    by_size: dict[int, list[tuple[str, Path]]] | None = None
    hashes: dict[Path, str] = field(default_factory=dict)

    def key_of(self, path: Path, sha256: str) -> str | None:
        if self.by_size is None:
            self.by_size = {}
            for paper in self.library.papers():
                if (pdf := self.library.pdf_path(paper)) is not None:
                    self.by_size.setdefault(pdf.stat().st_size, []).append((paper.key, pdf))
        for key, pdf in self.by_size.get(path.stat().st_size, []):
            if pdf not in self.hashes:
                self.hashes[pdf] = file_sha256(pdf)
            if self.hashes[pdf] == sha256:
                return key
        return None

    def add(self, key: str, pdf: Path, sha256: str) -> None:
        if self.by_size is not None:
            self.by_size.setdefault(pdf.stat().st_size, []).append((key, pdf))
        self.hashes[pdf] = sha256


def import_pdfs(
    library: Library,
    paths: Iterable[Path],
    *,
    extractor: TextExtractor | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Add PDFs (files, or folders searched recursively) to the library; see the module doc.

    Files that are not readable PDFs are reported and skipped, and so are those over
    ``max_bytes`` (default: the ``max_pdf_mb`` setting's default); the rest is imported.
    """
    pdfs, missing = find_pdfs(paths, skip=library.root)
    importer = Importer(library)
    report = importer.report
    for name in missing:
        there = os.path.exists(name)
        report.problem(
            name, "is not a file (a device or a socket)" if there else "no such file or folder"
        )
    known = _LibraryPdfs(library, limit=max_pdf_bytes(max_bytes))
    with (
        nullcontext(extractor) if extractor else TextExtractor() as reader,
        library.notices_deferred(),  # the index told once, at the end
    ):
        for done, path in enumerate(pdfs, start=1):
            _import_one(library, importer, known, reader, path)
            if progress is not None:
                progress(done, len(pdfs))
    return report


def _import_one(
    library: Library,
    importer: Importer,
    known: _LibraryPdfs,
    extractor: TextExtractor,
    path: Path,
) -> None:
    report = importer.report
    try:
        size = path.stat().st_size
    except OSError as e:
        report.problem(str(path), f"cannot be read: {e.strerror or e}; not added")
        return
    if size > known.limit:
        report.problem(
            str(path), f"{size / 2**20:,.1f} MB is over the max_pdf_mb setting; not added"
        )
        return
    text: PdfText = extractor.extract(path)
    if text.error and text.error.startswith(_UNREADABLE):
        report.problem(str(path), f"{text.error}; not added")
        return
    if text.error and not text.error.startswith(NO_TEXT_LAYER):
        report.problem(str(path), f"{text.error}; added without its text", skipped=False)
    first_page = text.pages[0] if text.pages else ""
    sha256 = text.sha256 or file_sha256(path)
    info = read_info(path)
    found = recognise(path, first_page, info)
    pages = text.page_count or None
    if found.arxiv is None:
        if (key := known.key_of(path, sha256)) is not None:
            report.record(Outcome.UNCHANGED, key)  # this very file is in the library
            return
        title = title_from_metadata(info) or title_from_text(first_page) or _stem_title(path)
        paper = Paper(key=local_key(title, sha256), title=title, source=f"pdf:{path.name}")
        paper.page_count = pages
        importer.add(Incoming(paper, where=str(path)))
        _attach(library, known, paper.key, path, sha256, f"{slugify(path.stem)}.pdf", None)
        return
    aid = found.arxiv
    named = id_from_file_name(path.name)
    if found.how == "stamp" and named is not None and named.key != aid.key:
        # The stamp is trusted, but the user who named the file meant another paper.
        report.problem(
            str(path),
            f"its file name names {named.canonical} but its arXiv stamp {aid.canonical}: "
            f"it went to {aid.canonical}",
            skipped=False,
        )
    paper = Paper.from_arxiv(
        aid,
        title=title_from_metadata(info) or title_from_text(first_page) or "",
        categories=[found.category] if found.category else [],
        source=f"pdf:{path.name}",
        metadata_state=FetchState.PENDING,
        page_count=pages,
    )
    log.info("%s: arXiv %s (from the %s)", path, aid.canonical, found.how)
    outcome, key = importer.add(Incoming(paper, where=str(path)))
    existing = library.get(key)
    if library.pdf_path(existing) is not None:
        if known.key_of(path, sha256) != key and outcome is not Outcome.ADDED:
            report.problem(
                str(path), f"{existing.display_id} has a PDF already; it is kept", skipped=False
            )
        return
    version = aid.version or existing.arxiv_version
    _attach(library, known, key, path, sha256, pdf_name(aid.with_version(version)), version)
    if outcome is Outcome.UNCHANGED:  # the paper was complete but for its PDF
        report.unchanged.remove(key)
        report.joined.append(key)


def _attach(
    library: Library,
    known: _LibraryPdfs,
    key: str,
    src: Path,
    sha256: str,
    name: str,
    version: int | None,
) -> None:
    """Copy the PDF into the paper's folder and record it (with the version it holds)."""
    dest = library.writable_dir(key) / name
    try:
        data = read_bounded(src, known.limit)  # the file may have grown since
    except ValueError as e:
        raise PdfError(f"{src}: {e} (the max_pdf_mb setting); not attached") from None
    atomic_write_bytes(dest, data)

    def record(p: Paper) -> None:
        p.pdf_file, p.pdf_state, p.pdf_error = name, FetchState.DONE, None
        if version is not None and p.arxiv_version != version:
            p.latest_version = max(version, p.latest_version or 0, p.arxiv_version or 0)
            p.arxiv_version = version

    library.update(key, record)
    known.add(key, dest, sha256)


def _stem_title(path: Path) -> str:
    return " ".join(re.sub(r"[_]+", " ", path.stem).split()) or path.name
