"""Duplicates: one paper is never added twice, and papers found twice can be merged.

Adding: every import (BibTeX, CSV, PDFs) goes through :class:`Importer`, which finds the
paper already in the library (the same arXiv paper in any version or ID form has the same
key; a paper without arXiv ID is matched by its DOI) and adds what the import brings to it
instead of adding a second copy. A paper sitting in the trash is restored, as the user asked
for it again.

Merging: :func:`find_duplicates` groups papers that share a DOI (arXiv's own DOI
``10.48550/arXiv.<id>`` counts as that arXiv paper) or a normalised title and first author;
:func:`merge_duplicates` keeps one paper of each group (the arXiv one, then the one with a
PDF, then the furthest read, then the oldest) with everything of the others: tags united,
notes of all kept, the furthest status, the highest rating, empty fields filled. The others
go to the trash, so a wrong merge can be undone by hand.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper

log = logging.getLogger(__name__)

#: Papers written under one hold of the library's lock: an import is fast, and other
#: programs (the app, the CLI) wait for the lock a moment at most.
BATCH_SIZE = 50
#: Called with (items done, items in all).
Progress = Callable[[int, int], None]

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"})
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


# -- names and titles ---------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (``"Balázs"`` -> ``"balazs"``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def family_name(author: str) -> str:
    """The family name of an author written ``Given Family`` or ``Family, Given``."""
    author = " ".join(author.replace("{", "").replace("}", "").split())
    if "," in author:
        return author.split(",")[0].strip()
    words = author.split()
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        words.pop()
    return words[-1] if words else ""


def normalize_title(title: str) -> str:
    """A title reduced to its words, to compare titles written differently.

    ``"BERT: {Pre-training} of Deep..."`` and ``"Bert: pre-training of deep..."`` agree.
    """
    text = re.sub(r"\\[A-Za-z]+|[{}$\\]", " ", title)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def normalize_doi(doi: str | None) -> str | None:
    """A DOI without its ``https://doi.org/`` or ``doi:`` prefix, or None when not a DOI."""
    if not doi:
        return None
    doi = _DOI_PREFIX.sub("", doi.strip()).strip()
    return doi if doi.startswith("10.") and "/" in doi else None


def identity_doi(paper: Paper) -> str | None:
    """The DOI that identifies ``paper`` (lower case), arXiv's own DOI for arXiv papers."""
    doi = normalize_doi(paper.doi)
    if doi:
        aid = arxiv_id.try_parse(doi)
        return (aid.doi if aid else doi).lower()
    return None


# -- importing without duplicates -----------------------------------------------------------


class Outcome(StrEnum):
    ADDED = "added"
    JOINED = "joined"  # the paper was there; the import added to it
    UNCHANGED = "unchanged"  # the paper was there with everything the import brings


@dataclass
class Incoming:
    """A paper an import brings, with its notes and where it came from (for messages)."""

    paper: Paper
    notes: str = ""
    where: str = ""


