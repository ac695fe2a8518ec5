"""The error hierarchy of the core: every error a user can cause derives from PapershelfError.

Messages name the input and what was wrong with it, so the CLI and the GUI can show them as
they are.
"""

from __future__ import annotations

import errno
import os
import re


class PapershelfError(Exception):
    """Base class of every error the core raises on purpose."""


class InvalidArxivId(PapershelfError, ValueError):
    """Text that is not a valid arXiv identifier."""


class LibraryError(PapershelfError):
    """The library folder cannot be used (missing, not a library, newer format)."""


class PaperNotFound(PapershelfError, KeyError):
    """No paper in the library matches the given reference."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "paper not found"


class DuplicatePaper(PapershelfError):
    """A paper with that key is already in the library."""


class DamagedFile(PapershelfError):
    """A file of the library could not be read (invalid JSON, wrong shape)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InvalidValue(PapershelfError, ValueError):
    """A value given by the user is out of range (a rating of 7, an unknown status)."""


class EditConflict(PapershelfError):
    """A file changed on disk while the user edited a copy of it; nothing was overwritten."""


class DigestError(PapershelfError):
    """A digest file cannot be read at all."""


class QueryError(PapershelfError):
    """A search query that cannot be parsed."""


class SearchIndexError(PapershelfError):
    """The search index cannot be used; it is rebuilt from the library."""


class PdfError(PapershelfError):
    """A PDF cannot be read or its text cannot be extracted."""


class PdfStampMismatch(PdfError):
    """A PDF's arXiv stamp names another paper than the one it is attached to."""


class NetworkError(PapershelfError):
    """A request to arXiv failed (connection, timeout, HTTP error)."""


class AccessDenied(NetworkError):
    """arXiv answered 403: all fetching stops until the user resumes it."""


class Unreachable(NetworkError):
    """The server cannot be reached at all (no network): fetches stay queued."""


class BadResponse(NetworkError):
    """The server answered something unusable (not Atom, an XML bomb, not a PDF)."""


class Cancelled(PapershelfError):
    """The user cancelled a running operation."""


class ImportFileError(PapershelfError):
    """A file to import (BibTeX, CSV, PDF) cannot be read."""


class UnusableEntry(PapershelfError, ValueError):
    """One entry of an import file is beyond what is read (nested too deep, too big); the
    entry is skipped with this reason and the rest of the file imported."""


def describe(error: BaseException) -> str:
    """Any error as one line that names what went wrong and where.

    A :class:`PapershelfError` is its message; an ``OSError`` names its file (an atomic
    write's temp file by the file it was replacing) and the system's reason with its
    ``errno`` name (``…/paper.json: No space left on device (ENOSPC)``); anything else is
    its type and message, so a bug is told apart from a bad input.
    """
    if isinstance(error, PapershelfError):
        text = str(error)
    elif isinstance(error, OSError) and error.strerror:
        code = errno.errorcode.get(error.errno or 0)
        reason = error.strerror + (f" ({code})" if code else "")
        names = [_shown_path(n) for n in (error.filename, error.filename2) if n is not None]
        text = f"{' -> '.join(names)}: {reason}" if names else reason
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return " ".join(text.split()) or type(error).__name__


def _shown_path(name: object) -> str:
    """A file's name as the user knows it: ``.paper.json.1f2e3d4c.tmp`` is ``paper.json``
    (see ``storage.atomic_write_bytes``)."""
    text = os.fsdecode(name) if isinstance(name, str | bytes | os.PathLike) else str(name)
    head, _, tail = text.rpartition(os.sep)
    match = _TEMP_NAME.fullmatch(tail)
    if match:
        return (head + os.sep if head else "") + match.group(1)
    return text


_TEMP_NAME = re.compile(r"\.(.+)\.[0-9a-f]{8}\.tmp")
