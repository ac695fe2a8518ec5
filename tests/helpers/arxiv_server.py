"""A local stand-in for arXiv, for tests: the API at ``/api/query`` and PDFs at ``/pdf/<id>vN``.

It serves papers a test adds (Atom answers generated in the 2026 style of the real API, PDFs
from ``tests.pdfgen``), the real answers recorded in ../shared/testdata/atom when asked to,
and faults queued by the test: an HTTP status with headers (503 with Retry-After, 429, 403,
404), a connection dropped mid-body, a server too slow to answer, HTML instead of a PDF, a
truncated PDF, any body (an XML bomb). Every request is recorded with its headers and the
time it arrived, so tests and the benchmark can check the spacing and the User-Agent.

    server = ArxivServer().start()
    server.add_paper("2504.05220", versions=2, title="A paper")
    server.fail_next("pdf", Fault.drop(after=1000))
    ...
    server.stop()

The ``arxiv_server`` fixture of tests/conftest.py starts one and points
``$PAPERSHELF_ARXIV_API_URL`` / ``$PAPERSHELF_ARXIV_PDF_URL`` at it.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.settings import Settings
from tests.helpers.pdfgen import make_pdf

XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""

#: What the API accepts as an ID (looser than Papershelf: ``0000.0000`` is well formed and
#: simply not found, as in the recordings of testdata/atom).
_WELL_FORMED = re.compile(r"\d{4}\.\d{4,5}(v\d+)?|[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")

HTML_PAGE = b"<!DOCTYPE html><html><body><h1>Are you a robot?</h1></body></html>"


@dataclass(frozen=True)
class Fault:
    """Something going wrong with one answer.

    ``status``/``headers``/``body``/``content_type`` replace the answer; ``delay`` waits
    before answering; ``drop_after`` sends the headers of the full answer then only that
    many bytes of its body before closing the connection; ``truncate`` cuts the body to
    that many bytes (with a matching Content-Length: a complete but damaged answer).
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    delay: float = 0.0
    drop_after: int | None = None
    truncate: int | None = None
    trickle: float = 0.0

    @classmethod
    def trickling(cls, seconds_per_byte: float) -> Fault:
        """The whole answer, one byte at a time, ``seconds_per_byte`` apart."""
        return cls(trickle=seconds_per_byte)

    @classmethod
    def http(cls, status: int, **headers: str) -> Fault:
        """An error status: ``Fault.http(503, Retry_After="7")`` (``_`` becomes ``-``)."""
        return cls(status=status, headers={k.replace("_", "-"): v for k, v in headers.items()})

    @classmethod
    def drop(cls, after: int) -> Fault:
        return cls(drop_after=after)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(delay=seconds)

    @classmethod
    def html(cls) -> Fault:
        return cls(status=200, body=HTML_PAGE, content_type="text/html; charset=utf-8")

    @classmethod
    def xml_bomb(cls) -> Fault:
        return cls(status=200, body=XML_BOMB, content_type="application/atom+xml")


@dataclass
class FakePaper:
    id: str
    versions: int = 1
    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    categories: list[str] = field(default_factory=lambda: ["cs.IR"])
    published: str = "2025-04-07T17:59:01Z"
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    pdfs: dict[int, bytes] = field(default_factory=dict)

    def pdf(self, version: int) -> bytes:
        if version not in self.pdfs:
            self.pdfs[version] = make_pdf(
                [f"{self.title} (version {version})", self.abstract or "Text."],
                title=self.title,
            )
        return self.pdfs[version]


@dataclass
class Request:
    """One request the server received (recorded as it arrives, before it is answered)."""

    kind: str  # "api", "pdf" or "other"
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    ended: float | None = None  # time.monotonic() when the answer was sent