@dataclass(frozen=True)
class ImportProblem:
    """Something an import could not use, with where it was (``refs.bib:12``, a path)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ImportReport:
    """What an import did: keys added, keys joined, and the problems met on the way."""

    added: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def record(self, outcome: Outcome, key: str) -> None:
        {
            Outcome.ADDED: self.added,
            Outcome.JOINED: self.joined,
            Outcome.UNCHANGED: self.unchanged,
        }[outcome].append(key)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem(where, message))

    @property
    def keys(self) -> list[str]:
        """Every paper the import touched, in order, each once."""
        return list(dict.fromkeys(self.added + self.joined + self.unchanged))

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.joined:
            parts.append(f"{len(self.joined)} already there (updated)")
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} already there")
        if self.problems:
            n = len(self.problems)
            parts.append(f"{n} problem{'s' if n != 1 else ''}")
        return ", ".join(parts)


class Importer:
    """Adds incoming papers to a library, joining each to the paper already there."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.report = ImportReport()
        self._by_doi: dict[str, str] | None = None
        self._cite_keys: dict[str, str] | None = None

    def existing_key(self, paper: Paper) -> str | None:
        """The key of the library's copy of ``paper`` (restored from the trash if there).

        An arXiv paper is found by its key (any version, any ID form); a paper without arXiv
        ID by its DOI, which may be arXiv's own or the journal DOI of an arXiv paper.
        """
        lib = self.library
        key: str | None = paper.key
        if not paper.arxiv_id:
            doi = identity_doi(paper)
            aid = arxiv_id.try_parse(doi) if doi else None
            key = aid.key if aid else self._doi_index().get(doi or "")
        if key is None:
            return None
        if not lib.exists(key) and lib.in_trash(key):
            lib.restore(key)  # asked for again: it comes back with its notes
            log.info("%s: restored from the trash", key)
        return key if lib.exists(key) else None

    def _doi_index(self) -> dict[str, str]:
        if self._by_doi is None:
            self._scan()
        assert self._by_doi is not None
        return self._by_doi

    def _citation_keys(self) -> dict[str, str]:
        if self._cite_keys is None:
            self._scan()
        assert self._cite_keys is not None
        return self._cite_keys

    def _scan(self) -> None:
        self._by_doi, self._cite_keys = {}, {}
        for p in self.library.papers():
            if doi := identity_doi(p):
                self._by_doi.setdefault(doi, p.key)
            if p.citation_key:
                self._cite_keys.setdefault(p.citation_key, p.key)

    def add_all(self, items: Iterable[Incoming], progress: Progress | None = None) -> ImportReport:
        """Add every item, :data:`BATCH_SIZE` at a time under one hold of the library's lock
        (an import of 1,000 entries syncs the folder 20 times, not 1,000)."""
        items = list(items)
        for start in range(0, len(items), BATCH_SIZE):
            with self.library.batch():
                for done, item in enumerate(items[start : start + BATCH_SIZE], start + 1):
                    self.add(item)
                    if progress is not None:
                        progress(done, len(items))
        return self.report

    def add(self, incoming: Incoming) -> tuple[Outcome, str]:
        """Add ``incoming`` or join it to the paper already there; recorded in the report."""
        paper = incoming.paper
        key = self.existing_key(paper)
        cite_keys = self._citation_keys()
        if paper.citation_key and cite_keys.get(paper.citation_key, key) != key:
            paper.citation_key = None  # taken by another paper: one is assigned on export
        if key is None:
            self.library.add(paper)
            if incoming.notes.strip():
                self.library.write_notes(paper.key, incoming.notes)
            outcome, key = Outcome.ADDED, paper.key
        else:
            outcome = self._join(key, incoming)
        final = self.library.get(key)
        if doi := identity_doi(final):
            self._doi_index().setdefault(doi, key)
        if final.citation_key:
            cite_keys.setdefault(final.citation_key, key)
        self.report.record(outcome, key)
        return outcome, key

    def _join(self, key: str, incoming: Incoming) -> Outcome:
        lib = self.library
        before = lib.get(key).to_dict()
        after = lib.update(key, lambda p: merge_into(p, incoming.paper))
        notes = lib.read_notes(key)
        merged_notes = combine_notes(notes, incoming.notes)
        if merged_notes != notes:
            lib.write_notes(key, merged_notes)
        changed = after.to_dict() != before or merged_notes != notes
        return Outcome.JOINED if changed else Outcome.UNCHANGED


def merge_into(target: Paper, other: Paper) -> None:
    """Bring ``other``'s data into ``target``: tags united, empty fields filled, the furthest
    status, the highest rating; otherwise ``target``'s own values win."""
    target.add_tags(other.tags)
    for name in ("title", "abstract", "published", "updated", "doi", "journal_ref", "comment"):
        if not getattr(target, name) and getattr(other, name):
            setattr(target, name, getattr(other, name))
    for name in ("authors", "categories"):
        if not getattr(target, name) and getattr(other, name):
            setattr(target, name, list(getattr(other, name)))
    if not target.citation_key and other.citation_key:
        target.citation_key = other.citation_key
    if target.page_count is None and other.page_count:
        target.page_count = other.page_count
    if target.arxiv_id and other.arxiv_id == target.arxiv_id:
        versions = [
            v for v in (target.latest_version, other.arxiv_version, other.latest_version) if v
        ]
        if target.arxiv_version and versions and max(versions) > target.arxiv_version:
            target.latest_version = max(versions)
    if other.status.rank > target.status.rank:
        if other.status_changed:  # a paper of the library: its dates come along
            target.status = other.status
            target.status_changed = other.status_changed
            target.started = other.started
            target.finished = other.finished
        else:  # an imported record: the change happens now
            target.set_status(other.status)
        target.last_page = max(target.last_page, other.last_page)
    target.rating = max(target.rating, other.rating)
    if other.added and other.added < target.added:
        target.added = other.added


