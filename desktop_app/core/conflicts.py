"""Conflict copies left by sync tools in paper folders: find them and merge them, losing nothing.

A library synced by Syncthing, Dropbox or Nextcloud gets a *conflict copy* when the same
file changed on two machines before they saw each other's change. The copy sits next to the
file it conflicts with::

    papers/<key>/paper.sync-conflict-20250407-093000-ABCDEF1.json   Syncthing
    papers/<key>/paper (Alice's conflicted copy 2025-04-07).json     Dropbox
    papers/<key>/paper (conflicted copy 2025-04-07 093000).json      Nextcloud
    papers/<key>/paper_conflict-20250407-093000.json                 ownCloud (older clients)

and likewise for ``notes.md`` (``notes.sync-conflict-….md`` and so on) and
``annotations.json`` (``annotations.sync-conflict-….json``).

Merging a paper's copies into its ``paper.json`` and ``notes.md``:

- tags: united (a tag removed on one machine comes back: keeping one too many is the
  cheaper mistake);
- status: the side whose status changed later (``status_changed``) wins, with its
  ``started``/``finished`` dates; without dates, the furthest status wins (read > reading);
- rating and last page read: the higher value; page count, PDF and metadata fields: filled in
  when one side lacks them, and a field edited by hand on the other side only is taken over;
  unknown keys of a newer version are kept from both;
- annotations: merged by id (:mod:`desktop_app.core.annotations.merge`): the later
  modification of each annotation wins, a tombstone wins over older edits;
- notes: both texts are kept. When one contains the other, the longer one is kept alone;
  otherwise the copy's text is appended after a horizontal rule and a line naming the copy.

Nothing is deleted. The merged copies are moved to ``<library>/.merged/<key>/`` along with
the ``paper.json`` and ``notes.md`` as they were just before the merge
(``paper.before-merge-<time>.json``), so every merge can be checked and undone by hand.
A copy that cannot be read (damaged JSON) is reported and left where it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop_app.core import jsonfiles, textfiles
from desktop_app.core.annotations import merge as annotations_merge
from desktop_app.core.annotations import store as annotations_store
from desktop_app.core.annotations.store import ANNOTATIONS_FILE
from desktop_app.core.errors import DamagedFile, PaperNotFound
from desktop_app.core.library import NOTES_FILE, PAPER_FILE, Library
from desktop_app.core.paper import FetchState, Paper
from desktop_app.core.storage import atomic_write_json, atomic_write_text

log = logging.getLogger(__name__)

#: Where merged copies and the pre-merge files go, under the library's root.
MERGED_DIR = ".merged"


class SyncTool(StrEnum):
    SYNCTHING = "Syncthing"
    DROPBOX = "Dropbox"
    NEXTCLOUD = "Nextcloud"
    OWNCLOUD = "ownCloud"


class CopyOf(StrEnum):
    """Which file of the paper folder a conflict copy stands for."""

    PAPER = PAPER_FILE
    NOTES = NOTES_FILE
    ANNOTATIONS = ANNOTATIONS_FILE


_STEMS = {
    "paper": ("json", CopyOf.PAPER),
    "notes": ("md", CopyOf.NOTES),
    "annotations": ("json", CopyOf.ANNOTATIONS),
}

_SYNCTHING = re.compile(
    r"^(?P<stem>paper|notes|annotations)\.sync-conflict-(?P<date>\d{8})-(?P<time>\d{6})"
    r"-(?P<device>[A-Za-z0-9]+)\.(?P<ext>json|md)$"
)
# Dropbox: "paper (Alice's conflicted copy 2025-04-07).json", "(… 2025-04-07 (1)).json";
# Nextcloud: "paper (conflicted copy 2025-04-07 093000).json" (newer clients add the user).
_BRACKETED = re.compile(
    r"^(?P<stem>paper|notes|annotations) \((?:(?P<owner>[^()]*?)'s )?"
    r"(?P<label>conflicted copy[^()]*?)"
    r"(?: \((?P<n>\d+)\))?\)\.(?P<ext>json|md)$"
)
_OWNCLOUD = re.compile(
    r"^(?P<stem>paper|notes|annotations)_conflict-(?P<date>\d{8})-(?P<time>\d{6})\.(?P<ext>json|md)$"
)
_LABEL_DATE = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?:[ _](?P<time>\d{6}))?")


@dataclass(frozen=True)
class ConflictCopy:
    """One conflict copy found in a paper folder.

    ``when`` is the time written into the file name (the sync tool's local time, without
    zone), as ``YYYY-MM-DD HH:MM`` or a bare date; ``device`` names the machine or account
    when the name holds it.
    """

    key: str
    path: Path
    copy_of: CopyOf
    tool: SyncTool
    when: str | None = None
    device: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self) -> str:
        """``Syncthing, 2025-04-07 09:30, device ABCDEF1``."""
        parts = [self.tool.value]
        if self.when:
            parts.append(self.when)
        if self.device:
            parts.append(f"device {self.device}")
        return ", ".join(parts)


def parse_conflict_name(name: str) -> tuple[CopyOf, SyncTool, str | None, str | None] | None:
    """``(copy_of, tool, when, device)`` when ``name`` is a conflict copy's name, else None."""
    if m := _SYNCTHING.match(name):
        tool, device = SyncTool.SYNCTHING, m["device"]
        when = _format_when(m["date"], m["time"])
    elif m := _OWNCLOUD.match(name):
        tool, device = SyncTool.OWNCLOUD, None
        when = _format_when(m["date"], m["time"])
    elif m := _BRACKETED.match(name):
        owner = m["owner"]
        tool = SyncTool.DROPBOX if owner else SyncTool.NEXTCLOUD
        device = owner.strip() if owner else None
        dm = _LABEL_DATE.search(m["label"])
        when = _format_when(dm["date"].replace("-", ""), dm["time"]) if dm else None
    else:
        return None
    ext, copy_of = _STEMS[m["stem"]]
    if m["ext"] != ext:
        return None
    return copy_of, tool, when, device


