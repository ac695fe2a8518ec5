"""Words for people: counts with their noun, names folded for keys, titles in sort order.

One definition of each, used by the CLI, the index and the window alike (``list --sort title``
and the window's title column order "The …" titles the same way).
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"})
_ARTICLE = re.compile(r"^[^\w]+|^(?:the|a|an)\s+")


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
