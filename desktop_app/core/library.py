"""The library: a folder of plain files that is the source of truth (see DESIGN.md).

::

    <library>/library.json              {"format": "papershelf-library", "version": 1}
    <library>/papers/<key>/paper.json   one paper's metadata and user data
    <library>/papers/<key>/notes.md     its notes (absent when empty)
    <library>/papers/<key>/<id>vN.pdf   its PDF (absent until fetched)
    <library>/trash/<key>/              deleted and dismissed papers, restorable
    <library>/trash/.dismissed/<key>.json  what is left of a dismissed paper once the trash
                                        is emptied, so digests still do not bring it back

Every write is atomic and happens under the library's lock after re-reading the paper, so
the GUI and the CLI can work on one library at once without losing each other's changes.
Observers (the search index) are told about every change, and so are other processes,
through the change journal (:mod:`desktop_app.core.journal`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from desktop_app.core import journal, jsonfiles, textfiles
from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import (
    DamagedFile,
    DuplicatePaper,
    EditConflict,
    InvalidValue,
    LibraryError,
    PaperNotFound,
)
from desktop_app.core.paper import FetchState, Paper, Status, normalize_tag, now_iso, tag_filter
from desktop_app.core.storage import atomic_write_json, atomic_write_text, fsync_dir, is_leftover
from desktop_app.core.words import printable

if TYPE_CHECKING:
    from filelock import FileLock

log = logging.getLogger(__name__)

LIBRARY_FORMAT = "papershelf-library"
LIBRARY_VERSION = 1
LIBRARY_FILE = "library.json"
PAPER_FILE = "paper.json"
NOTES_FILE = "notes.md"
DISMISSED_DIR = ".dismissed"  # inside trash/
LOCK_TIMEOUT = 30.0
#: The longest paper reference (ID, link or key): a key is a folder name, and file systems
#: allow 255 bytes; an arXiv link is far shorter.
MAX_REF_BYTES = 255
_READ_ERRORS = (DamagedFile, PaperNotFound)


class AddOutcome(StrEnum):
    """What :meth:`Library.add_arxiv` did."""

    ADDED = "added"
    PRESENT = "present"  # in the library already: left as it was
    RESTORED = "restored"  # was in the trash: brought back


class LibraryObserver(Protocol):
    """Told about every change the library makes (the search index is one).

    Changes made within :meth:`Library.notices_deferred` are told at its end, all at once
    to an observer that has ``papers_changed(library, changed, removed)`` (the index: a few
    commits for an import rather than one per paper), else one by one.
    """

    def paper_changed(self, library: Library, key: str) -> None: ...

    def paper_removed(self, library: Library, key: str) -> None: ...


@dataclass
class ScanResult:
    """All readable papers, and the damaged files met on the way (with their paths)."""

    papers: list[Paper] = field(default_factory=list)
    errors: list[DamagedFile] = field(default_factory=list)


class _Observed:
    """Telling a library's observers of its changes: at once, or all at once at the end of
    :meth:`notices_deferred`."""

    def __init__(self) -> None:
        self.observers: list[LibraryObserver] = []
        #: The changes each thread inside notices_deferred() made: key -> removed.
        self._deferred: dict[int, dict[str, bool]] = {}

    @contextlib.contextmanager
    def notices_deferred(self) -> Iterator[None]:
        """Tell the observers of the papers this thread changes meanwhile once, at the end
        (a batch does too): an import of 1,000 papers is indexed in a few commits, not in
        1,000 of ~25 ms each. Told even when the block fails: what was written stays."""
        me = threading.get_ident()
        if me in self._deferred:
            yield
            return
        pending: dict[str, bool] = {}
        self._deferred[me] = pending
        try:
            yield
        finally:
            del self._deferred[me]
            self._tell(pending)

    def _tell(self, pending: dict[str, bool]) -> None:
        if not pending:
            return
        lib = cast("Library", self)
        changed = [key for key, removed in pending.items() if not removed]
        removed = [key for key, gone in pending.items() if gone]
        for obs in list(self.observers):
            many = getattr(obs, "papers_changed", None)
            if many is not None:
                many(lib, changed, removed)
                continue
            for key in changed:
                obs.paper_changed(lib, key)
            for key in removed:
                obs.paper_removed(lib, key)

    def _notify(self, key: str, *, removed: bool) -> None:
        if (pending := self._deferred.get(threading.get_ident())) is not None:
            pending[key] = removed
            return
        lib = cast("Library", self)
        for obs in self.observers:
            (obs.paper_removed if removed else obs.paper_changed)(lib, key)


class Library(_Observed):
    """One library folder. Use :meth:`open` to get one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.papers_dir = root / "papers"
        self.trash_dir = root / "trash"
        super().__init__()
        self._lock = _LockFile(root)
        self._batch_thread: int | None = None  # the thread inside batch(), if any
        self._journal = journal.journal_path(root)  # every change's key (core.journal)

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path | str, *, create: bool = True) -> Library:
        """Open the library at ``root``, creating it when missing (and ``create``).

        Raises:
            LibraryError: the folder is not a library (a non-empty folder without
                library.json), or was written by a newer version.
        """
        root = Path(root).expanduser()
        marker = root / LIBRARY_FILE
        if marker.exists():
            try:
                info = jsonfiles.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise LibraryError(f"{marker}: cannot read the library file: {e}") from e
            if not isinstance(info, dict) or info.get("format") != LIBRARY_FORMAT:
                raise LibraryError(f"{marker}: not a Papershelf library file")
            version = info.get("version", 0)
            if isinstance(version, bool) or not isinstance(version, int):
                raise LibraryError(
                    f"{marker}: the library version must be a whole number, not {version!r:.40}"
                )
            if version > LIBRARY_VERSION:
                raise LibraryError(
                    f"{root}: library format {info.get('version')} is newer than this "
                    f"Papershelf understands ({LIBRARY_VERSION}); please update Papershelf"
                )
        elif not create:
            raise LibraryError(f"{root}: no Papershelf library here")
        else:
            if root.exists() and not root.is_dir():
                raise LibraryError(f"{root}: is a file, not a folder")
            not_empty = root.exists() and any(p.name != ".DS_Store" for p in root.iterdir())
            if not_empty and not (root / "papers").is_dir():
                raise LibraryError(f"{root}: folder is not empty and holds no Papershelf library")
            root.mkdir(parents=True, exist_ok=True)
            atomic_write_json(marker, {"format": LIBRARY_FORMAT, "version": LIBRARY_VERSION})
        lib = cls(root)
        for folder in (lib.papers_dir, lib.trash_dir):
            if folder.exists() and not folder.is_dir():
                raise LibraryError(f"{folder}: is a file; a library keeps its papers in a folder")
            if not folder.is_dir():  # a read-only library that has them opens all the same
                folder.mkdir(exist_ok=True)
        return lib

    @property
    def name(self) -> str:
        return self.root.name

    # -- locations ------------------------------------------------------------------------

    def paper_dir(self, key: str) -> Path:
        return self.papers_dir / key

    def writable_dir(self, key: str) -> Path:
        """The paper's folder, for a write: refused when it is a link that leads out of the
        library (a write would change files elsewhere on the disk).

        Raises:
            LibraryError: naming the folder and where it leads.
        """
        folder = self.paper_dir(key)
        if folder.is_symlink():
            target = folder.resolve()
            if not target.is_relative_to(self.root.resolve()):
                raise LibraryError(
                    f"{folder}: is a link to {target}, outside the library; "
                    "Papershelf does not write there (replace the link with the folder)"
                )
        return folder

    def notes_path(self, key: str) -> Path:
        return self.paper_dir(key) / NOTES_FILE

    def pdf_path(self, paper: Paper) -> Path | None:
        """The PDF's path when the paper has one on disk."""
        if not paper.pdf_file or not _is_key(paper.pdf_file):  # a bare file name only
            return None
        path = self.paper_dir(paper.key) / paper.pdf_file
        return path if path.exists() else None

    # -- reading --------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        return (self.paper_dir(key) / PAPER_FILE).exists()

    def in_trash(self, key: str) -> bool:
        return (self.trash_dir / key / PAPER_FILE).exists()

    def resolve(self, ref: str) -> str:
        """The key of the paper that ``ref`` names (any arXiv ID form, a link, or a key).

        Raises:
            PaperNotFound: no such paper in the library.
        """
        _check_length(ref)
        key = arxiv_id.key_of(ref)
        if _is_key(key) and self.exists(key):
            return key
        where = " (it is in the trash)" if _is_key(key) and self.in_trash(key) else ""
        raise PaperNotFound(f"no paper {ref.strip()!r} in the library {self.root}{where}")

    def get(self, ref: str) -> Paper:
        """The paper a reference names (any arXiv ID form, a link, or a key)."""
        return self._read(self.resolve(ref))

    def read(self, key: str) -> Paper:
        """The paper in the folder ``key``, taken as it is (even a folder name no reference
        resolves to); raises PaperNotFound or DamagedFile."""
        return self._read(key)

    def _has_folder(self, key: str) -> bool:
        return _is_key(key) and self.paper_dir(key).is_dir()

    def keys(self) -> list[str]:
        """The keys of the paper folders (a folder may lack its paper.json: see scan()).
        The entries' types come with the listing: no stat per folder but for links."""
        if not self.papers_dir.is_dir():
            return []
        with os.scandir(self.papers_dir) as entries:
            return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))

    def scan(self, keys: Iterable[str] | None = None) -> ScanResult:
        """Read every paper; damaged ones are reported with their path, the rest is usable.

        A paper folder without paper.json (deleted by hand, or not synced yet) is reported
        as damaged too. With ``keys``, only the folders of those that are there are read.
        """
        result = ScanResult()
        for key in self.keys() if keys is None else filter(self._has_folder, keys):
            try:
                result.papers.append(self._read(key))
            except DamagedFile as e:
                log.info("%s", e)  # the caller reports result.errors
                result.errors.append(e)
            except PaperNotFound:
                if _remove_leftover(self, key):
                    continue
                path = self.paper_dir(key) / PAPER_FILE
                result.errors.append(DamagedFile(path, "is missing: the folder holds no paper"))
        return result

    def papers(self, keys: Iterable[str] | None = None) -> list[Paper]:
        """Every paper, or only those of ``keys`` (in key order); damaged ones are left out.

        With ``keys`` only the papers named are read, so fetching the one paper just added
        does not read the whole library; a key no longer in the library is left out too.
        """
        if keys is None:
            return self.scan().papers
        papers = []
        for key in sorted(set(keys)):
            with contextlib.suppress(PaperNotFound, DamagedFile):
                papers.append(self.get(key))
        return papers

    def __iter__(self) -> Iterator[Paper]:
        return iter(self.papers())

    def __len__(self) -> int:
        return len(self.keys())

    def _read(self, key: str, folder: Path | None = None) -> Paper:
        path = (folder or self.paper_dir(key)) / PAPER_FILE
        try:
            data = jsonfiles.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PaperNotFound(f"no paper {key!r} in the library {self.root}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise DamagedFile(path, f"cannot be read: {e}") from e
        except ValueError as e:
            raise DamagedFile(path, f"is not valid JSON: {e}") from e
        try:
            paper = Paper.from_dict(data)
        except (TypeError, ValueError, KeyError, OverflowError) as e:
            raise DamagedFile(path, f"is not a valid paper record: {e}") from e
        if paper.key != key:
            # The folder name is the truth: a copied or renamed folder keeps working.
            paper.key = key
        return paper

    def read_notes(self, ref: str) -> str:
        path = self.notes_path(self.resolve(ref))
        try:
            return textfiles.read_text(path)
        except FileNotFoundError:
            return ""

    def tag_counts(self, papers: Iterable[Paper] | None = None) -> Counter[str]:
        """Every tag with the number of papers that carry it."""
        counts: Counter[str] = Counter()
        for paper in self.papers() if papers is None else papers:
            counts.update(paper.tags)
        return counts

    # -- writing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the library's lock (shared by every process that writes this library)."""
        if self._in_batch():  # held already, by batch() in this thread
            yield
            return
        with self._lock.held():
            yield

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the lock for many writes (an import), and sync the folders once at the end.

        Each file is still written atomically (fsynced before it replaces the old one), so
        a crash never leaves half a file; only the durability of the renames is left to the
        end: the papers/ folder is synced once rather than each paper's folder after each
        write, which halves the fsyncs of an import (a crash just after it may lose papers
        that importing again brings back). Keep a batch short (the import holds 50 papers):
        other programs wait for the lock meanwhile.
        """
        if self._in_batch():
            yield
            return
        with self.notices_deferred(), self.locked():
            self._batch_thread = threading.get_ident()
            try:
                yield
            finally:
                self._batch_thread = None
                fsync_dir(self.papers_dir)

    def _in_batch(self) -> bool:
        return self._batch_thread == threading.get_ident()

    def add(self, paper: Paper) -> Paper:
        """Add a new paper. Raises DuplicatePaper when its key is in the library already."""
        with self.locked():
            if self.exists(paper.key):
                raise DuplicatePaper(f"{paper.display_id} is already in the library")
            try:
                self._write(paper)
            except OSError:
                # A full disk: no empty folder left behind to be reported as damaged.
                with contextlib.suppress(OSError):
                    self.paper_dir(paper.key).rmdir()
                raise
        self._changed(paper.key)
        return paper

    def update(self, ref: str, change: Callable[[Paper], Any]) -> Paper:
        """Re-read the paper under the lock, apply ``change`` to it and write it back.

        This is the one way user data is changed: another process's change made meanwhile is
        read first and kept.
        """
        with self.locked():
            key = self.resolve(ref)
            paper = self._read(key)
            before = paper.to_dict()
            change(paper)
            if paper.to_dict() != before:
                self._write(paper)
                changed = True
            else:
                changed = False
        if changed:
            self._changed(key)
        return paper

    def save(self, paper: Paper) -> None:
        """Write a paper record as it is (for import code that built it whole)."""
        with self.locked():
            self._write(paper)
        self._changed(paper.key)

    def _write(self, paper: Paper) -> None:
        _strip_control_characters(paper)  # text from outside (digests, .bib, arXiv) included
        folder = self.writable_dir(paper.key)
        atomic_write_json(folder / PAPER_FILE, paper.to_dict(), sync_dir=not self._in_batch())

    def set_status(self, ref: str, status: Status | str) -> Paper:
        st = status if isinstance(status, Status) else Status.parse(status)
        return self.update(ref, lambda p: p.set_status(st))

    def add_tags(self, ref: str, tags: list[str]) -> Paper:
        return self.update(ref, lambda p: p.add_tags(tags))

    def remove_tags(self, ref: str, tags: list[str]) -> Paper:
        return self.update(ref, lambda p: p.remove_tags(tags))

    def set_rating(self, ref: str, rating: int) -> Paper:
        return self.update(ref, lambda p: p.set_rating(rating))

    def rename_tag(self, old: str, new: str) -> list[str]:
        """Rename (or merge into an existing tag) across the library; returns changed keys.

        The children of a hierarchical tag follow it (``rag/eval`` becomes ``retrieval/eval``
        when ``rag`` is renamed ``retrieval``).

        Raises:
            InvalidValue: ``new`` is empty once trimmed.
        """
        if not normalize_tag(new):
            raise InvalidValue(f"the new name of the tag {old!r} is empty")
        changed: list[str] = []
        holds = tag_filter(old)
        for paper in self.papers():
            if not holds(paper.tags):
                continue
            before = list(paper.tags)
            after = self.update(paper.key, lambda p: p.rename_tag(old, new))
            if after.tags != before:
                changed.append(paper.key)
        return changed

    def add_arxiv(
        self, aid: ArxivId, status: Status = Status.UNREAD, **values: Any
    ) -> tuple[Paper, AddOutcome]:
        """Add a paper by its arXiv ID, offline: its metadata is marked to be fetched.

        A paper in the library already is left as it is; one in the trash is restored.
        ``values`` are further fields of a new paper (``source``, ``title``...).
        """
        key = aid.key
        if self.exists(key):
            return self._read(key), AddOutcome.PRESENT
        if self.in_trash(key):
            with contextlib.suppress(PaperNotFound, DuplicatePaper):
                return self.restore(key), AddOutcome.RESTORED
        values.setdefault("metadata_state", FetchState.PENDING)
        paper = Paper.from_arxiv(aid, status=status, **values)
        try:
            self.add(paper)
        except DuplicatePaper:  # added meanwhile by another program
            return self._read(key), AddOutcome.PRESENT
        self._forget_dismissal(key)
        return paper, AddOutcome.ADDED

    def write_notes(self, ref: str, text: str, *, expected: str | None = None) -> None:
        """Replace the notes; empty notes remove notes.md.

        Args:
            expected: the notes as they were when the user started editing; when given and
                the notes on disk differ (changed meanwhile elsewhere), nothing is written.

        Raises:
            EditConflict: the notes changed since ``expected`` was read.
        """
        with self.locked():
            key = self.resolve(ref)
            path = self.writable_dir(key) / NOTES_FILE
            if expected is not None and self.read_notes(key) != expected:
                raise EditConflict(f"{path}: the notes changed while they were being edited")
            if text.strip():
                _write_notes_file(path, text)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        self._changed(key)

    def append_notes(self, ref: str, text: str) -> None:
        with self.locked():
            key = self.resolve(ref)
            old = self.read_notes(key)
            new = old.rstrip("\n") + "\n\n" + text if old.strip() else text
            _write_notes_file(self.writable_dir(key) / NOTES_FILE, new)
        self._changed(key)

    # -- trash ----------------------------------------------------------------------------

    def delete(self, ref: str, *, dismissed: bool = False) -> str:
        """Move a paper to the trash (restorable); returns its key.

        ``dismissed`` marks a paper dismissed from the inbox: digests will not bring it back.
        """
        with self.locked():
            key = self.resolve(ref)
            src = self.paper_dir(key)
            if dismissed:
                paper = self._read(key)
                paper.extra["dismissed"] = now_iso()
                self._write(paper)
            dest = self.trash_dir / key
            if dest.exists():
                shutil.rmtree(dest)
            self.trash_dir.mkdir(exist_ok=True)
            os.replace(src, dest)
            if not dismissed:
                self._forget_dismissal(key)
        self._removed(key)
        return key

    def dismiss(self, ref: str) -> str:
        return self.delete(ref, dismissed=True)

    def trash(self) -> list[Paper]:
        """The papers in the trash (unreadable ones are left out)."""
        papers: list[Paper] = []
        if self.trash_dir.is_dir():
            for folder in sorted(self.trash_dir.iterdir()):
                if folder.name.startswith(".") or not folder.is_dir():
                    continue
                with contextlib.suppress(*_READ_ERRORS):
                    papers.append(self._read(folder.name, folder))
        return papers

    def restore(self, ref: str) -> Paper:
        """Bring a paper back from the trash (as it was, status included)."""
        _check_length(ref)
        with self.locked():
            key = arxiv_id.key_of(ref)
            src = self.trash_dir / key
            if not _is_key(key) or not (src / PAPER_FILE).exists():
                raise PaperNotFound(f"no paper {ref.strip()!r} in the trash of {self.root}")
            if self.exists(key):
                raise DuplicatePaper(f"{ref.strip()} is in the library already")
            os.replace(src, self.paper_dir(key))
            paper = self._read(key)
            if paper.extra.pop("dismissed", None):
                self._write(paper)
        self._changed(key)
        return paper

    def empty_trash(self) -> int:
        """Remove the papers in the trash for good; returns how many.

        A dismissed paper leaves a small record in ``trash/.dismissed/`` so that importing a
        digest again still does not bring it back.
        """
        count = 0
        with self.locked():
            folders = list(self.trash_dir.iterdir()) if self.trash_dir.is_dir() else []
            for folder in folders:
                if folder.name.startswith("."):
                    continue
                if folder.is_symlink():  # the link goes, never what it leads to
                    folder.unlink()
                    count += 1
                    continue
                if not folder.is_dir():
                    continue
                count += 1
                try:
                    paper = self._read(folder.name, folder)
                except _READ_ERRORS:
                    paper = None
                if paper is not None and paper.extra.get("dismissed"):
                    atomic_write_json(
                        self._dismissal_path(folder.name),
                        {
                            "key": folder.name,
                            "arxiv_id": paper.arxiv_id,
                            "title": paper.title,
                            "dismissed": paper.extra["dismissed"],
                        },
                    )
                shutil.rmtree(folder)
        return count

    def was_dismissed(self, key: str) -> bool:
        """The paper is in the trash (dismissed or deleted), or was dismissed and the trash
        emptied since: a digest does not bring it back."""
        return self.in_trash(key) or self._dismissal_path(key).exists()

    def _dismissal_path(self, key: str) -> Path:
        return self.trash_dir / DISMISSED_DIR / f"{key}.json"

    def _forget_dismissal(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._dismissal_path(key).unlink()

    # -- notification ---------------------------------------------------------------------

    def announce(self, key: str) -> None:
        """Tell the observers and other processes that a paper changed (for code that
        wrote its files itself, such as the merge of conflict copies)."""
        self._changed(key)

    def _changed(self, key: str) -> None:
        journal.append(self._journal, key)  # at once, even within notices_deferred()
        self._notify(key, removed=False)

    def _removed(self, key: str) -> None:
        journal.append(self._journal, key)
        self._notify(key, removed=True)


class _LockFile:
    """The library's lock file (shared by every process that writes the library), its
    lock made when first needed: a command that only reads (``list``, ``show``,
    ``search``) never loads filelock (a tenth of its start-up)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock: FileLock | None = None
        self._made = threading.Lock()

    def get(self) -> FileLock:
        with self._made:
            if self._lock is None:
                from filelock import FileLock

                self._lock = FileLock(str(self.root / ".papershelf.lock"), timeout=LOCK_TIMEOUT)
            return self._lock

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        from filelock import Timeout

        try:
            with self.get():
                yield
        except Timeout:
            raise LibraryError(
                f"{self.root}: the library is locked by another program; try again"
            ) from None


def _remove_leftover(library: Library, key: str) -> bool:
    """Remove the folder of ``key`` if a killed import left it: no paper.json, nothing
    but Papershelf's own temp files. Done under the library's lock, if it is free now
    (a running import holds it while it writes); a folder holding anything else, the
    user's files, is never removed (``scan`` reports it)."""
    folder = library.paper_dir(key)

    def leftover() -> bool:
        if folder.is_symlink() or (folder / PAPER_FILE).exists():
            return False
        try:
            return all(is_leftover(p) for p in folder.iterdir())
        except OSError:
            return False

    if not leftover():
        return False
    from filelock import Timeout

    try:
        with (
            contextlib.nullcontext()
            if library._in_batch()
            else library._lock.get().acquire(timeout=0)
        ):
            if not leftover():
                return False
            shutil.rmtree(folder)
    except (Timeout, OSError) as e:
        log.info("%s: left by an interrupted import, not removed now (%s)", folder, e)
        return False
    log.info("%s: removed, left by an interrupted import", folder)
    return True


def _strip_control_characters(paper: Paper) -> None:
    """No terminal escape sequence or control character is stored in a paper's metadata
    (notes are the user's own file and are left as written)."""
    for name in ("title", "abstract", "doi", "journal_ref", "comment"):
        value = getattr(paper, name)
        if value:
            setattr(paper, name, printable(value, one_line=name != "abstract"))
    paper.authors = [printable(a, one_line=True) for a in paper.authors]


def _write_notes_file(path: Path, text: str) -> None:
    """notes.md, written atomically and ending with a line break."""
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")


def _is_key(key: str) -> bool:
    """A folder name a paper can have (nothing that climbs out of papers/, nothing longer
    than a file name may be)."""
    return (
        bool(key)
        and not key.startswith(".")
        and "/" not in key
        and "\\" not in key
        and len(key.encode("utf-8", "surrogateescape")) <= MAX_REF_BYTES
    )


def _check_length(ref: str) -> None:
    """Raise PaperNotFound, in a short line, for a reference longer than any key or link."""
    size = len(ref.strip().encode("utf-8", "surrogateescape"))
    if size > MAX_REF_BYTES:
        raise PaperNotFound(
            f"{ref.strip()[:40]!r}…: not a paper's ID, link or key "
            f"({size} bytes; at most {MAX_REF_BYTES})"
        )
