"""Text of PDFs for the search index: extracted in a child process, cached by the PDF's hash.

PDFs are untrusted (DESIGN.md): pypdfium2 reads them in a separate worker process with a
time limit per PDF and, on POSIX, a cap on its address space (``RLIMIT_AS``), so a hostile
or broken PDF fails that one PDF, with a reason, and never hangs or crashes the app. A worker
that times out or dies is killed and a fresh one starts for the next PDF.

The text is kept page by page (so a search hit can name its page), normalised to NFKC (the
ligatures ``ﬁ`` and ``ﬂ`` become letters) with words hyphenated at a line end joined again
(pdfium marks that hyphen with U+FFFE; older versions and QtPdf use ``\\x02``/U+FFFE). A PDF
without a text layer (a scan) is a failure with the reason "no text layer (scanned PDF?)",
never silently empty text.

Results, failures included, are cached as gzipped JSON in :func:`paths.text_cache_dir`,
keyed by the PDF's SHA-256 and shared by every library: the same PDF is read once, and a
rebuilt index does not read any PDF again. ``papershelf stats`` lists the cached failures.

The worker is a separate Python process (``python -m desktop_app.core.pdf.text``), not a fork
of the app, so it shares nothing with Qt's threads. A frozen app (PyInstaller) is its own
worker: its entry point calls :func:`run_worker_if_requested` first thing.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import queue
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import desktop_app
from desktop_app.core import paths
from desktop_app.core.errors import describe
from desktop_app.core.paper import now_iso

log = logging.getLogger(__name__)

#: Bump when extraction changes, so cached texts are extracted again.
EXTRACTOR_VERSION = 1
DEFAULT_TIMEOUT = 60.0  # seconds per PDF; pdfium reads ~500 pages/s
DEFAULT_MEMORY_MB = 2048  # address space of the worker process
NO_TEXT_LAYER = "no text layer (scanned PDF?)"
WORKER_FLAG = "--papershelf-pdftext-worker"
#: A PDF of 3+ pages whose only text is this short, on one page, is a scan with a stamp
#: (arXiv prints its ID, category and date in the margin of page 1).
_STAMP_LETTERS = 80
_HYPHEN_MARKS = re.compile("[\x02\ufffe](?:\r?\n)?")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\uffff]")
_PDFIUM_ERRORS = {
    1: "unknown error",
    2: "file not found or could not be opened",
    3: "not a PDF or damaged beyond repair",
    4: "password-protected",
    5: "unsupported security scheme",
    6: "page not found or damaged",
}


@dataclass(frozen=True)
class PdfText:
    """The text of one PDF, page by page, or the reason it could not be read."""

    sha256: str
    pages: tuple[str, ...] = ()
    error: str | None = None
    source: str = ""  # the file name it was read from (for messages)
    extracted: str = ""  # when (UTC, ISO 8601)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def text(self) -> str:
        """All pages, separated by form feeds."""
        return "\f".join(self.pages)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": EXTRACTOR_VERSION,
            "sha256": self.sha256,
            "source": self.source,
            "extracted": self.extracted,
            "error": self.error,
            "pages": list(self.pages),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PdfText:
        pages = data.get("pages") or []
        if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
            raise ValueError("'pages' must be a list of strings")
        error = data.get("error")
        return cls(
            sha256=str(data["sha256"]),
            pages=tuple(pages),
            error=str(error) if error is not None else None,
            source=str(data.get("source") or ""),
            extracted=str(data.get("extracted") or ""),
        )


# -- normalisation -------------------------------------------------------------------------


def normalize_page(text: str) -> str:
    """One page's text as indexed: hyphenated words joined, NFKC, ``\\n`` line ends."""
    text = _HYPHEN_MARKS.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub("", text)


def _text_layer_problem(pages: list[str]) -> str | None:
    letters = [sum(1 for ch in page if ch.isalnum()) for page in pages]
    total = sum(letters)
    if total == 0:
        return NO_TEXT_LAYER
    # A scan that arXiv stamped: one short line on one page, nothing on the others.
    with_text = sum(1 for n in letters if n)
    if len(pages) >= 3 and with_text == 1 and total < _STAMP_LETTERS:
        return f"{NO_TEXT_LAYER}: only {total} letters on {len(pages)} pages"
    return None


# -- the cache -----------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def cache_path(sha256: str, cache_dir: Path | None = None) -> Path:
    base = cache_dir if cache_dir is not None else paths.text_cache_dir()
    return base / sha256[:2] / f"{sha256}.json.gz"


def load_cached(sha256: str, cache_dir: Path | None = None) -> PdfText | None:
    """The cached text of a PDF, or None (not cached, unreadable or of an older extractor)."""
    path = cache_path(sha256, cache_dir)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict) or data.get("version") != EXTRACTOR_VERSION:
            return None
        return PdfText.from_json(data)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
        log.warning("%s: unreadable cached text, extracting again: %s", path, e)
        return None