class ArxivServer:
    """See the module docstring. Not a full arXiv: just what Papershelf asks of it."""

    def __init__(self, *, ranges: bool = True) -> None:
        self.papers: dict[str, FakePaper] = {}
        self.requests: list[Request] = []
        self.recorded: dict[str, tuple[int, bytes]] = {}
        #: Serve Range requests (206); False makes it answer 200 with the whole file.
        self.ranges = ranges
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------

    def start(self) -> ArxivServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ArxivServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    @property
    def pdf_url(self) -> str:
        return f"{self.base_url}/pdf/"

    def settings(self, **values: Any) -> Settings:
        """Settings for tests: this server, no waiting between requests, tiny timeouts."""
        defaults: dict[str, Any] = {
            "arxiv_api_url": self.api_url,
            "arxiv_pdf_url": self.pdf_url,
            "api_interval_s": 0.0,
            "download_interval_s": 0.0,
            "timeout_s": 2.0,
            "max_retries": 3,
        }
        return Settings(**(defaults | values))

    def add_paper(self, ref: str, **values: Any) -> FakePaper:
        """Serve a paper (``ref`` without version); metadata made up unless given."""
        aid = arxiv_id.parse(ref)
        values.setdefault("title", f"Paper {aid.id}")
        values.setdefault("authors", ["Ada Lovelace", "Alan Turing"])
        values.setdefault("abstract", f"The abstract of {aid.id}.")
        paper = FakePaper(aid.id, **values)
        self.papers[aid.id] = paper
        return paper

    def load_recorded(self, folder: Path) -> int:
        """Serve the answers recorded from the real API (``*.json`` of testdata/atom/arxiv.py)
        for the ``id_list`` they were recorded with; returns how many."""
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            query = parse_qs(urlsplit(data["url"]).query)
            ids = query.get("id_list", [""])[0]
            if ids:
                self.recorded[ids] = (int(data["status_code"]), data["body"].encode("latin-1"))
        return len(self.recorded)

    def fail_next(self, kind: str, *faults: Fault) -> None:
        """Queue faults for the next answers of a kind (``"api"`` or ``"pdf"``), in order."""
        with self._lock:
            self._faults[kind].extend(faults)

    def requests_of(self, kind: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    # -- answers --------------------------------------------------------------------------

    def _next_fault(self, kind: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(kind)
            return queue.popleft() if queue else None

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def api_answer(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        id_list = query.get("id_list", [""])[0]
        if id_list in self.recorded:
            return self.recorded[id_list]
        wanted = [i for i in id_list.split(",") if i]
        for text in wanted:
            if not _WELL_FORMED.fullmatch(text):
                return 400, error_feed(text)
        entries = []
        for text in wanted:
            aid = arxiv_id.try_parse(text)
            paper = self.papers.get(aid.id) if aid else None
            if aid is None or paper is None or (aid.version or 1) > paper.versions:
                continue  # arXiv leaves unknown IDs out of the answer
            entries.append(entry_xml(paper, aid.version or paper.versions))
        return 200, feed(entries, id_list)

    def pdf_answer(self, path: str) -> bytes | None:
        aid = arxiv_id.try_parse(unquote(path.removeprefix("/pdf/")))
        paper = self.papers.get(aid.id) if aid else None
        if aid is None or paper is None:
            return None
        version = aid.version or paper.versions
        return paper.pdf(version) if version <= paper.versions else None


class _Handler(BaseHTTPRequestHandler):
    owner: ArxivServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        kind = (
            "api"
            if parts.path.startswith("/api/")
            else "pdf"
            if parts.path.startswith("/pdf/")
            else "other"
        )
        query = parse_qs(parts.query, keep_blank_values=True)
        request = Request(kind, parts.path, query, dict(self.headers), arrived)
        self.owner._record(request)
        fault = self.owner._next_fault(kind)
        try:
            self._answer(kind, parts.path, query, fault)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            request.ended = time.monotonic()

    def _answer(
        self, kind: str, path: str, query: dict[str, list[str]], fault: Fault | None
    ) -> None:
        if fault is not None and fault.delay and self.owner._stopping.wait(fault.delay):
            return  # the server stops: answer nothing
        status, ctype, body, headers = 404, "text/plain", b"not found", {}
        if kind == "api":
            status, body = self.owner.api_answer(query)
            ctype = "application/atom+xml; charset=utf-8"
        elif kind == "pdf":
            pdf = self.owner.pdf_answer(path)
            if pdf is not None:
                status, ctype, body = 200, "application/pdf", pdf
                headers["ETag"] = '"' + hashlib.sha256(pdf).hexdigest()[:16] + '"'
                status, body, headers = self._range(status, body, headers)
        if fault is not None:
            status = fault.status or status
            headers.update(fault.headers)
            if fault.body is not None:
                body = fault.body
            if fault.content_type is not None:
                ctype = fault.content_type
            elif fault.status and fault.status >= 400 and fault.body is None:
                ctype, body = "text/plain", f"error {fault.status}".encode()
            if fault.truncate is not None:
                body = body[: fault.truncate]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if fault is not None and fault.drop_after is not None:
            self.wfile.write(body[: fault.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.trickle:
            for i in range(len(body)):
                if self.owner._stopping.wait(fault.trickle):
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
            return
        self.wfile.write(body)

    def _range(
        self, status: int, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        if not self.owner.ranges:
            return status, body, headers
        headers["Accept-Ranges"] = "bytes"
        m = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if_range = self.headers.get("If-Range")
        if not m or (if_range and if_range != headers.get("ETag")):
            return status, body, headers
        start = int(m.group(1))
        if start >= len(body):
            headers["Content-Range"] = f"bytes */{len(body)}"
            return 416, b"", headers
        headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        return 206, body[start:], headers


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it (no real waiting).

    Pass ``clock`` as the clock and ``clock.sleep`` as the sleep of a client: the gaps the
    client keeps between requests then show in ``clock.sleeps`` and in fake time.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


# -- Atom ---------------------------------------------------------------------------------


def feed(entries: list[str], id_list: str = "") -> bytes:
    """An Atom answer in the style the API used in 2026 (namespaces on <feed>)."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/test</id>\n"
        f"  <title>arXiv Query: search_query=&amp;id_list={escape(id_list)}</title>\n"
        "  <updated>2026-04-12T00:00:00Z</updated>\n"
        f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n" + "".join(entries) + "</feed>\n"
    ).encode()


def entry_xml(paper: FakePaper, version: int) -> str:
    vid = f"{paper.id}v{version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <updated>2025-05-{version:02d}T10:00:00Z</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"'
        ' title="pdf"/>',
        f"    <summary>{escape(paper.abstract)}</summary>",
    ]
    lines += [
        f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>'
        for c in paper.categories
    ]
    lines.append(f"    <published>{paper.published}</published>")
    if paper.comment:
        lines.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>")
    if paper.categories:
        lines.append(f'    <arxiv:primary_category term="{paper.categories[0]}"/>')
    if paper.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>")
    lines += [f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in paper.authors]
    if paper.doi:
        lines.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
    lines.append("  </entry>\n")
    return "\n".join(lines)


def error_feed(bad_id: str) -> bytes:
    """The API's answer to a malformed ID (HTTP 400 with one Error entry)."""
    ref = f"https://arxiv.org/api/errors#incorrect_id_format_for_{escape(bad_id)}"
    entry = (
        "  <entry>\n"
        f"    <id>{ref}</id>\n"
        "    <title>Error</title>\n"
        "    <updated>2026-04-12T22:59:06Z</updated>\n"
        f'    <link href="{ref}" rel="alternate" type="text/html"/>\n'
        f"    <summary>incorrect id format for {escape(bad_id)}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
    )
    return feed([entry])
