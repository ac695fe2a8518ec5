"""TeX in titles and abstracts as readable text: ``$\\mathcal{O}(n^2)$`` reads ``𝒪(n²)``.

arXiv keeps titles and abstracts as their authors typed them, TeX math and commands
included. :func:`readable` turns simple math into Unicode (Greek letters, relations, ``\\mathbb``
and ``\\mathcal`` letters, super- and subscripts that Unicode has), drops formatting
commands (``\\emph{dense}`` reads ``dense``) and leaves text without TeX exactly as it is.
pylatexenc (a dependency of bibtexparser) does the conversion; what it cannot read stays as
typed. The GUI shows the TeX source in a tooltip, and the search index keeps the source.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUBSCRIPTS = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
#: Something TeX would read: math, a command, an escaped character or a group.
_TEX = re.compile(r"(?<!\\)\$|\\[A-Za-z]+|\\[{}%&$#_ ]|(?<!\\)[{}]")
#: Inline math ($...$, not an escaped \$).
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
#: A superscript or subscript: ^{...}, ^x, _{...}, _x (inside math).
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|([A-Za-z0-9]))")
_CITE = re.compile(r"~?\\cite[tp]?\*?(?:\[[^\]]*\])?\{[^}]*\}")


def has_tex(text: str) -> bool:
    """Whether ``text`` holds anything TeX would read differently from plain text."""
    return bool(_TEX.search(text))


def _script(match: re.Match[str]) -> str:
    kind, group, single = match.groups()
    body = group if group is not None else single
    table = _SUPERSCRIPTS if kind == "^" else _SUBSCRIPTS
    if body and all(c in table for c in body):
        return "".join(table[c] for c in body)
    return f"{kind}({body})" if group is not None and len(body) > 1 else f"{kind}{body}"


def _math(match: re.Match[str]) -> str:
    return "$" + _SCRIPT.sub(_script, match.group(1)) + "$"


@cache
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def readable(text: str) -> str:
    """``text`` with its TeX shown as Unicode text (unchanged when it holds no TeX)."""
    if not has_tex(text):
        return text
    source = _CITE.sub("", text)
    source = _MATH.sub(_math, source)
    try:
        out = str(_converter().latex_to_text(source))
    except Exception:
        return text
    return re.sub(r"[ \t]{2,}", " ", out).strip()