def store_cached(result: PdfText, cache_dir: Path | None = None) -> None:
    """Write a result to the cache (atomically; without fsync: the cache is disposable)."""
    # Imported here: the worker process, started under a memory cap, never writes the cache.
    from desktop_app.core.storage import atomic_write_bytes

    data = gzip.compress(json.dumps(result.to_json(), ensure_ascii=False).encode(), 5)
    try:
        atomic_write_bytes(cache_path(result.sha256, cache_dir), data, durable=False)
    except OSError as e:  # a full or read-only cache: the text is read again next time
        log.warning("the text of a PDF is not cached: %s", describe(e))


# -- the worker process --------------------------------------------------------------------


def _limit_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time limit still holds
        return
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read_pages(path: str) -> tuple[str, Any]:
    """In the worker: ("ok", [page texts]) or ("error", reason)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError as e:
        return "error", f"cannot be read: {e.strerror or e}"
    if not head:
        return "error", "is empty"
    if b"%PDF-" not in head:
        shown = head[:16].decode("latin-1")
        return "error", f"not a PDF file (it starts with {shown!r})"
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        reason = _PDFIUM_ERRORS.get(code, str(e)) if isinstance(code, int) else str(e)
        return "error", f"cannot be opened: {reason}"
    try:
        pages: list[str] = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                try:
                    pages.append(normalize_page(textpage.get_text_range()))
                finally:
                    textpage.close()
            except pdfium.PdfiumError as e:
                log.info("%s: page %d unreadable: %s", path, i + 1, e)
                pages.append("")
            finally:
                page.close()
        return "ok", pages
    finally:
        doc.close()


def _worker_main(memory_mb: int) -> None:
    """The worker's loop: one JSON request per line on stdin (``{"path": …}``), one JSON
    answer per line on stdout naming the path it is for; an empty line ends it.

    JSON frames the path, so a file name holding a newline (or any byte) cannot shift the
    answers: a path per raw line did, and every PDF after such a name got the text of the one
    before it.
    """
    import pypdfium2  # noqa: F401  (loaded before the cap: the cap is for what a PDF needs)

    _limit_memory(memory_mb)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            return
        try:
            path = str(json.loads(line)["path"])
        except (ValueError, KeyError, TypeError) as e:
            out.write(json.dumps({"path": None, "status": "error", "value": f"bad request: {e}"}))
            out.write("\n")
            out.flush()
            continue
        try:
            status, value = _read_pages(path)
        except MemoryError:
            status, value = "error", f"ran out of memory (limit {memory_mb} MB)"
        except Exception as e:  # a hostile PDF may raise anything; report it, keep serving
            status, value = "error", f"could not be read: {type(e).__name__}: {e}"
        try:
            encoded = json.dumps({"path": path, "status": status, "value": value})
        except MemoryError:
            value = f"ran out of memory (limit {memory_mb} MB)"
            encoded = json.dumps({"path": path, "status": "error", "value": value})
        out.write(encoded + "\n")
        out.flush()


def worker_command(memory_mb: int) -> list[str]:
    """The command line that starts a worker (the app itself when frozen by PyInstaller)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG, str(memory_mb)]
    return [sys.executable, "-m", "desktop_app.core.pdf.text", WORKER_FLAG, str(memory_mb)]


