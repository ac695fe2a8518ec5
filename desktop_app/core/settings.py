"""The user's settings: one typed, documented object, saved as JSON in the config folder.

``<config dir>/settings.json`` holds the fields of :class:`Settings` by name. Reading never
fails: a missing file gives the defaults; an unreadable file, an unknown key or a value of the
wrong type or out of range falls back to the default and yields a *notice* (a sentence the
GUI or the CLI shows), and keys this version does not know are written back unchanged.

The environment variables ``PAPERSHELF_ARXIV_API_URL`` and ``PAPERSHELF_ARXIV_PDF_URL``
override the two arXiv URLs at run time (tests point them at a local server) without being
written to the file: read the URLs through :meth:`Settings.api_url` and
:meth:`Settings.pdf_url`.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop_app.core import paths
from desktop_app.core.search.api import SortOrder
from desktop_app.core.storage import atomic_write_json

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
ENV_API_URL = "PAPERSHELF_ARXIV_API_URL"
ENV_PDF_URL = "PAPERSHELF_ARXIV_PDF_URL"

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_PDF_URL = "https://arxiv.org/pdf/"

#: arXiv's terms of use: at most one API request every three seconds. The interval setting
#: cannot go below this for arxiv.org itself (a mirror or a local server may be faster).
ARXIV_MIN_API_INTERVAL_S = 3.0
#: Downloads from arxiv.org are spaced at least this much, whatever the setting says.
ARXIV_MIN_DOWNLOAD_INTERVAL_S = 1.0


def _is_arxiv(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "arxiv.org" or host.endswith(".arxiv.org")


class Appearance(StrEnum):
    """The app's colours: the desktop's scheme, or always light, or always dark."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass
class Settings:
    """Everything a user can set (the Preferences dialog edits these fields).

    Attributes:
        library_path: the library folder; None means the default (``$PAPERSHELF_LIBRARY``
            or ``<Documents>/Papershelf``).
        fetch_pdfs_automatically: keeping a paper from the inbox, or adding one by ID,
            queues its PDF.
        offline: never contact arXiv; fetches wait in the queue.
        default_sort: the order of the paper list (``relevance``, ``added``, ``year``,
            ``title``).
        arxiv_api_url: the arXiv API's query URL (a mirror may be set here).
        arxiv_pdf_url: the base URL of PDFs (``<base><id>vN`` is fetched).
        api_interval_s: seconds between two API requests (at least 3 for arxiv.org).
        download_interval_s: seconds between two PDF downloads (at least 1 for arxiv.org).
        max_pdf_mb: a larger download is refused.
        timeout_s: seconds to wait for a server to connect or send more bytes.
        max_retries: retries after a first try fails for a passing reason (timeout, lost
            connection, HTTP 429 or 5xx); a request is tried ``max_retries + 1`` times.
        appearance: ``system`` (follow the desktop's light or dark scheme), ``light`` or
            ``dark``.
        feeds_first_days: the first fetch of a new feed brings this many days of papers.
        feeds_every_h: the app fetches the feeds this many hours apart while it is open and
            online (0: only on demand).
    """

    library_path: str | None = None
    fetch_pdfs_automatically: bool = True
    offline: bool = False
    default_sort: str = SortOrder.ADDED.value
    arxiv_api_url: str = DEFAULT_API_URL
    arxiv_pdf_url: str = DEFAULT_PDF_URL
    api_interval_s: float = ARXIV_MIN_API_INTERVAL_S
    download_interval_s: float = ARXIV_MIN_DOWNLOAD_INTERVAL_S
    max_pdf_mb: int = 100
    timeout_s: float = 30.0
    max_retries: int = 3
    appearance: str = "system"
    feeds_first_days: int = 7
    feeds_every_h: int = 24
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- effective values -----------------------------------------------------------------

    def api_url(self) -> str:
        """The API URL in use: ``$PAPERSHELF_ARXIV_API_URL`` if set, else the setting."""
        return os.environ.get(ENV_API_URL) or self.arxiv_api_url

    def pdf_url(self) -> str:
        """The PDF base URL in use: ``$PAPERSHELF_ARXIV_PDF_URL`` if set, else the setting."""
        return os.environ.get(ENV_PDF_URL) or self.arxiv_pdf_url

    def overridden_by_env(self) -> dict[str, str]:
        """Settings the environment overrides now (field name -> variable), for Preferences."""
        names = {"arxiv_api_url": ENV_API_URL, "arxiv_pdf_url": ENV_PDF_URL}
        return {name: var for name, var in names.items() if os.environ.get(var)}

    def api_interval(self) -> float:
        """Seconds between API requests, never below arXiv's 3 s when arxiv.org is asked."""
        if _is_arxiv(self.api_url()):
            return max(self.api_interval_s, ARXIV_MIN_API_INTERVAL_S)
        return self.api_interval_s

    def download_interval(self) -> float:
        """Seconds between downloads, never below 1 s when arxiv.org is asked."""
        if _is_arxiv(self.pdf_url()):
            return max(self.download_interval_s, ARXIV_MIN_DOWNLOAD_INTERVAL_S)
        return self.download_interval_s

    @property
    def max_pdf_bytes(self) -> int:
        return self.max_pdf_mb * 1024 * 1024

    @property
    def tries(self) -> int:
        """How many times a request is tried in all."""
        return self.max_retries + 1

    # -- reading and writing --------------------------------------------------------------

    @classmethod
    def default_path(cls) -> Path:
        return paths.config_dir() / SETTINGS_FILE

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """Settings from a JSON object, with a notice for each value that was not used."""
        settings = cls()
        notices: list[str] = []
        for name, raw in data.items():
            check = _CHECKS.get(name)
            if check is None:
                settings.extra[name] = raw
                notices.append(f"unknown setting {name!r} ignored (kept in the file)")
                continue
            problem = check(raw)
            if problem:
                default = getattr(settings, name)
                notices.append(
                    f"setting {name!r}: {raw!r} {problem}; using the default {default!r}"
                )
                continue
            value = float(raw) if _FLOAT_FIELDS.get(name) else raw
            setattr(settings, name, value)
        return settings, notices

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update({k: v for k, v in asdict(self).items() if k != "extra"})
        return data

    @classmethod
    def load(cls, path: Path | None = None) -> tuple[Settings, list[str]]:
        """Read the settings file; never raises (problems become notices).

        Returns:
            The settings, and the notices to show the user.
        """
        path = path or cls.default_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(), []
        except (OSError, UnicodeDecodeError) as e:
            return cls(), [f"{path}: cannot be read ({e}); using the default settings"]
        try:
            data = json.loads(text)
        except ValueError as e:
            return cls(), [f"{path}: is not valid JSON ({e}); using the default settings"]
        if not isinstance(data, dict):
            return cls(), [f"{path}: does not hold a JSON object; using the default settings"]
        settings, notices = cls.from_dict(data)
        for notice in notices:
            log.warning("%s: %s", path, notice)
        return settings, [f"{path}: {n}" for n in notices]

    def save(self, path: Path | None = None) -> Path:
        """Write the settings atomically (a crash never leaves half a file); returns the path."""
        path = path or self.default_path()
        atomic_write_json(path, self.to_dict())
        return path


