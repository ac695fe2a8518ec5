"""Duplicates: one paper is never added twice, and papers found twice can be merged.

Adding goes through the import pipeline (:mod:`desktop_app.core.interop.importing`), which
joins what an import brings to the paper already there.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.interop.importing import combine_notes, identity_doi, merge_into
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.words import ascii_fold, family_name

log = logging.getLogger(__name__)


def normalize_title(title: str) -> str:
    """A title reduced to its words, to compare titles written differently.

    ``"BERT: {Pre-training} of Deep..."`` and ``"Bert: pre-training of deep..."`` agree.
    """
    text = re.sub(r"\\[A-Za-z]+|[{}$\\]", " ", title)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


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
    first = ascii_fold(family_name(paper.authors[0])) if paper.authors else ""
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
class MergedGroup:
    """One group merged: the paper kept and the papers moved to the trash."""

    kept: str
    trashed: list[str]


def merge_duplicates(
    library: Library, groups: Sequence[DuplicateGroup] | None = None
) -> list[MergedGroup]:
    """Merge each group into its first paper; the others go to the trash (restorable)."""
    if groups is None:
        groups = find_duplicates(library.papers())
    results: list[MergedGroup] = []
    for group in groups:
        keep = group.keep.key
        trashed: list[str] = []
        for other in group.others:
            _merge_pair(library, keep, other.key)
            trashed.append(other.key)
        results.append(MergedGroup(keep, trashed))
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
