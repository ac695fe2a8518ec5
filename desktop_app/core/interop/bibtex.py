"""BibTeX and BibLaTeX: export papers with readable, stable citation keys.

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

Import: :mod:`desktop_app.core.interop.bibtex_import`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.interop.importing import (
    BATCH_SIZE,
    normalize_doi,
)
from desktop_app.core.interop.latex import plain_to_latex, protect_case, tex_to_latex
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.words import ascii_fold, family_name

log = logging.getLogger(__name__)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

#: Title words a citation key skips (arXiv's key maker skips such words too).
_STOP = """a an the and or but nor of on in at to for from by with without into onto over under
    as is are was were be been being its it this that these those via vs versus about
    toward towards do does did can could should would will may might must how what why when
    where which who whom whose we our you your their his her not no yes than then so if"""
STOP_WORDS = frozenset(_STOP.split())

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
    for start in range(0, len(papers), BATCH_SIZE):
        with library.batch():  # the keys of many papers are saved with few folder syncs
            for paper in papers[start : start + BATCH_SIZE]:
                result.append(_keyed(library, paper, taken))
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
