"""Words for people: counts with their noun, names folded for keys, titles in sort order,
text safe to show on a terminal.

One definition of each, used by the CLI, the index and the window alike (``list --sort title``
and the window's title column order "The …" titles the same way, and Ångström, Éclair,
Ødegaard with A, E and O: see :func:`collation_key`).
"""

from __future__ import annotations

import locale
import os
import re
import unicodedata
from collections.abc import Callable

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"})
_ARTICLE = re.compile(r"^[^\w]+|^(?:the|a|an)\s+")


# Terminal escape sequences (ECMA-48), each matched whole so no stray "]0;title" is left:
# CSI (ESC [ … final, or the 8-bit CSI), OSC (ESC ] … BEL or ST: the window title), the
# DCS/SOS/PM/APC strings, and any other ESC with the character after it. Every branch stops
# at the next ESC (or its terminator), so matching is linear in the text's length.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x7e]?"
)
# What is left that a terminal acts on: C0 and C1 controls and DEL (but tab and line
# break), and the bidirectional overrides that make text read other than it is stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` without terminal escape sequences and control characters.

    A title from a hostile digest or .bib file (``ESC ] 0 ; … BEL`` retitles the terminal
    window, ``ESC [ 2 J`` clears it) is shown, and stored, as its letters only. Tabs and
    line breaks stay, unless ``one_line`` (a table cell), which turns them into spaces.
    """
    if text.isprintable():  # the usual case: nothing to do
        return text
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))
    if one_line:
        text = " ".join(text.split())
    return text


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 paper``, ``1,271 papers``; ``many`` for a plural that is not ``word + "s"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def sortable_title(title: str) -> str:
    """A title as it is sorted by: a leading article (The, A, An) or mark dropped."""
    text = unicodedata.normalize("NFKC", title)
    dropped = _ARTICLE.match(text.casefold())
    while dropped and dropped.end():
        text = text[dropped.end() :]
        dropped = _ARTICLE.match(text.casefold())
    return text


def title_sort_key(title: str) -> str:
    """The key titles sort by: a leading article or mark dropped, then :func:`collation_key`."""
    return collation_key(sortable_title(title))


def collation_key(text: str) -> str:
    """A key that orders texts as the user's locale does, as Qt's QCollator does in the
    window (tests/gui/widgets/test_models.py checks that they agree).

    Under a locale of the user's (:func:`collate_by_user_locale`, other than C/POSIX) it is
    the C library's ``strxfrm`` of that locale for each run of letters (Danish puts Ø and Å
    after Z, as Danes expect), with punctuation between the runs in ICU's order. Otherwise
    it is the Unicode collation's order (ICU's root locale: English, German, French...) in
    three levels, as ICU compares: letters transliterated to ASCII
    (anyascii: Ångström with A, Ødegaard with O, Æ as AE), with punctuation in ICU's order;
    then accents (``eclair`` before ``éclair``); then case (lower case first).
    """
    if _strxfrm is not None:
        return _locale_key(text, _strxfrm)
    ascii_text = text if text.isascii() else _anyascii(text)
    letters = ascii_text.encode("ascii").translate(_PRIMARY).decode("ascii")
    return f"{letters}\x00{text.casefold()}\x00{text.swapcase()}"


#: ASCII space and punctuation in ICU's root order, put before the digits and letters.
_PUNCTUATION = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_PUNCTUATION_ORDER = str.maketrans({c: chr(1 + i) for i, c in enumerate(_PUNCTUATION)})
#: An ASCII text's primary level, byte for byte: letters in lower case, punctuation so.
_PRIMARY = bytes(
    (_PUNCTUATION.index(chr(b)) + 1) if chr(b) in _PUNCTUATION else (b + 32 if 65 <= b <= 90 else b)
    for b in range(256)
)
_strxfrm: Callable[[str], str] | None = None
_RUNS = re.compile(r"[^\W_]+|[\W_]")  # runs of letters and digits; every other character


def _locale_key(text: str, xfrm: Callable[[str], str]) -> str:
    """The C library's collation of each run of letters (case first ignored, then not),
    with spaces and punctuation between them in ICU's order: the C library ignores
    punctuation where ICU (the window's QCollator) sorts it before letters."""

    def level(fold: bool) -> str:
        parts = []
        for run in _RUNS.findall(text):
            if run[0].isalnum():
                parts.append("\x02" + xfrm(run.casefold() if fold else run))
            else:
                parts.append("\x01" + run.translate(_PUNCTUATION_ORDER))
        return "".join(parts)

    return f"{level(True)}\x00{level(False)}"


def collate_by_user_locale() -> str | None:
    """Sort titles by the collation of the user's locale (``LC_ALL``/``LC_COLLATE``/``LANG``)
    from now on in this process; the CLI and the app call it once at start-up (Qt sets the
    locale itself, the CLI must ask). Returns the locale's name, None for C/POSIX or a
    locale the system lacks (the Unicode order then)."""
    global _strxfrm  # the C library's collation is process-wide too
    try:
        name = locale.setlocale(locale.LC_COLLATE, "")
    except locale.Error:
        name = "C"
    if name.split(".")[0] in ("C", "POSIX", ""):
        _strxfrm = None
        return None
    _strxfrm = locale.strxfrm
    return name


def collation() -> str:
    """What :func:`collation_key` orders by now: the user's locale (with the C library's
    version, whose rules may change) or the Unicode order. Keys made under another are not
    to be compared with these."""
    if _strxfrm is None:
        return "unicode"
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not glibc, not POSIX
        libc = ""
    return f"{locale.setlocale(locale.LC_COLLATE)} {libc}"


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, transliterated by anyascii
    (``"Balázs"`` -> ``"balazs"``, ``"Łukasiewicz"`` -> ``"lukasiewicz"``, ``"Đorđević"``
    -> ``"dordevic"``, ``"张伟"`` -> ``"zhangwei"``); symbols (emoji) are dropped."""
    letters = "".join(c for c in text if not unicodedata.category(c).startswith("S"))
    return re.sub(r"[^a-z0-9]+", "", _anyascii(letters).lower())


def _anyascii(text: str) -> str:
    # Imported when a text needs it: anyascii loads importlib.resources (~1 ms of every
    # command, which mostly never transliterates).
    from anyascii import anyascii

    return anyascii(text)


def family_name(author: str) -> str:
    """The family name of an author written ``Given Family`` or ``Family, Given``."""
    author = " ".join(author.replace("{", "").replace("}", "").split())
    if "," in author:
        return author.split(",")[0].strip()
    words = author.split()
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        words.pop()
    return words[-1] if words else ""
