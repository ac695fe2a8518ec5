"""Reading text files the user may have written with any editor (notes.md above all).

Papershelf writes UTF-8, but a note edited on Windows in an older editor is often cp1252
(``Caf\\xe9``), and a synced folder may hold a file from anywhere. Such a file is read, not
refused: UTF-8 (with or without a byte-order mark) when it is that, otherwise the encoding
charset-normalizer finds, otherwise cp1252, the most common one in that case. Reading never
rewrites the file: its bytes change only when the user changes the text.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(raw: bytes, *, where: object = None) -> str:
    """The text of ``raw``, whatever its encoding (see the module's docstring)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _guess(raw) or "cp1252"
    if where is not None:
        log.info("%s: not UTF-8, read as %s", where, encoding)
    return raw.decode(encoding, "replace")


def _guess(raw: bytes) -> str | None:
    if len(raw) < 64:  # too little to tell: the guesser picks exotic code pages for "Café"
        return None
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - installed with requests
        return None
    best = from_bytes(raw).best()
    return best.encoding if best is not None else None


def read_text(path: Path) -> str:
    """The text of the file at ``path`` (raises OSError as ``Path.read_text`` does)."""
    return decode(path.read_bytes(), where=path)