def worker_env() -> dict[str, str]:
    """The environment of a worker: ours, with the folder holding ``desktop_app`` on its path
    (so ``python -m`` finds the package run from a checkout) and UTF-8 pipes."""
    env = dict(os.environ)
    root = str(Path(desktop_app.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_worker_if_requested(argv: list[str] | None = None) -> None:
    """Serve as the extraction worker, then exit, when started as one.

    A frozen app's entry point calls this first thing: its own executable is the worker.
    """
    argv = sys.argv if argv is None else argv
    if len(argv) >= 3 and argv[1] == WORKER_FLAG:
        _worker_main(int(argv[2]))
        sys.exit(0)


class _WrongAnswer(ValueError):
    """The worker's answer names another file than the one asked for."""


class _Worker:
    """One worker process and a thread that reads its answers (pipes cannot be polled on
    Windows, a queue with a timeout can)."""

    def __init__(self, memory_mb: int) -> None:
        # Imported here: a search that reads cached texts only never starts a worker, and
        # subprocess (with selectors and signal) is ~2 ms of a `papershelf search`.
        import subprocess

        env = worker_env()
        self.process = subprocess.Popen(
            worker_command(memory_mb),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # pdfium's own warnings: the answer carries the reason
            env=env,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.answers: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="pdftext-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                self.answers.put(line)
        self.answers.put(None)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, path: Path, timeout: float) -> tuple[str, Any] | None:
        """The worker's answer; None on timeout. Raises OSError when the worker is gone and
        :class:`_WrongAnswer` when its answer is not for ``path``."""
        stdin = self.process.stdin
        assert stdin is not None
        asked = str(path)
        stdin.write(json.dumps({"path": asked}) + "\n")
        stdin.flush()
        try:
            line = self.answers.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            raise BrokenPipeError("the worker stopped")
        answer = json.loads(line)
        if not isinstance(answer, dict) or answer.get("path") != asked:
            raise _WrongAnswer("the PDF reader answered for another file")
        return str(answer["status"]), answer["value"]

    def stop(self, *, kill: bool) -> None:
        import subprocess

        with contextlib.suppress(OSError, ValueError):
            if not kill and self.process.stdin:
                self.process.stdin.write("\n")
                self.process.stdin.flush()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(0.5 if not kill else 0)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream:
                    stream.close()


class TextExtractor:
    """Extracts PDF text in one reusable worker process; thread-safe; use as a context manager.

    Args:
        timeout: seconds one PDF may take.
        memory_mb: address-space cap of the worker (POSIX); 0 for none.
        cache_dir: where texts are cached (default :func:`paths.text_cache_dir`).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        cache_dir: Path | None = None,
    ) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._worker: _Worker | None = None

    def __enter__(self) -> TextExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def extract(self, path: Path, *, sha256: str | None = None, refresh: bool = False) -> PdfText:
        """The text of the PDF at ``path``: from the cache, else read and cached.

        Never raises for a bad PDF: the result's ``error`` says what was wrong. ``refresh``
        reads the PDF again even when a result (a failure, say) is cached.
        """
        try:
            digest = sha256 or file_sha256(path)
        except OSError as e:
            return PdfText(
                sha256="", error=f"cannot be read: {e.strerror or e}", source=_shown_name(path)
            )
        if not refresh:
            cached = load_cached(digest, self.cache_dir)
            if cached is not None:
                return cached
        status, value = self._ask(path.resolve())
        if status == "ok":
            pages = list(value)
            problem = _text_layer_problem(pages)
            result = PdfText(
                sha256=digest,
                pages=() if problem else tuple(pages),
                error=problem,
                source=_shown_name(path),
                extracted=now_iso(),
            )
        else:
            result = PdfText(
                sha256=digest, error=str(value), source=_shown_name(path), extracted=now_iso()
            )
        if result.error:
            log.info("%s: %s", path, result.error)
        if not result.error or not result.error.startswith("cannot be read"):
            store_cached(result, self.cache_dir)
        return result

    def _ask(self, path: Path) -> tuple[str, Any]:
        with self._lock:
            worker = self._worker
            if worker is None or not worker.alive():
                if worker is not None:
                    worker.stop(kill=True)
                worker = self._worker = _Worker(self.memory_mb)
            try:
                answer = worker.ask(path, self.timeout)
            except _WrongAnswer as e:
                # Never cache a text that may be another file's ("cannot be read" is not cached).
                worker.stop(kill=True)
                self._worker = None
                return "error", f"cannot be read: {e}"
            except (OSError, ValueError):
                worker.stop(kill=True)
                self._worker = None
                return "error", _crash_reason(worker.process.returncode, self.memory_mb)
            if answer is None:
                worker.stop(kill=True)
                self._worker = None
                return "error", f"took longer than the time limit ({self.timeout:g} s)"
            return answer

    def close(self) -> None:
        """Stop the worker process."""
        with self._lock:
            if self._worker is not None:
                self._worker.stop(kill=False)
                self._worker = None


def _shown_name(path: Path) -> str:
    """The file's name as text (a name that is not UTF-8 gets U+FFFD for its odd bytes)."""
    return os.fsencode(path.name).decode("utf-8", "replace")


def _crash_reason(exitcode: int | None, memory_mb: int) -> str:
    if exitcode is not None and exitcode < 0:
        return (
            f"the PDF reader crashed (signal {-exitcode}; "
            f"damaged PDF, or more than {memory_mb} MB needed)"
        )
    if memory_mb > 0:
        # An allocation refused under the cap can end the worker with a plain exit status too
        # (Python failing outside the per-PDF guard, or pdfium aborting), so say both causes.
        return (
            f"the PDF reader stopped unexpectedly (exit status {exitcode}; "
            f"damaged PDF, or more than {memory_mb} MB needed)"
        )
    return f"the PDF reader stopped unexpectedly (exit status {exitcode})"


def extract_text(path: Path, **options: Any) -> PdfText:
    """Extract one PDF's text with a short-lived :class:`TextExtractor` (options as there)."""
    refresh = bool(options.pop("refresh", False))
    with TextExtractor(**options) as extractor:
        return extractor.extract(path, refresh=refresh)


if __name__ == "__main__":
    run_worker_if_requested()
