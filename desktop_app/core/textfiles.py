"""Reading text files the user may have written with any editor (notes.md above all).

Papershelf writes UTF-8, but a note edited on Windows in an older editor is often cp1252
(``Caf\\xe9``), and a synced folder may hold a file from anywhere. Such a file is read, not
refused: its encoding is found as for an imported file
(:func:`~desktop_app.core.interop.textfile.decode_text`: byte-order mark, UTF-8, detection),
and bytes that are no text at all are read as cp1252 with replacement characters. Reading
never rewrites the file: its bytes change only when the user changes the text.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.errors import ImportFileError

#: Below this many bytes detection is a guess (cp1250 or cp1252 for "naïve"): such a short
#: note that is not UTF-8 is read as cp1252, what Windows editors write in the West.
SHORT = 200


def decode(raw: bytes, *, where: object = "text") -> str:
    """The text of ``raw``, whatever its encoding (see the module's docstring)."""
    # Imported here: a command that reads no note (a search, a list) never loads it.
    from desktop_app.core.interop.textfile import decode_text

    try:
        decoded = decode_text(raw, str(where), "text file")
    except ImportFileError:
        return raw.decode("cp1252", "replace")
    if decoded.how == "detected" and len(raw) < SHORT:
        return raw.decode("cp1252", "replace")
    return decoded.text


def read_text(path: Path) -> str:
    """The text of the file at ``path`` (raises OSError as ``Path.read_text`` does)."""
    return decode(path.read_bytes(), where=path)
