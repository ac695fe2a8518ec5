"""Reading an arXiv journal reference (``Phys. Rev. D 76, 013009 (2007)``) into its parts.

Authors write arXiv's ``journal_ref`` by hand, in every style; this reads the common ones —
a journal name (with the year of a proceedings: ``Proc. SIGIR 2025``), then a volume (``76``,
or ``41(3)`` with its number), pages (``436-444``, ``pp. 12--19``) or an article number, and
a year — so the BibTeX export can write ``journal``, ``volume``, ``number`` and ``pages`` as
a published paper's entry has them. What cannot be read stays whole in the journal name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAGES = re.compile(r"(?:\bpp?\.\s*)?\b(\d+)\s*(?:-{1,2}|–|—)\s*(\d+)\b")
_VOLUME_NUMBER = re.compile(r"\b(\d+)\s*\((\d+(?:[-–]\d+)?)\)")
_YEAR = re.compile(r"\(?\b((?:19|20)\d\d)\b\)?")
_TAIL = re.compile(r"(?:[\s,;:]|\bpp?\.)+$")
_NUMBER = re.compile(r"\b\d+\b")
_START = re.compile(r"\s*(?:vol(?:ume)?\.?\s*)?\d")
#: A year right after the name, not a volume (``41(3)``): part of a proceedings' name.
_NAMED_YEAR = re.compile(r"\s*(?:19|20)\d\d\b(?!\s*\()")


@dataclass(frozen=True)
class JournalRef:
    journal: str
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    year: str | None = None


def split_journal_ref(text: str) -> JournalRef:
    """The parts of a journal reference; the whole text as the journal when it has none."""
    ref = " ".join(text.split())
    head = _START.search(ref)
    if head is None or head.start() == 0:
        return JournalRef(ref)
    if named_year := _NAMED_YEAR.match(ref, head.start()):  # "Proc. SIGIR 2025, 1-10"
        head = _START.search(ref, named_year.end()) or head
        if head.start() < named_year.end():
            return JournalRef(ref)
    journal = _TAIL.sub("", ref[: head.start()])
    rest = ref[head.start() :]
    volume = number = pages = None
    if m := _PAGES.search(rest):
        pages = f"{m.group(1)}--{m.group(2)}"
        rest = rest[: m.start()] + " " + rest[m.end() :]
    year = None
    for m in _YEAR.finditer(rest):
        year = m.group(1)
        rest = rest[: m.start()] + " " + rest[m.end() :]
        break
    if m := _VOLUME_NUMBER.search(rest):
        volume, number = m.group(1), m.group(2).replace("–", "--").replace("-", "--")
        rest = rest[: m.start()] + " " + rest[m.end() :]
    numbers = _NUMBER.findall(rest)
    if volume is None and numbers:
        volume = numbers.pop(0)
    if pages is None and numbers:
        pages = numbers.pop(0)  # an article number (Phys. Rev. D 76, 013009)
    if not journal or (volume is None and pages is None):
        return JournalRef(ref)
    return JournalRef(journal, volume, number, pages, year)
