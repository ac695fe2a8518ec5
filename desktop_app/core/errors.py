"""The error hierarchy of the core: every error a user can cause derives from PapershelfError.

Messages name the input and what was wrong with it, so the CLI and the GUI can show them as
they are.
"""

from __future__ import annotations


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
