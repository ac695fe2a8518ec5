"""TeX in titles and abstracts as readable text: ``$\\mathcal{O}(n^2)$`` reads ``O(n²)``.

arXiv keeps titles and abstracts as their authors typed them, TeX math and commands
included. :func:`readable` shows them as text for the window: the text outside math as
:func:`~desktop_app.core.interop.texdecode.latex_to_text` reads it (accents, ``\\emph``,
escaped characters), the inside of each ``$...$`` as
:func:`~desktop_app.core.interop.texdecode.math_to_text` makes it readable (Greek letters,
relations, Unicode super- and subscripts). Text without TeX is left exactly as it is, and
what cannot be read (too deep, too long) is shown as typed. The GUI shows the TeX source in
a tooltip; the library and the search index keep the source.
"""

from __future__ import annotations

import re

from desktop_app.core.errors import UnusableEntry
from desktop_app.core.interop.texdecode import latex_to_text, math_to_text

#: Something TeX would read: math, a command, an escaped character or a group.
_TEX = re.compile(r"(?<!\\)\$|\\[A-Za-z]+|\\[{}%&$#_ ]|(?<!\\)[{}]")
#: Inline math ($...$, not an escaped \$).
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def has_tex(text: str) -> bool:
    """Whether ``text`` holds anything TeX would read differently from plain text."""
    return bool(_TEX.search(text))


def readable(text: str) -> str:
    """``text`` with its TeX shown as Unicode text (unchanged when it holds no TeX)."""
    if not has_tex(text):
        return text
    parts: list[str] = []
    pos = 0
    try:
        for m in _MATH.finditer(text):
            parts.append(latex_to_text(text[pos : m.start()]))
            parts.append(math_to_text(m.group(1)))
            pos = m.end()
        parts.append(latex_to_text(text[pos:]))
    except UnusableEntry:
        return text
    return re.sub(r"[ \t]{2,}", " ", "".join(parts))
