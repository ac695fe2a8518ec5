"""Followed feeds: what each one asks arXiv for, and ``feeds.json``, where they are kept.

A feed is an arXiv category (``cs.IR``, asked as ``cat:cs.IR``) or a search in arXiv's query
language (``cat:cs.IR AND abs:"retrieval augmented"``, ``au:Zamani``). ``<library>/feeds.json``
holds them, in the user's order, so they travel with a synced library::

    {"format": "papershelf-feeds", "version": 1, "feeds": [
      {"name": "cs.IR", "query": "cat:cs.IR", "added": "2026-12-03T10:00:00Z",
       "newest": "2026-12-02T17:59:01Z", "fetched": "2026-12-03T10:05:00Z", "queued": null}]}

``newest`` is the newest submission seen (a fetch asks for nothing older), ``fetched`` the last
fetch that completed, ``queued`` when a fetch was asked for that could not run (offline): the
next fetch of the queue runs it. Writes are atomic and made under the library's lock from a
fresh read, so two machines (or the app and the CLI) each keep the other's newest date: the
later of the two wins. Unknown keys are kept. A damaged file is reported (DamagedFile) and
kept as ``feeds.json.damaged`` before it is ever overwritten.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_app.core import jsonfiles
from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import now_iso
from desktop_app.core.storage import atomic_write_json

log = logging.getLogger(__name__)

FEEDS_FILE = "feeds.json"
FEEDS_FORMAT = "papershelf-feeds"
FEEDS_VERSION = 1

#: An arXiv category: an archive (``cs``, ``hep-th``, ``q-bio``) and maybe a subject class.
CATEGORY = re.compile(r"(?P<archive>[a-z][a-z-]*)(?:\.[A-Za-z][A-Za-z-]*)?")
#: arXiv's archives (https://arxiv.org/category_taxonomy), a word outside them is no category.
ARCHIVES = frozenset(
    [
        "astro-ph",
        "cond-mat",
        "cs",
        "econ",
        "eess",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "q-bio",
        "q-fin",
        "quant-ph",
        "stat",
    ]
)
#: The field prefixes of arXiv's query language (the API manual, section 5.1).
QUERY_FIELDS = ("ti", "au", "abs", "co", "jr", "cat", "rn", "id", "all", "submittedDate")
_FIELD = re.compile(r"\b(\w+):")


@dataclass(frozen=True)
class Feed:
    """One followed feed (see the module docstring for the fields)."""

    name: str
    query: str
    added: str = ""
    newest: str | None = None
    fetched: str | None = None
    queued: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_category(self) -> bool:
        return self.query == f"cat:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update(
            name=self.name,
            query=self.query,
            added=self.added,
            newest=self.newest,
            fetched=self.fetched,
            queued=self.queued,
        )
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Feed | None:
        """A feed from its JSON object; None when the object is not one."""
        if not isinstance(data, dict):
            return None
        name, query = data.get("name"), data.get("query")
        if not (isinstance(name, str) and name.strip() and isinstance(query, str) and query):
            return None

        def text(k: str) -> str | None:
            v = data.get(k)
            return v if isinstance(v, str) and v else None

        known = {"name", "query", "added", "newest", "fetched", "queued"}
        return cls(
            name=name.strip(),
            query=query,
            added=text("added") or "",
            newest=text("newest"),
            fetched=text("fetched"),
            queued=text("queued"),
            extra={k: v for k, v in data.items() if k not in known},
        )


def parse_spec(spec: str) -> tuple[str, str]:
    """A feed's default name and its arXiv query, from what the user typed.

    ``cs.IR`` follows the category (``cat:cs.IR``); anything with a field prefix is a search
    (``au:Zamani``), named after itself unless the user names it.

    Raises:
        InvalidValue: neither a category nor a query of arXiv's language (unknown field,
            unbalanced quotes or parentheses).
    """
    text = " ".join(spec.split())
    if not text:
        raise InvalidValue("a feed needs a category (cs.IR) or an arXiv query (au:Zamani)")
    category = CATEGORY.fullmatch(text)
    if category and category["archive"] in ARCHIVES:
        return text, f"cat:{text}"
    fields = _FIELD.findall(text)
    if not fields:
        raise InvalidValue(
            f"feed {spec!r}: not an arXiv category (like cs.IR) nor an arXiv query with "
            'fields (like cat:cs.IR AND abs:"retrieval augmented" or au:Zamani)'
        )
    unknown = sorted({f for f in fields if f not in QUERY_FIELDS})
    if unknown:
        raise InvalidValue(
            f"feed {spec!r}: unknown field {unknown[0]}: (arXiv knows "
            + ", ".join(f"{f}:" for f in QUERY_FIELDS)
            + ")"
        )
    if text.count('"') % 2:
        raise InvalidValue(f"feed {spec!r}: a quotation mark is not closed")
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise InvalidValue(f"feed {spec!r}: the parentheses do not match")
    return text, text


# -- feeds.json ---------------------------------------------------------------------------


def load(library: Library) -> list[Feed]:
    """The library's feeds, in order (none when the file is absent).

    Raises:
        DamagedFile: the file exists but is not a list of feeds.
    """
    path = library.root / FEEDS_FILE
    feeds: list[Feed] = []
    for item in jsonfiles.read_list(path, "feeds", "feeds"):
        feed = Feed.from_dict(item)
        if feed is None:
            log.warning("%s: ignoring a malformed feed %r", path, item)
        elif any(f.name.casefold() == feed.name.casefold() for f in feeds):
            log.warning("%s: ignoring a second feed named %r", path, feed.name)
        else:
            feeds.append(feed)
    return feeds


def change(library: Library, edit: Callable[[list[Feed]], list[Feed]]) -> list[Feed]:
    """Read the feeds afresh, apply ``edit`` and write the result, all under the library's
    lock (so a change made meanwhile by another program is never lost); returns the feeds."""
    path = library.root / FEEDS_FILE
    with library.locked():
        try:
            current = load(library)
        except DamagedFile as e:
            log.warning("%s; keeping it as %s.damaged", e, FEEDS_FILE)
            os.replace(path, path.with_name(FEEDS_FILE + ".damaged"))
            current = []
        feeds = edit(list(current))
        data = {
            "format": FEEDS_FORMAT,
            "version": FEEDS_VERSION,
            "feeds": [f.to_dict() for f in feeds],
        }
        atomic_write_json(path, data)
    return feeds


def find(feeds: list[Feed], name: str) -> Feed | None:
    want = " ".join(name.split()).casefold()
    return next((f for f in feeds if f.name.casefold() == want), None)


def add(library: Library, spec: str, name: str | None = None) -> Feed:
    """Follow a category or a search; returns the new feed.

    Raises:
        InvalidValue: a bad spec (see :func:`parse_spec`), or a feed of that name or that
            query is followed already.
    """
    default_name, query = parse_spec(spec)
    name = " ".join((name or default_name).split())
    if not name:
        raise InvalidValue("a feed needs a name")
    feed = Feed(name=name, query=query, added=now_iso())

    def edit(feeds: list[Feed]) -> list[Feed]:
        if (twin := find(feeds, name)) is not None:
            raise InvalidValue(f"a feed named {twin.name!r} is followed already")
        same = next((f for f in feeds if f.query == query), None)
        if same is not None:
            raise InvalidValue(f"feed {same.name!r} follows {query!r} already")
        return [*feeds, feed]

    change(library, edit)
    return feed


def remove(library: Library, name: str) -> Feed:
    """Stop following the feed ``name`` (its papers stay in the library); returns it.

    Raises:
        InvalidValue: no feed of that name.
    """
    removed: list[Feed] = []

    def edit(feeds: list[Feed]) -> list[Feed]:
        feed = find(feeds, name)
        if feed is None:
            raise InvalidValue(f"there is no feed named {name!r}{_known(feeds)}")
        removed.append(feed)
        return [f for f in feeds if f is not feed]

    change(library, edit)
    return removed[0]


def select(library: Library, names: list[str] | None) -> list[Feed]:
    """The feeds named (all when ``names`` is empty or None), in the order of the file.

    Raises:
        InvalidValue: a name that is no feed.
    """
    feeds = load(library)
    if not names:
        return feeds
    chosen = []
    for name in names:
        feed = find(feeds, name)
        if feed is None:
            raise InvalidValue(f"there is no feed named {name!r}{_known(feeds)}")
        chosen.append(feed)
    return list(dict.fromkeys(chosen))


def record(library: Library, name: str, **values: str | None) -> None:
    """Set fields of one feed (``newest`` only ever moves forward)."""

    def edit(feeds: list[Feed]) -> list[Feed]:
        result = []
        for f in feeds:
            if f.name.casefold() == name.casefold():
                new = dict(values)
                if "newest" in new and f.newest and (new["newest"] or "") < f.newest:
                    new["newest"] = f.newest
                f = replace(f, **new)  # type: ignore[arg-type]
            result.append(f)
        return result

    change(library, edit)


def _known(feeds: list[Feed]) -> str:
    if not feeds:
        return " (no feed is followed: papershelf feed add cs.IR)"
    return " (feeds: " + ", ".join(f.name for f in feeds) + ")"