# -- validation ---------------------------------------------------------------------------
# Each check returns None for a good value, or what is wrong with it.


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "is not true or false"


def _number(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "is not a number"
        if not math.isfinite(value) or not low <= value <= high:
            return f"is out of range ({low:g} to {high:g})"
        return None

    return check


def _integer(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "is not a whole number"
        return None if low <= value <= high else f"is out of range ({low} to {high})"

    return check


def _url(value: Any) -> str | None:
    if not isinstance(value, str):
        return "is not text"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    return None


def _optional_path(value: Any) -> str | None:
    if value is None:
        return None
    return None if isinstance(value, str) and value.strip() else "is not a folder path"


def _appearance(value: Any) -> str | None:
    choices = [a.value for a in Appearance]
    return None if value in choices else f"is not one of {', '.join(choices)}"


def _sort(value: Any) -> str | None:
    choices = [s.value for s in SortOrder]
    return None if value in choices else f"is not one of {', '.join(choices)}"


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "library_path": _optional_path,
    "fetch_pdfs_automatically": _bool,
    "offline": _bool,
    "default_sort": _sort,
    "arxiv_api_url": _url,
    "arxiv_pdf_url": _url,
    "api_interval_s": _number(0, 3600),
    "download_interval_s": _number(0, 3600),
    "max_pdf_mb": _integer(1, 10_000),
    "timeout_s": _number(0.001, 3600),
    "max_retries": _integer(0, 20),
    "appearance": _appearance,
    "feeds_first_days": _integer(1, 365),
    "feeds_every_h": _integer(0, 24 * 30),
}
_FLOAT_FIELDS = {f.name: f.type == "float" for f in fields(Settings)}


def max_pdf_bytes(given: int | None = None) -> int:
    """``given``, or the default of the ``max_pdf_mb`` setting in bytes: the largest PDF
    downloaded, attached or imported."""
    return given if given is not None else Settings().max_pdf_bytes
