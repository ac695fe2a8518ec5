"""A tiny pure-Python PDF writer for tests: multi-page PDFs with the given text on each page.

The PDFs are small and valid (cross-reference table, standard Helvetica font with
WinAnsiEncoding, so Latin-1 letters such as ``é`` work). Each page's text is wrapped into
lines; an explicit ``\\n`` starts a new line, so a test can put a word hyphenated at a line end
(``"retrie-\\nval"``). ``scanned=True`` draws shapes but no text, like a scan without OCR.

    from tests.helpers.pdfgen import make_pdf, write_pdf
    data = make_pdf(["page one text", "page two text"], title="A paper")
    write_pdf(tmp_path / "paper.pdf", ["..."])
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PAGE_WIDTH = 612  # US Letter, in points
PAGE_HEIGHT = 792
FONT_SIZE = 11
LEADING = 14
MARGIN = 72
CHARS_PER_LINE = 90
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


def _escape(text: str) -> bytes:
    """A PDF string literal's body, in WinAnsiEncoding (unknown characters become '?')."""
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(text: str) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        wrapped = textwrap.wrap(para, CHARS_PER_LINE, break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return lines[:LINES_PER_PAGE]


def _text_stream(text: str) -> bytes:
    parts = [b"BT", f"/F1 {FONT_SIZE} Tf {LEADING} TL".encode()]
    parts.append(f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode())
    for line in _lines(text):
        parts.append(b"(" + _escape(line) + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def _shapes_stream(seed: int) -> bytes:
    """Grey bars where text lines would be: a page that looks written but holds no text."""
    parts = [b"0.5 g"]
    for i in range(20):
        width = 300 + (seed * 37 + i * 53) % 160
        parts.append(f"{MARGIN} {PAGE_HEIGHT - MARGIN - i * LEADING} {width} 8 re f".encode())
    return b"\n".join(parts)


def make_pdf(pages: list[str], *, title: str | None = None, scanned: bool = False) -> bytes:
    """The bytes of a PDF with one page per string of ``pages`` (at least one page)."""
    pages = pages or [""]
    n = len(pages)
    # Objects: 1 catalog, 2 pages, 3 font, 4 info, then (page, content) pairs.
    objects: dict[int, bytes] = {}
    page_ids = [5 + 2 * i for i in range(n)]
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(f"{pid} 0 R".encode() for pid in page_ids)
    objects[2] = b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(n).encode() + b" >>"
    objects[3] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    objects[4] = b"<< /Title (" + _escape(title or "") + b") /Producer (papershelf tests) >>"
    for i, (pid, text) in enumerate(zip(page_ids, pages, strict=True)):
        content = _shapes_stream(i) if scanned else _text_stream(text)
        objects[pid] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {pid + 1} 0 R >>"
        ).encode()
        objects[pid + 1] = (
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n".encode() + b"0000000000 65535 f \n"
    for num in range(1, size):
        out += f"{offsets[num]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R /Info 4 0 R >>\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def write_pdf(
    path: Path, pages: list[str], *, title: str | None = None, scanned: bool = False
) -> Path:
    """Write :func:`make_pdf`'s bytes to ``path`` (creating its folder) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_pdf(pages, title=title, scanned=scanned))
    return path