def combine_notes(mine: str, theirs: str, origin: str | None = None) -> str:
    """Both notes, ``theirs`` after ``mine`` (once: notes already contained are not repeated)."""
    if not theirs.strip() or theirs.strip() in mine:
        return mine
    if not mine.strip():
        return theirs
    header = f"*Merged from {origin}:*\n\n" if origin else ""
    return mine.rstrip("\n") + "\n\n" + header + theirs.strip("\n") + "\n"


# -- finding and merging duplicates -----------------------------------------------------------


@dataclass
class DuplicateGroup:
    """Papers that are one paper; the first is the one a merge keeps."""

    papers: list[Paper]
    reason: str

    @property
    def keep(self) -> Paper:
        return self.papers[0]

    @property
    def others(self) -> list[Paper]:
        return self.papers[1:]


def _match_key(paper: Paper) -> str | None:
    title = normalize_title(paper.title)
    if len(title) < 12 or len(title.split()) < 2:  # "Introduction" is not an identity
        return None
    first = fold(family_name(paper.authors[0])) if paper.authors else ""
    return f"{title}\0{first}"


def _keep_order(paper: Paper) -> tuple[int, int, int, str]:
    return (
        0 if paper.arxiv_id else 1,
        0 if paper.pdf_file else 1,
        -paper.status.rank,
        paper.added,
    )


def find_duplicates(papers: Iterable[Paper]) -> list[DuplicateGroup]:
    """Groups of papers sharing a DOI, or a normalised title and first author."""
    papers = list(papers)
    parent = list(range(len(papers)))
    reasons: dict[int, str] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int, reason: str) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[rj] = ri
            reasons.setdefault(ri, reason)
            reasons[ri] = reasons[ri] if reasons[ri] == reason else "same DOI or title"

    seen: dict[str, int] = {}
    for i, paper in enumerate(papers):
        doi = identity_doi(paper)
        own_doi = arxiv_id.ArxivId(paper.arxiv_id).doi.lower() if paper.arxiv_id else None
        for value, reason in (
            (doi, f"same DOI {doi}"),
            (own_doi, f"same DOI {own_doi}"),
            (_match_key(paper), "same title and first author"),
        ):
            if value is None:
                continue
            tag = ("doi:" if "\0" not in value else "title:") + value
            if tag in seen:
                join(seen[tag], i, reason)
            else:
                seen[tag] = i
    groups: dict[int, list[Paper]] = {}
    for i, paper in enumerate(papers):
        groups.setdefault(root(i), []).append(paper)
    return [
        DuplicateGroup(sorted(members, key=_keep_order), reasons.get(r, "duplicates"))
        for r, members in groups.items()
        if len(members) > 1
    ]


@dataclass
class MergeResult:
    kept: str
    trashed: list[str]


def merge_duplicates(
    library: Library, groups: Sequence[DuplicateGroup] | None = None
) -> list[MergeResult]:
    """Merge each group into its first paper; the others go to the trash (restorable)."""
    if groups is None:
        groups = find_duplicates(library.papers())
    results: list[MergeResult] = []
    for group in groups:
        keep = group.keep.key
        trashed: list[str] = []
        for other in group.others:
            _merge_pair(library, keep, other.key)
            trashed.append(other.key)
        results.append(MergeResult(keep, trashed))
    return results


def _merge_pair(library: Library, keep: str, other_key: str) -> None:
    other = library.get(other_key)
    target = library.get(keep)
    pdf_change: dict[str, object] = {}
    other_pdf = library.pdf_path(other)
    if library.pdf_path(target) is None and other_pdf is not None:
        dest = library.paper_dir(keep) / other_pdf.name
        os.replace(other_pdf, dest)
        pdf_change = {
            "pdf_file": dest.name,
            "pdf_state": other.pdf_state,
            "page_count": other.page_count,
            "last_page": other.last_page,
        }

    def change(p: Paper) -> None:
        merge_into(p, other)
        for name, value in pdf_change.items():
            setattr(p, name, value)

    library.update(keep, change)
    notes = library.read_notes(keep)
    merged = combine_notes(notes, library.read_notes(other_key), other.display_id)
    if merged != notes:
        library.write_notes(keep, merged)
    library.delete(other_key)
    log.info("merged %s into %s", other_key, keep)
