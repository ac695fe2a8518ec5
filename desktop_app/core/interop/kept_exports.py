"""Kept exports: a .bib (or any export) file rewritten by itself whenever its papers change.

What LaTeX writers install Better BibTeX's auto-export for in Zotero:
``papershelf export bibtex [QUERY] -o refs.bib --keep-updated`` writes the file now and
records a :class:`KeptExport` (the library, the query, the format, the file). From then on,
after every change to the library made by the open app (its change notifications, debounced,
in the background) or by a CLI command that writes, :func:`refresh` exports again and
rewrites the file, atomically and only when its content changed, so a LaTeX build or a
file watcher sees no change when nothing changed.

Where they are kept: ``<config dir>/kept-exports.json``, the user's settings folder of this
machine, not the library folder. A file path means something on one machine only, and a
library synced to another machine must not make that machine write files. Each record names
its library by its resolved path, so one settings folder serves several libraries.
``papershelf kept-exports`` lists them (``--stop FILE`` stops one), and so does
Preferences.

The file is read and written under a lock (the app and the CLI may change it at the same
time); a record that cannot be read is skipped with a log line and kept in the file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from desktop_app.core import paths
from desktop_app.core.errors import InvalidValue, PapershelfError
from desktop_app.core.interop.export import ExportFormat, export_papers, papers_for_query
from desktop_app.core.library import Library
from desktop_app.core.search.api import SearchIndex
from desktop_app.core.storage import atomic_write_bytes, atomic_write_json

log = logging.getLogger(__name__)

KEPT_EXPORTS_FILE = "kept-exports.json"
_FORMAT = "papershelf-kept-exports"


@dataclass(frozen=True)
class KeptExport:
    """One file kept up to date: the papers of ``library`` that ``query`` finds (every
    paper when empty), exported as ``format`` (with the notes when ``notes``) to ``path``."""

    library: str
    path: str
    format: str
    query: str = ""
    notes: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "library": self.library,
            "path": self.path,
            "format": self.format,
            "query": self.query,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: Any) -> KeptExport:
        """Raises ValueError when ``data`` is not a record of a kept export."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        library, path, fmt = (data.get(name) for name in ("library", "path", "format"))
        query, notes = data.get("query", ""), data.get("notes", False)
        if not (isinstance(library, str) and isinstance(path, str) and isinstance(fmt, str)):
            raise ValueError("'library', 'path' and 'format' must be text")
        if not isinstance(query, str) or not isinstance(notes, bool):
            raise ValueError("'query' must be text and 'notes' true or false")
        return cls(library, path, ExportFormat(fmt).value, query, notes)  # ValueError: format

    @property
    def label(self) -> str:
        """``refs.bib — BibTeX of tag:thesis`` (for lists)."""
        what = f"papers matching {self.query}" if self.query else "every paper"
        return f"{self.path} — {ExportFormat(self.format).label} of {what}"


@dataclass(frozen=True)
class Refreshed:
    """What :func:`refresh` did with one kept export: ``written`` when the file changed,
    ``error`` (one line) when it could not be exported or written."""

    export: KeptExport
    written: bool = False
    papers: int = 0
    error: str | None = None


def kept_exports_path() -> Path:
    """``<config dir>/kept-exports.json``."""
    return paths.config_dir() / KEPT_EXPORTS_FILE


def _lock() -> FileLock:
    path = kept_exports_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path) + ".lock", timeout=10)


def _read_all() -> tuple[list[KeptExport], list[Any]]:
    """The records of the file, and what it holds that is not one (kept on rewrite)."""
    path = kept_exports_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], []
    except (OSError, ValueError) as e:
        raise InvalidValue(f"{path}: cannot be read as kept exports ({e})") from e
    items = data.get("exports", []) if isinstance(data, dict) else []
    exports: list[KeptExport] = []
    unknown: list[Any] = []
    for item in items if isinstance(items, list) else []:
        try:
            exports.append(KeptExport.from_dict(item))
        except ValueError as e:
            log.warning("%s: a kept export is skipped (%s): %r", path, e, item)
            unknown.append(item)
    return exports, unknown


def _write_all(exports: Sequence[KeptExport], unknown: Sequence[Any]) -> None:
    items = [e.to_dict() for e in exports] + list(unknown)
    atomic_write_json(kept_exports_path(), {"format": _FORMAT, "version": 1, "exports": items})


def _root(library: Library | Path) -> str:
    root = library.root if isinstance(library, Library) else library
    return str(Path(root).resolve())


def kept_exports(library: Library | Path | None = None) -> list[KeptExport]:
    """The kept exports (of ``library`` only, when given); raises InvalidValue when the file
    cannot be read."""
    exports, _ = _read_all()
    if library is None:
        return exports
    root = _root(library)
    return [e for e in exports if e.library == root]


def keep(
    library: Library, path: Path, fmt: ExportFormat | str, query: str = "", notes: bool = False
) -> KeptExport:
    """Record ``path`` as kept up to date (replacing what was kept in that file before)."""
    export = KeptExport(_root(library), str(path.resolve()), ExportFormat(fmt).value, query, notes)
    with _lock():
        exports, unknown = _read_all()
        exports = [e for e in exports if e.path != export.path] + [export]
        _write_all(exports, unknown)
    return export


def stop(path: Path | str) -> KeptExport | None:
    """Stop keeping the file ``path`` up to date (the file stays); the record, or None when
    that file was not kept."""
    resolved = str(Path(path).expanduser().resolve())
    with _lock():
        exports, unknown = _read_all()
        gone = [e for e in exports if e.path in (resolved, str(path))]
        if gone:
            _write_all([e for e in exports if e not in gone], unknown)
    return gone[0] if gone else None


def write_export(library: Library, index: SearchIndex | None, export: KeptExport) -> Refreshed:
    """Export again and rewrite the file when its content changed (atomically); ``index``
    serves the query (an export with a query is not updated without one)."""
    fmt = ExportFormat(export.format)
    try:
        if export.query:
            if index is None:
                raise InvalidValue("the search index is not open")
            papers = papers_for_query(library, index, export.query)
        else:
            papers = sorted(library.papers(), key=lambda p: p.added)
        text = export_papers(library, papers, fmt, with_notes=export.notes)
        data = text.encode("utf-8-sig" if fmt is ExportFormat.CSV else "utf-8")
        path = Path(export.path)
        try:
            if path.read_bytes() == data:
                return Refreshed(export, written=False, papers=len(papers))
        except FileNotFoundError:
            pass
        atomic_write_bytes(path, data)
    except (PapershelfError, OSError) as e:
        return Refreshed(export, error=f"{export.path}: not updated: {e}")
    return Refreshed(export, written=True, papers=len(papers))


def refresh(library: Library, index: SearchIndex | None) -> list[Refreshed]:
    """Rewrite the kept exports of ``library`` whose content changed; one result each."""
    try:
        exports = kept_exports(library)
    except InvalidValue as e:
        log.warning("%s", e)
        return []
    return [write_export(library, index, export) for export in exports]
