"""Reading an imported text file (BibTeX, CSV) in whatever encoding it was written.

What JabRef, Zotero, Excel and old Windows tools write, in the order it is believed:

1. a byte-order mark: UTF-8, UTF-16 LE/BE (JabRef's "UTF-16"), UTF-32 LE/BE;
2. JabRef's ``% Encoding: windows-1252`` line near the top of a .bib file;
3. UTF-8, when the bytes are valid UTF-8 (nearly every file written since 2010);
4. else the encoding charset-normalizer finds (cp1252, GBK, Shift-JIS, ...), as Zotero's
   and JabRef's importers guess too.

A file that is no text at all (a PDF or a spreadsheet passed by mistake, any binary) is an
:class:`~desktop_app.core.errors.ImportFileError` naming the file and what it seems to be,
never an import of nothing.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import ImportFileError
from desktop_app.core.storage import read_input

log = logging.getLogger(__name__)

#: Far beyond any real .bib or CSV file (Zotero's 40,000-item exports are ~60 MB).
MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024

# UTF-32 LE's mark starts with UTF-16 LE's: the longer marks are tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ENCODING_LINE = re.compile(rb"^[ \t]*%[ \t]*Encoding:[ \t]*([A-Za-z0-9_.:-]{1,40})", re.MULTILINE)
#: Files people pass by mistake, by their first bytes.
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx, .ods or .docx file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls, .doc)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


#: The encodings .bib and CSV files are written in besides Unicode: Windows' and ISO's code
#: pages and the East Asian ones. Mac and DOS code pages are left out: on a short file
#: charset-normalizer ranks them first (a cp1252 title read as mac_iceland: "Ðber ìquotedî").
_LEGACY = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "latin_1", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_15", "koi8_r",
    "koi8_u", "gb18030", "big5", "cp932", "shift_jis", "euc_jp", "euc_kr", "cp949",
    "iso2022_jp", "cp874",
)  # fmt: skip


@dataclass(frozen=True)
class DecodedText:
    """A file's text and the encoding it was read with (and how that was decided)."""

    text: str
    encoding: str
    how: str  # "byte-order mark", "encoding line", "utf-8", "detected"


def read_text_file(path: Path, what: str) -> DecodedText:
    """The text of an import file named ``path`` (``what``: "BibTeX file", "CSV file").

    Raises:
        ImportFileError: the file cannot be read, is too big, or is not text.
    """
    data = read_input(path, MAX_TEXT_FILE_BYTES, what, ImportFileError)
    return decode_text(data, str(path), what)


def decode_text(data: bytes, name: str, what: str) -> DecodedText:
    """``data`` as text, its encoding found as the module docstring says.

    Raises:
        ImportFileError: naming ``name``, when the bytes are not text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data[len(bom) :].decode(encoding), encoding, "byte-order mark")
            except UnicodeDecodeError as e:
                raise ImportFileError(
                    f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                    f"{encoding.upper()} text ({e.reason} at byte {e.start + len(bom)})"
                ) from None
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ImportFileError(f"{name}: is {kind}, not a {what}")
    if utf16 := _bomless_utf16(data):
        try:
            return DecodedText(data.decode(utf16), utf16, "detected")
        except UnicodeDecodeError:
            pass
    if b"\0" in data[:65536]:
        raise ImportFileError(f"{name}: is a binary file, not a {what}")
    if declared := _declared(data, name):
        return declared
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    return _detected(data, name, what)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a mark, seen by its zero bytes: every other byte of ASCII text."""
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _declared(data: bytes, name: str) -> DecodedText | None:
    """The text as JabRef's ``% Encoding:`` line says, if there is one that holds."""
    m = _ENCODING_LINE.search(data[:4096])
    if m is None:
        return None
    label = m.group(1).decode("ascii")
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        log.warning("%s: unknown encoding %r in its Encoding line; guessing", name, label)
        return None
    try:
        return DecodedText(data.decode(encoding), encoding, "encoding line")
    except UnicodeDecodeError:
        log.warning("%s: is not %s as its Encoding line says; guessing", name, label)
        return None


def _detected(data: bytes, name: str, what: str) -> DecodedText:
    # Imported here: charset-normalizer loads its tables in ~0.1 s, needed by few files.
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=list(_LEGACY)).best()
    if best is None or best.encoding is None:
        raise ImportFileError(f"{name}: is not text in any encoding known, not a {what}")
    encoding = codecs.lookup(best.encoding).name
    log.info("%s: not UTF-8; read as %s (detected)", name, encoding)
    return DecodedText(str(best), encoding, "detected")