def _format_when(date: str, time: str | None) -> str | None:
    try:
        stamp = dt.datetime.strptime(date + (time or "000000"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return stamp.strftime("%Y-%m-%d %H:%M") if time else stamp.strftime("%Y-%m-%d")


def find_conflicts(library: Library, keys: Iterable[str] | None = None) -> list[ConflictCopy]:
    """Every conflict copy in the library's paper folders (or in those of ``keys``).

    Sorted by paper, then by the time in the name, so merging applies them oldest first.
    """
    found: list[ConflictCopy] = []
    for key in library.keys() if keys is None else keys:
        try:
            entries = list(os.scandir(library.paper_dir(key)))
        except OSError:
            continue
        for entry in entries:
            parsed = parse_conflict_name(entry.name)
            if parsed is None or not entry.is_file():
                continue
            copy_of, tool, when, device = parsed
            found.append(ConflictCopy(key, Path(entry.path), copy_of, tool, when, device))
    found.sort(key=lambda c: (c.key, c.when or "", c.name))
    return found


def keys_with_conflicts(library: Library) -> list[str]:
    return sorted({c.key for c in find_conflicts(library)})


# -- merging records ------------------------------------------------------------------------

#: Fields that travel with the status: taken together from the side that wins the status.
_STATUS_FIELDS = ("status", "status_changed", "started", "finished")
#: Fields merged by rule below rather than by "fill in what is missing".
_RULED = {*_STATUS_FIELDS, "key", "tags", "rating", "last_page", "edited", "extra", "added"}
_PDF_FIELDS = ("pdf_file", "pdf_state", "pdf_error")
_VERSION_FIELDS = ("arxiv_version", "latest_version")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _status_wins(mine: Paper, theirs: Paper) -> bool:
    """True when ``theirs`` holds the status to keep."""
    a, b = mine.status_changed, theirs.status_changed
    if a and b and a != b:
        return b > a  # ISO 8601 UTC strings sort as times
    if bool(a) != bool(b):
        return bool(b)
    return theirs.status.rank > mine.status.rank


def merge_papers(mine: Paper, theirs: Paper, *, pdf_on_disk: set[str] | None = None) -> Paper:
    """A new record holding what both records hold (see the module's rules).

    ``pdf_on_disk`` names the PDF files that exist in the paper's folder: a side pointing to
    a PDF that is there beats one pointing to none or to a missing file.
    """
    merged = Paper.from_dict(mine.to_dict())
    merged.key = mine.key
    if _status_wins(mine, theirs):
        for name in _STATUS_FIELDS:
            setattr(merged, name, getattr(theirs, name))
    merged.add_tags(theirs.tags)
    merged.rating = max(mine.rating, theirs.rating)
    merged.last_page = max(mine.last_page, theirs.last_page)
    merged.added = min(mine.added, theirs.added) if mine.added and theirs.added else mine.added
    merged.edited = mine.edited + [f for f in theirs.edited if f not in mine.edited]
    merged.extra = {**theirs.extra, **mine.extra}

    on_disk = pdf_on_disk or set()
    mine_pdf = mine.pdf_file in on_disk and mine.pdf_state is FetchState.DONE
    theirs_pdf = theirs.pdf_file in on_disk and theirs.pdf_state is FetchState.DONE
    if theirs_pdf and not mine_pdf:
        for name in _PDF_FIELDS:
            setattr(merged, name, getattr(theirs, name))
    newer_metadata = (theirs.arxiv_version or 0) > (mine.arxiv_version or 0)
    for f in fields(Paper):
        name = f.name
        if name in _RULED or name in _PDF_FIELDS:
            continue
        ours, other = getattr(mine, name), getattr(theirs, name)
        if name in _VERSION_FIELDS:
            if other is not None and (ours is None or other > ours):
                setattr(merged, name, other)
            continue
        if _empty(other) or ours == other:
            continue
        edited_there = name in theirs.edited and name not in mine.edited
        fetched_newer = newer_metadata and name not in mine.edited
        if _empty(ours) or edited_there or fetched_newer:
            setattr(merged, name, other)
    return merged


def merge_notes(mine: str, theirs: str, copy: ConflictCopy | None = None) -> str:
    """Both texts, each once: the longer when it contains the other, else both, separated."""
    a, b = mine.strip(), theirs.strip()
    if not b or b in a:
        return mine
    if not a or a in b:
        return theirs
    origin = f"`{copy.name}` ({copy.describe()})" if copy else "a conflict copy"
    return f"{mine.rstrip()}\n\n---\n\n*Merged from {origin}:*\n\n{theirs.strip()}\n"


# -- merging a paper folder ----------------------------------------------------------------


@dataclass
class MergeResult:
    """What merging one paper's conflict copies did."""

    key: str
    merged: list[ConflictCopy] = field(default_factory=list)
    skipped: list[DamagedFile] = field(default_factory=list)
    kept_in: Path | None = None  # where the merged copies and pre-merge files went


def merged_dir(library: Library, key: str) -> Path:
    return library.root / MERGED_DIR / key


def merge_conflicts(library: Library, key: str) -> MergeResult:
    """Merge every conflict copy of one paper into its files and move the copies aside.

    Runs under the library's lock, and tells the library's observers (the index) and other
    processes once.
    """
    result = MergeResult(key)
    with library.locked():
        copies = find_conflicts(library, [key])
        if not copies:
            return result
        folder = library.paper_dir(key)
        aside = merged_dir(library, key)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        records: list[tuple[ConflictCopy, Paper]] = []
        for copy in (c for c in copies if c.copy_of is CopyOf.PAPER):
            try:
                records.append((copy, _read_copy(copy)))
            except DamagedFile as e:
                log.warning("%s", e)
                result.skipped.append(e)
        notes = [c for c in copies if c.copy_of is CopyOf.NOTES]
        marks = [c for c in copies if c.copy_of is CopyOf.ANNOTATIONS]
        if records:
            _merge_records(library, key, records, aside, stamp)
        if notes:
            notes = _merge_note_copies(library, key, notes, aside, stamp, result)
        if marks:
            marks = _merge_annotation_copies(library, key, marks, aside, stamp, result)
        for copy in [c for c, _ in records] + notes + marks:
            _move_aside(copy.path, aside)
            result.merged.append(copy)
        result.merged.sort(key=lambda c: (c.when or "", c.name))
        result.kept_in = aside if result.merged else None
        if result.merged:
            log.info("merged %d conflict copies in %s", len(result.merged), folder)
    if result.merged:
        library.announce(key)
    return result


def merge_all(library: Library) -> list[MergeResult]:
    """Merge the conflict copies of every paper that has some."""
    return [merge_conflicts(library, key) for key in keys_with_conflicts(library)]


def _read_copy(copy: ConflictCopy) -> Paper:
    try:
        data = jsonfiles.loads(copy.path.read_text(encoding="utf-8"))
        paper = Paper.from_dict(data)
    except (OSError, UnicodeDecodeError) as e:
        raise DamagedFile(copy.path, f"conflict copy cannot be read: {e}") from e
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        raise DamagedFile(copy.path, f"conflict copy is not a valid paper record: {e}") from e
    paper.key = copy.key
    return paper


def _merge_records(
    library: Library,
    key: str,
    records: list[tuple[ConflictCopy, Paper]],
    aside: Path,
    stamp: str,
) -> None:
    folder = library.paper_dir(key)
    pdfs = {p.name for p in folder.iterdir() if p.suffix.lower() == ".pdf"}
    current = folder / PAPER_FILE
    try:
        base = library.get(key)
    except (PaperNotFound, DamagedFile) as e:
        # The main record is gone or unreadable: the first copy stands in for it.
        log.warning("%s: merging conflict copies without a usable paper.json (%s)", folder, e)
        base = records[0][1]
    if current.exists():
        _copy_aside(current, aside, f"paper.before-merge-{stamp}.json")
    merged = base
    for _, other in records:
        merged = merge_papers(merged, other, pdf_on_disk=pdfs)
    atomic_write_json(current, merged.to_dict())


def _merge_note_copies(
    library: Library,
    key: str,
    notes: list[ConflictCopy],
    aside: Path,
    stamp: str,
    result: MergeResult,
) -> list[ConflictCopy]:
    """Fold the readable note copies into notes.md; returns the copies merged."""
    path = library.notes_path(key)
    try:
        text = textfiles.read_text(path)
    except FileNotFoundError:
        text = ""
    before = text
    merged: list[ConflictCopy] = []
    for copy in notes:
        try:
            theirs = textfiles.read_text(copy.path)
        except OSError as e:
            err = DamagedFile(copy.path, f"conflict copy cannot be read: {e}")
            log.warning("%s", err)
            result.skipped.append(err)
            continue
        text = merge_notes(text, theirs, copy)
        merged.append(copy)
    if text != before:
        if path.exists():
            _copy_aside(path, aside, f"notes.before-merge-{stamp}.md")
        atomic_write_text(path, text)
    return merged


def _merge_annotation_copies(
    library: Library,
    key: str,
    copies: list[ConflictCopy],
    aside: Path,
    stamp: str,
    result: MergeResult,
) -> list[ConflictCopy]:
    """Fold readable annotation copies into annotations.json by id; returns those merged.

    A damaged annotations.json is not merged into (nor overwritten): its copies stay.
    """
    path = annotations_store.annotations_path(library, key)
    try:
        merged = annotations_store.read_file(path)
    except DamagedFile as e:
        log.warning("%s", e)
        result.skipped.append(e)
        return []
    before = merged.to_dict()
    done: list[ConflictCopy] = []
    for copy in copies:
        try:
            theirs = annotations_store.read_file(copy.path)
        except DamagedFile as e:
            log.warning("%s", e)
            result.skipped.append(e)
            continue
        merged = annotations_merge.merge_files(merged, theirs)
        done.append(copy)
    if merged.to_dict() != before:
        if path.exists():
            _copy_aside(path, aside, f"annotations.before-merge-{stamp}.json")
        annotations_store.write_file(library.writable_dir(key) / path.name, merged)
    return done


def _unique(folder: Path, name: str) -> Path:
    dest = folder / name
    stem, dot, ext = name.rpartition(".")
    n = 1
    while dest.exists():
        dest = folder / (f"{stem} ({n}).{ext}" if dot else f"{name} ({n})")
        n += 1
    return dest


def _move_aside(path: Path, aside: Path) -> None:
    aside.mkdir(parents=True, exist_ok=True)
    os.replace(path, _unique(aside, path.name))


def _copy_aside(path: Path, aside: Path, name: str) -> None:
    aside.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        dest = _unique(aside, name)
        dest.write_bytes(path.read_bytes())
