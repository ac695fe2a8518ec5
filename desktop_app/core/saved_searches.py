"""Saved searches: named queries, kept in the library folder so they sync with it.

``<library>/saved-searches.json`` holds
``{"format": "papershelf-saved-searches", "version": 1, "searches": [{"name", "query"}]}``
in the user's order. A damaged file is reported (DamagedFile) and never overwritten silently:
saving over it first keeps a copy as ``saved-searches.json.damaged``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from desktop_app.core import jsonfiles
from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.storage import atomic_write_json

log = logging.getLogger(__name__)

SAVED_FILE = "saved-searches.json"
SAVED_FORMAT = "papershelf-saved-searches"
SAVED_VERSION = 1


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str


def load(library: Library) -> list[SavedSearch]:
    """The library's saved searches, in order (none when the file is absent).

    Raises:
        DamagedFile: the file exists but is not a list of saved searches.
    """
    path = library.root / SAVED_FILE
    result: list[SavedSearch] = []
    for item in jsonfiles.read_list(path, "searches", "saved searches"):
        if (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("query"), str)
            and item["name"].strip()
        ):
            result.append(SavedSearch(item["name"].strip(), item["query"]))
        else:
            log.warning("%s: ignoring a malformed saved search %r", path, item)
    return result


def _store(library: Library, searches: list[SavedSearch]) -> None:
    path = library.root / SAVED_FILE
    data = {
        "format": SAVED_FORMAT,
        "version": SAVED_VERSION,
        "searches": [{"name": s.name, "query": s.query} for s in searches],
    }
    with library.locked():
        try:
            load(library)
        except DamagedFile:
            os.replace(path, path.with_name(SAVED_FILE + ".damaged"))
        atomic_write_json(path, data)


def _current(library: Library) -> list[SavedSearch]:
    try:
        return load(library)
    except DamagedFile as e:
        log.warning("%s", e)
        return []


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidValue("a saved search needs a name")
    return clean


def save(library: Library, name: str, query: str) -> list[SavedSearch]:
    """Save ``query`` as ``name`` (replacing a saved search of that name); returns all."""
    name = _clean_name(name)
    if not query.strip():
        raise InvalidValue(f"saved search {name!r}: the query is empty")
    searches = _current(library)
    for i, s in enumerate(searches):
        if s.name.casefold() == name.casefold():
            searches[i] = SavedSearch(name, query.strip())
            break
    else:
        searches.append(SavedSearch(name, query.strip()))
    _store(library, searches)
    return searches


def rename(library: Library, old: str, new: str) -> list[SavedSearch]:
    """Rename a saved search; returns all.

    Raises:
        InvalidValue: no search named ``old``, or another one is named ``new`` already.
    """
    new = _clean_name(new)
    searches = _current(library)
    names = [s.name.casefold() for s in searches]
    if old.casefold() not in names:
        raise InvalidValue(f"there is no saved search named {old!r}")
    if new.casefold() != old.casefold() and new.casefold() in names:
        raise InvalidValue(f"a saved search named {new!r} exists already")
    searches = [
        SavedSearch(new, s.query) if s.name.casefold() == old.casefold() else s for s in searches
    ]
    _store(library, searches)
    return searches


def delete(library: Library, name: str) -> list[SavedSearch]:
    """Delete the saved search ``name`` (nothing happens when there is none); returns all."""
    searches = [s for s in _current(library) if s.name.casefold() != name.casefold()]
    _store(library, searches)
    return searches
