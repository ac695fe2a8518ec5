"""BibTeX and BibLaTeX: export papers with readable, stable citation keys.

Export (see ../shared/testdata/bibtex-conventions.md for what other tools write), read with
no error by bibtex (plain.bst), biber and pybtex's strict mode:

- citation keys read ``zhang2025leveraging``: the first author's family name, the year and
  the first significant word of the title, transliterated to ASCII (anyascii). A key is
  unique in the library whatever its case (a clash gets ``a``, ``b``, ... appended), holds
  only characters biber accepts and, once assigned, is kept in the paper's record
  (``citation_key``) so it never changes under a manuscript that cites it. A key brought
  by an import is kept when it is free (reduced to the characters biber accepts). An
  export never needs to save keys: a read-only library is exported all the same.
- ``bibtex``: ``@misc`` (``@article`` with ``journal`` once published), ``year`` and
  ``month``, ``eprint``, ``archivePrefix = {arXiv}``, ``primaryClass``; non-ASCII letters
  as TeX accents (``M{\\"u}ller``), which classic BibTeX needs.
- ``biblatex``: ``@online`` (``@article`` with ``journaltitle``), ``date``, ``eprint``,
  ``eprinttype = {arxiv}``, ``eprintclass``; Unicode kept, as biber reads it.
- both: ``eprint`` and ``url`` without version unless the user pinned one, the category for
  new-style IDs only (arXiv's own export); ``doi``, ``url``, ``abstract``, the tags as
  ``keywords`` and, when asked, the notes as ``annote``. Titles keep arXiv's TeX, with
  what a style must not lower-case braced (:func:`~.latex.protect_case`); names as BibTeX
  reads them (:func:`format_name`); braces as bibtex counts them, escaped or dropped where
  they cannot pair (:func:`~.latex.balance_braces`).

Import: :mod:`desktop_app.core.interop.bibtex_import`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum

from anyascii import anyascii

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.errors import LibraryError
from desktop_app.core.interop.importing import (
    BATCH_SIZE,
    normalize_doi,
)
from desktop_app.core.interop.latex import (
    balance_braces,
    plain_to_latex,
    protect_case,
    tex_to_latex,
)
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
    """The readable key of a paper before it is made unique (``zhang2025leveraging``).

    Names and words are transliterated to ASCII (anyascii: ``Łukasiewicz`` ->
    ``lukasiewicz``, ``Đorđević`` -> ``dordevic``, ``张伟`` -> ``zhangwei``), as Better
    BibTeX does, so no letter is dropped and classic BibTeX reads the key.
    """
    author = _key_name(paper.authors[0]) if paper.authors else ""
    year = str(paper.year) if paper.year else ""
    words = re.split(r"\s+", re.sub(r"\$[^$]*\$|\\[A-Za-z]+", " ", paper.title))
    word = next((w for w in (ascii_fold(w) for w in words) if w and w not in STOP_WORDS), "")
    return (author or "anon") + year + word


def _key_name(author: str) -> str:
    """The name a key starts with: the family name of a person, the first significant
    word of a body (``The ATLAS Collaboration`` -> ``atlas``)."""
    if _CORPORATE.search(author) and "," not in author:
        words = (ascii_fold(w) for w in author.split())
        return next((w for w in words if w and w not in STOP_WORDS), "")
    return ascii_fold(family_name(author))


#: What a key may hold so that bibtex, biber (whose parser stops at ``'``, ``"``, ``#``,
#: ``%``, ``(``, ``)``, ``=``, ``{``, ``}``, ``,`` and spaces) and pybtex all read it.
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_\-:./]+")


def legal_key(key: str) -> str:
    """``key`` reduced to the characters every tool accepts (``O'Hara_1999`` ->
    ``OHara_1999``, ``Müller:2020`` -> ``Muller:2020``); empty when nothing is left."""
    return _KEY_CHARS.sub("", anyascii(key))


def _suffixes() -> Iterable[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def unique_key(base: str, taken: set[str]) -> str:
    """``base``, or ``base`` with the first free suffix ``a``, ``b``, ... ``aa``, ...

    ``taken`` holds keys case-folded: ``Kim_2019`` and ``kim_2019`` are one key to bibtex
    ("Repeated entry") and to biber.
    """
    if base.casefold() not in taken:
        return base
    return next(base + s for s in _suffixes() if (base + s).casefold() not in taken)


def assign_citation_keys(library: Library, papers: Sequence[Paper]) -> list[Paper]:
    """The papers, each with a citation key that bibtex and biber accept and that no other
    paper holds in any case; new keys are saved in the papers' records when the library
    can be written.

    Keys already assigned never change, but for two cases that no tool could read: a key
    with characters biber rejects (an imported ``O'Hara_1999`` becomes ``OHara_1999``),
    and a key another paper holds in another case (``kim_2019`` beside ``Kim_2019``: the
    paper added first keeps it, the other gets ``kim_2019a``). Keys are unique across the
    library and its trash (a restored paper keeps its key).

    Exporting never needs to write the library: on a read-only library (or one locked by
    another program) the keys are given in the export only, and saved by a later export.
    """
    fixes = _key_fixes(library, papers)
    if not fixes:
        return list(papers)
    _save_keys(library, fixes)
    return [
        dataclasses.replace(p, citation_key=fixes[p.key]) if p.key in fixes else p for p in papers
    ]


def _key_fixes(library: Library, papers: Sequence[Paper]) -> dict[str, str]:
    """The papers (by key) that need a new citation key, and that key."""
    folded = Counter(p.citation_key.casefold() for p in papers if p.citation_key)
    if all(p.citation_key and legal_key(p.citation_key) == p.citation_key for p in papers) and (
        all(n == 1 for n in folded.values())
    ):
        return {}
    everything = {p.key: p for p in library.trash()}
    everything.update((p.key, p) for p in library.papers())
    for paper in papers:  # papers not in the library (a preview) count too
        everything.setdefault(paper.key, paper)
    holder: dict[str, str] = {}  # case-folded key -> the paper that keeps it
    for p in sorted(everything.values(), key=lambda p: (p.added, p.key)):
        if p.citation_key and legal_key(p.citation_key) == p.citation_key:
            holder.setdefault(p.citation_key.casefold(), p.key)
    taken = set(holder)
    fixes: dict[str, str] = {}
    for paper in papers:
        key = paper.citation_key
        if (key and holder.get(key.casefold()) == paper.key) or paper.key in fixes:
            continue
        base = legal_key(key) if key else ""
        new = unique_key(base or citation_key_base(paper), taken)
        taken.add(new.casefold())
        fixes[paper.key] = new
    return fixes


def _save_keys(library: Library, fixes: Mapping[str, str]) -> None:
    """Save new citation keys; on a library that cannot be written, keep them in memory."""
    keys = [k for k in fixes if library.exists(k)]
    try:
        for start in range(0, len(keys), BATCH_SIZE):
            with library.batch():  # the keys of many papers are saved with few folder syncs
                for key in keys[start : start + BATCH_SIZE]:
                    library.update(key, _setter(fixes[key]))
    except (OSError, LibraryError) as e:
        log.info("citation keys not saved (the export has them): %s", e)


def _setter(citation_key: str) -> Callable[[Paper], None]:
    def change(paper: Paper) -> None:
        paper.citation_key = citation_key

    return change


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
    # An article needs an author, a title and a year in both data models (pybtex's plain
    # style stops at one without): a reference lacking one stays a @misc, the journal in
    # ``howpublished``.
    published = bool(paper.journal_ref and paper.authors and paper.title and paper.year)
    if dialect is Dialect.BIBTEX:
        entry_type = "article" if published else "misc"
    else:
        entry_type = "article" if published else "online"
    fields: list[tuple[str, str]] = []
    if paper.title:
        fields.append(("title", "{" + protect_case(tex(paper.title)[1:-1]) + "}"))
    if paper.authors:
        names = (format_name(a, ascii_only=ascii_only) for a in paper.authors)
        fields.append(("author", "{" + " and ".join(names) + "}"))
    date = _DATE.match(paper.published or "")
    if dialect is Dialect.BIBLATEX and date:
        fields.append(("date", "{" + date.group() + "}"))
    elif paper.year:
        fields.append(("year", "{" + str(paper.year) + "}"))
        if date and date.group(2) and 1 <= int(date.group(2)) <= 12:
            fields.append(("month", MONTHS[int(date.group(2)) - 1]))
    if paper.journal_ref:
        if not published:
            name = "howpublished"
        else:
            name = "journal" if dialect is Dialect.BIBTEX else "journaltitle"
        fields.append((name, tex(paper.journal_ref)))
    if aid is not None:
        if not version_pinned(paper):
            aid = aid.with_version(None)
        fields.append(("eprint", "{" + aid.canonical + "}"))
        # The category is part of an old-style ID (hep-th/9901001): arXiv and biblatex name
        # it apart for new-style IDs only.
        primary = paper.categories[0] if paper.categories and not aid.is_old_style else None
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
    # The last guard: whatever a field holds, bibtex must be able to pair its braces.
    fields = [(name, balance_braces(value)) for name, value in fields]
    key = paper.citation_key or legal_key(citation_key_base(paper))
    return f"@{entry_type}{{{key},\n" + (_field_lines(fields) if fields else "") + "}\n"


def version_pinned(paper: Paper) -> bool:
    """Whether the user chose the paper's arXiv version: added as ``2504.05220v2`` (see
    :func:`~desktop_app.core.paper.pinned_version`), ``arxiv_version`` is in ``edited``.
    Then ``eprint`` and ``url`` name that version.

    Otherwise they name the paper without version, as arXiv's own BibTeX does: a reader
    gets the latest version, which is the one to cite.
    """
    return paper.arxiv_version is not None and "arxiv_version" in paper.edited


#: Words that make an author a body, not a person (Zotero's single-field names).
_CORPORATE = re.compile(
    r"(?<![\w-])(?:collaboration|consortium|group|team|committee|council|association|society|"
    r"organi[sz]ation|institute|university|laboratory|project|initiative|foundation|agency|"
    r"inc|ltd|corporation|company|contributors|and)(?![\w-])",
    re.IGNORECASE,
)
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|2nd|3rd)\.?$", re.IGNORECASE)


def format_name(author: str, *, ascii_only: bool = False) -> str:
    """One author as BibTeX reads names.

    - a body (``The ATLAS Collaboration``, ``Black and Decker``) is one braced name, not a
      family name "Collaboration" with given names "The ATLAS";
    - a name holding more commas than ``Family, Jr., Given`` has (a braced list of names
      kept from an import, ``Zhang, W., Li, X.``) is braced whole, as it came (biber
      skips the entry otherwise: "too many commas");
    - ``Given Family Jr.`` is written ``Family, Jr., Given`` (BibTeX would read "Jr." as
      the family name);
    - ``Given Family`` and ``Family, Given`` are written as they are.
    """
    author = " ".join(author.split())
    encoded = tex_to_latex(author, ascii_only=ascii_only)
    parts = [p.strip() for p in author.split(",")]
    odd_commas = len(parts) > 3 or (len(parts) == 3 and not _SUFFIX.match(parts[1]))
    if odd_commas or "" in parts or _CORPORATE.search(author):
        return "{" + encoded + "}"
    words = author.split(" ")
    if len(parts) == 1 and len(words) > 2 and _SUFFIX.match(words[-1]):
        given, family = _split_given(words[:-1])
        return tex_to_latex(f"{family}, {words[-1]}, {given}", ascii_only=ascii_only)
    return encoded


def _split_given(words: list[str]) -> tuple[str, str]:
    """``Ludwig van Beethoven`` -> (``Ludwig``, ``van Beethoven``): the family name starts
    at its first lower-case particle, else it is the last word (BibTeX's rule)."""
    start = next((i for i in range(1, len(words) - 1) if words[i][:1].islower()), len(words) - 1)
    return " ".join(words[:start]), " ".join(words[start:])


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
