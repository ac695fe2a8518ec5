"""PDF downloads: streamed, checked, resumable, cancellable, one at a time.

A download streams into a hidden ``.<name>.part`` file next to its destination (the paper's
folder), reporting progress. Nothing reaches the destination unless it passed every check:
HTTP status, a Content-Type that may be a PDF, a ``%PDF-`` header, an ``%%EOF`` near the
end and the size cap. It is then moved into place atomically, so an HTML error page or a
captcha is never saved as a PDF and a half-written file never looks like a whole one.

A connection lost mid-body is tried again from where it stopped, with an HTTP Range request
(guarded by ``If-Range``) when the server allows it, from the start otherwise; a cancelled
or interrupted download leaves its ``.part`` file, which the next try resumes. Downloads
pass through the process-wide :data:`desktop_app.core.arxiv.net.DOWNLOAD_GATE`: one at a time,
``download_interval`` apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import requests

from desktop_app.core.arxiv.net import (
    DOWNLOAD_GATE,
    PoliteClient,
    Retryable,
    check_status,
    classify,
)
from desktop_app.core.errors import BadResponse, Cancelled
from desktop_app.core.progress import ByteProgress
from desktop_app.core.storage import atomic_move

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
#: ``%%EOF`` must be within this many bytes of the end (PDFs may add a few bytes after it).
EOF_WINDOW = 2048
#: Content types a PDF may come with; anything else (text/html above all) is refused.
PDF_TYPES = frozenset(
    {"application/pdf", "application/x-pdf", "application/octet-stream", "binary/octet-stream"}
)


@dataclass(frozen=True)
class Download:
    """A finished download: where it is, how big, and whether a partial file was resumed."""

    path: Path
    size: int
    resumed: bool


def part_path(dest: Path) -> Path:
    """The temporary file a download into ``dest`` streams to."""
    return dest.with_name(f".{dest.name}.part")


def _meta_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.part.json")


class PdfDownloader(PoliteClient):
    """Downloads PDFs; see the module docstring (arguments: see ``net.PoliteClient``)."""

    default_gate = DOWNLOAD_GATE

    def download(
        self,
        url: str,
        dest: Path,
        *,
        progress: ByteProgress | None = None,
        cancel: threading.Event | None = None,
    ) -> Download:
        """Download the PDF at ``url`` to ``dest`` (replacing it atomically).

        Raises:
            Cancelled: ``cancel`` was set (the partial file is kept for a later resume).
            AccessDenied: the server answered 403 (every fetch stops until resumed).
            BadResponse: the answer is not a PDF, is truncated, or is too large.
            Unreachable: the server cannot be reached (no network).
            NetworkError: another HTTP error ("HTTP 404"), or the tries ran out
                ("timed out after 4 tries").
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        resumed = False

        def attempt() -> int:
            nonlocal resumed
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"download of {url} cancelled")
            self.block.check()
            with self.gate.slot(self.settings.download_interval(), self.clock, self.sleep):
                size, was_resumed = self._attempt(url, dest, progress, cancel)
            resumed = resumed or was_resumed
            return size

        try:
            size = self.retrying(attempt, f"download of {url}")
            _check_pdf_file(part_path(dest), size)
        except BadResponse:
            _discard(dest)
            raise
        atomic_move(part_path(dest), dest)
        with contextlib.suppress(FileNotFoundError):
            _meta_path(dest).unlink()
        log.info("downloaded %s to %s (%d bytes%s)", url, dest, size, ", resumed" * resumed)
        return Download(dest, size, resumed)

    def _attempt(
        self,
        url: str,
        dest: Path,
        progress: ByteProgress | None,
        cancel: threading.Event | None,
    ) -> tuple[int, bool]:
        """One request; returns (bytes in the part file, whether it resumed one)."""
        part = part_path(dest)
        offset, validator = _resumable(dest, url)
        headers = {"Accept": "application/pdf"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        try:
            response = self.session.get(
                url, headers=headers, stream=True, timeout=self.settings.timeout_s
            )
        except requests.RequestException as e:
            raise classify(e) from e
        with response:
            if response.status_code == 416 and offset:
                _discard(dest)  # the partial file does not fit the server's file any more
                raise Retryable("HTTP 416 (the partial download was discarded)")
            check_status(response, self.block)
            resumed = response.status_code == 206
            if resumed and not (offset and _range_starts_at(response, offset)):
                _discard(dest)  # a part we did not ask for: start again from the beginning
                raise Retryable("HTTP 206 for another range")
            if not resumed:
                offset = 0
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype and ctype not in PDF_TYPES:
                raise BadResponse(f"not a PDF (got {ctype})")
            total = _total_size(response, offset)
            cap = self.settings.max_pdf_bytes
            if total is not None and total > cap:
                raise BadResponse(
                    f"too large ({total / 2**20:.1f} MB; the limit is "
                    f"{self.settings.max_pdf_mb} MB)"
                )
            _save_meta(dest, url, response)
            done = offset
            with open(part, "ab" if resumed else "wb") as f:
                try:
                    for chunk in self.body_chunks(response):
                        if cancel is not None and cancel.is_set():
                            raise Cancelled(f"download of {url} cancelled")
                        if done == 0 and not chunk.startswith(b"%PDF-"[: len(chunk)]):
                            raise BadResponse(f"not a PDF (it starts {chunk[:16]!r})")
                        f.write(chunk)
                        done += len(chunk)
                        if done > cap:
                            raise BadResponse(
                                f"too large (over the limit of {self.settings.max_pdf_mb} MB)"
                            )
                        if progress is not None:
                            progress(done, total)
                except requests.RequestException as e:
                    raise classify(e) from e  # the part file keeps what arrived
                f.flush()
                os.fsync(f.fileno())
        if total is not None and done < total:
            raise Retryable("connection lost")
        return done, resumed


def _resumable(dest: Path, url: str) -> tuple[int, str | None]:
    """Bytes already downloaded from ``url`` (0 to start afresh) and its ETag/Last-Modified."""
    part = part_path(dest)
    try:
        size = part.stat().st_size
        meta = json.loads(_meta_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    if not isinstance(meta, dict) or meta.get("url") != url or size <= 0:
        return 0, None
    validator = meta.get("etag") or meta.get("last_modified")
    return size, validator if isinstance(validator, str) else None


def _save_meta(dest: Path, url: str, response: requests.Response) -> None:
    meta = {
        "url": url,
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
    }
    _meta_path(dest).write_text(json.dumps(meta), encoding="utf-8")


def _range_starts_at(response: requests.Response, offset: int) -> bool:
    content_range = response.headers.get("Content-Range", "")
    return content_range.replace("bytes ", "").split("-")[0].strip() == str(offset)


def _total_size(response: requests.Response, offset: int) -> int | None:
    """The whole file's size, from Content-Range (a resumed answer) or Content-Length."""
    content_range = response.headers.get("Content-Range", "")
    if response.status_code == 206 and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        if total.isdigit():
            return int(total)
    length = response.headers.get("Content-Length", "")
    return offset + int(length) if length.isdigit() else None


def _check_pdf_file(path: Path, size: int) -> None:
    with open(path, "rb") as f:
        head = f.read(5)
        f.seek(max(0, size - EOF_WINDOW))
        tail = f.read()
    if head != b"%PDF-":
        raise BadResponse(f"not a PDF (it starts {head!r})")
    if b"%%EOF" not in tail:
        raise BadResponse("truncated PDF (no %%EOF at its end)")


def _discard(dest: Path) -> None:
    for path in (part_path(dest), _meta_path(dest)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
