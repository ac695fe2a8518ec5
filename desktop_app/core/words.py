"""Words for people: counts with their noun, names folded for keys, titles in sort order,
text safe to show on a terminal.

One definition of each, used by the CLI, the index and the window alike (``list --sort title``
and the window's title column order "The …" titles the same way).
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

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


def title_sort_key(title: str) -> str:
    """The key titles sort by: case and accents folded, a leading article or mark dropped."""
    text = unicodedata.normalize("NFKD", title).casefold()
    return _ARTICLE.sub("", text)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, transliterated by anyascii
    (``"Balázs"`` -> ``"balazs"``, ``"Łukasiewicz"`` -> ``"lukasiewicz"``, ``"Đorđević"``
    -> ``"dordevic"``, ``"张伟"`` -> ``"zhangwei"``); symbols (emoji) are dropped."""
    letters = "".join(c for c in text if not unicodedata.category(c).startswith("S"))
    return re.sub(r"[^a-z0-9]+", "", anyascii(letters).lower())


def family_name(author: str) -> str:
    """The family name of an author written ``Given Family`` or ``Family, Given``."""
    author = " ".join(author.replace("{", "").replace("}", "").split())
    if "," in author:
        return author.split(",")[0].strip()
    words = author.split()
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        words.pop()
    return words[-1] if words else ""
