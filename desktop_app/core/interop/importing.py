"""The one import pipeline: every import (BibTeX, CSV, PDFs) adds papers through :class:`Importer`.

It finds the paper already in the library (the same arXiv paper in any version or ID form has
the same key; a paper without arXiv ID is matched by its DOI) and adds what the import brings
to it instead of adding a second copy. A paper sitting in the trash is restored, as the user
asked for it again.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.progress import Progress
from desktop_app.core.words import plural

log = logging.getLogger(__name__)

#: Papers written under one hold of the library's lock: an import is fast, and other
#: programs (the app, the CLI) wait for the lock a moment at most.
BATCH_SIZE = 50
#: DOIs are short (Crossref's longest are ~300 characters); longer text is no DOI.
MAX_DOI_CHARS = 1000

#: Every way a DOI is written in the wild: ``doi:10.…``, ``DOI 10.…``, the resolver links of
#: doi.org (``dx.``, ``www.``, ``http``), ACM's old ``doi.acm.org`` and ``dl.acm.org/doi/``.
_DOI_PREFIX = re.compile(
    r"^(?:(?:https?://)?(?:(?:www\.|dx\.)?doi\.org|doi\.acm\.org"
    r"|dl\.acm\.org/doi(?:/(?:abs|full|pdf|epdf))?)/|doi:?\s*)",
    re.IGNORECASE,
)


def normalize_doi(doi: str | None) -> str | None:
    """A DOI without its ``https://doi.org/`` or ``doi:`` prefix (link escapes such as
    ``%2F`` undone), or None when not a DOI."""
    if not doi:
        return None
    doi = _DOI_PREFIX.sub("", doi.strip()).strip()
    if "%" in doi:
        doi = urllib.parse.unquote(doi)
    return doi if doi.startswith("10.") and "/" in doi and len(doi) <= MAX_DOI_CHARS else None


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
    """Something an import could not use, with where it was (``refs.bib:12``, a path);
    ``skipped``: an entry was left out for it (else a warning: the entry was imported)."""

    where: str
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ImportReport:
    """What an import of one file did: entries read, keys added, keys already present
    (``joined``: the import added to the paper; ``unchanged``: it had everything), and the
    problems met on the way (each entry skipped, with its reason, and warnings).

    ``read`` is None where there are no entries to count (PDFs); ``encoding`` is the one
    the file was read in, when it was a text file.
    """

    added: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    read: int | None = None
    encoding: str | None = None

    def record(self, outcome: Outcome, key: str) -> None:
        {
            Outcome.ADDED: self.added,
            Outcome.JOINED: self.joined,
            Outcome.UNCHANGED: self.unchanged,
        }[outcome].append(key)

    def problem(self, where: str, message: str, *, skipped: bool = True) -> None:
        self.problems.append(ImportProblem(where, message, skipped))

    @property
    def present(self) -> list[str]:
        """Papers that were in the library already (updated or not)."""
        return self.joined + self.unchanged

    @property
    def skipped(self) -> list[ImportProblem]:
        """The entries left out, each with where and why."""
        return [p for p in self.problems if p.skipped]

    @property
    def keys(self) -> list[str]:
        """Every paper the import touched, in order, each once."""
        return list(dict.fromkeys(self.added + self.joined + self.unchanged))

    def summary(self) -> str:
        """``12 entries read: 9 added, 2 already present (1 updated), 1 skipped`` (for a
        file of entries, every count; for PDFs, those that are not 0)."""
        parts = [f"{len(self.added)} added"]
        if self.present or self.read is not None:
            updated = f" ({len(self.joined)} updated)" if self.joined else ""
            parts.append(f"{len(self.present)} already present{updated}")
        skipped = len(self.skipped)
        if skipped or self.read is not None:
            parts.append(f"{skipped} skipped")
        if warnings := len(self.problems) - skipped:
            parts.append(plural(warnings, "warning"))
        head = "" if self.read is None else plural(self.read, "entry", "entries") + " read: "
        return head + ", ".join(parts)


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
        ID by its key, else its DOI, which may be arXiv's own or the journal DOI of an arXiv
        paper.
        """
        lib = self.library
        key: str | None = paper.key
        if not paper.arxiv_id and not lib.exists(paper.key) and not lib.in_trash(paper.key):
            # A local paper is found by its key (the library's own CSV names it), else its DOI.
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
            if p.citation_key:  # one key to bibtex and biber whatever its case
                self._cite_keys.setdefault(p.citation_key.casefold(), p.key)

    def add_all(self, items: Iterable[Incoming], progress: Progress | None = None) -> ImportReport:
        """Add every item, :data:`BATCH_SIZE` at a time under one hold of the library's lock
        (an import of 1,000 entries syncs the folder 20 times, not 1,000)."""
        items = list(items)
        with self.library.notices_deferred():  # the index told once, not once a paper
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
        if paper.citation_key and cite_keys.get(paper.citation_key.casefold(), key) != key:
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
            cite_keys.setdefault(final.citation_key.casefold(), key)
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
