"""LaTeX text in BibTeX fields: write Unicode text as LaTeX, and read LaTeX back as Unicode.

Two kinds of text go into a BibTeX file:

- *TeX-ish* text (titles, abstracts, names, journals) as arXiv keeps it: ``$...$`` math and
  TeX commands (``\\LaTeX``, ``\\"o``) are meant as TeX and pass through; only the characters
  TeX would misread (``& % # _ ~ ^``, unbalanced braces or dollars) are escaped.
- *plain* text (notes, tags): every special character is escaped, so that
  :func:`from_latex` gives back exactly the text that went in.

With ``ascii_only`` (classic BibTeX, whose 8-bit world sorts and hyphenates raw UTF-8
badly), accented letters become accent commands (``{\\"u}``) and the few letters TeX
spells as commands (``{\\ss}``, ``{\\L}``) become those; other characters (CJK, Greek) stay
Unicode, which biber and ``inputenc`` read. :func:`from_latex` reads them back (with pylatexenc, see
:mod:`desktop_app.core.interop.texdecode`).
"""

from __future__ import annotations

import re
import unicodedata

from desktop_app.core.interop.texdecode import latex_to_text

#: Accent commands and the combining character each stands for.
ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_ACCENT_OF = {mark: cmd for cmd, mark in ACCENTS.items()}

#: Letters and symbols TeX writes as a command without argument.
_SYMBOLS = {
    "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø",
    "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textbraceleft": "{", "textbraceright": "}", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "textellipsis": "…", "dots": "…", "ldots": "…",
    "textregistered": "®", "texttrademark": "™", "copyright": "©", "textdegree": "°",
    "S": "§", "P": "¶", "pounds": "£", "euro": "€", "textunderscore": "_",
    "textbar": "|", "textless": "<", "textgreater": ">", "guillemotleft": "«",
    "guillemotright": "»",
}  # fmt: skip
_SYMBOL_OF = {
    ch: cmd for cmd, ch in _SYMBOLS.items() if len(ch) == 1 and cmd not in ("dots", "ldots")
}
_MATH = re.compile(r"(?<!\\)\$\$?.+?(?<!\\)\$\$?", re.DOTALL)
_PLAIN_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


# -- writing ------------------------------------------------------------------------------


def _letter_to_latex(ch: str) -> str:
    """One non-ASCII character as LaTeX, or itself when TeX has no spelling for it."""
    if ch in _SYMBOL_OF:
        return "{\\" + _SYMBOL_OF[ch] + "}"
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or any(m not in _ACCENT_OF for m in marks):
        return ch
    out = base
    for mark in marks:
        cmd = _ACCENT_OF[mark]
        # \"u but \v{S}; a letter command needs its argument braced.
        out = f"\\{cmd}{{{out}}}" if cmd.isalpha() or out.startswith("\\") else f"\\{cmd}{out}"
    return "{" + out + "}"


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PLAIN_TABLE = str.maketrans(_PLAIN_SPECIAL)


def _encode_letters(text: str, ascii_only: bool) -> str:
    if not ascii_only:
        return text
    return _NON_ASCII.sub(lambda m: _letter_to_latex(m.group()), text)


def plain_to_latex(text: str, *, ascii_only: bool = False) -> str:
    """Plain text (notes, tags) as LaTeX that :func:`from_latex` turns back into ``text``."""
    return _encode_letters(unicodedata.normalize("NFC", text).translate(_PLAIN_TABLE), ascii_only)


def tex_to_latex(text: str, *, ascii_only: bool = False) -> str:
    r"""TeX-ish text (a title, a name) as valid LaTeX: its math and commands kept as they are.

    Braces are balanced the way bibtex counts them (every raw ``{`` and ``}``, ``\{`` and
    ``\}`` included): grouping braces and escaped ones that pair up are kept, a stray one is
    written as ``\textbraceleft{}``/``\textbraceright{}`` (``\lbrace``/``\rbrace`` in math),
    so the entry always parses and the brace still prints.
    """
    text = unicodedata.normalize("NFC", text)
    if text.count("$") - text.count(r"\$") & 1:  # an odd dollar is a price, not math
        return plain_to_latex(text, ascii_only=ascii_only)
    pieces: list[tuple[bool, list[str]]] = []  # (is math, tokens)
    pos = 0
    for m in _MATH.finditer(text):
        pieces.append((False, _tex_tokens(text[pos : m.start()])))
        pieces.append((True, _tex_tokens(m.group())))
        pos = m.end()
    pieces.append((False, _tex_tokens(text[pos:])))
    text_tokens = [t for is_math, tokens in pieces if not is_math for t in tokens]
    stray = _stray(text_tokens, "{", "}") | _stray(text_tokens, r"\{", r"\}")
    out: list[str] = []
    for is_math, tokens in pieces:
        if is_math:
            math_stray = _stray(tokens, "{", "}") | _stray(tokens, r"\{", r"\}")
            out += (_MATH_BRACE[t] if id(t) in math_stray else t for t in tokens)
            continue
        for token in tokens:
            if id(token) in stray:
                out.append(_PLAIN_SPECIAL[token[-1]])
            elif token in _PLAIN_SPECIAL and token not in "{}":
                out.append(_PLAIN_SPECIAL[token])  # a lone \, &, %, #, _, ^ or $
            elif token.startswith("\\") or token in "{}":
                out.append(token)  # a command or escape the author wrote, a paired brace
            else:
                out.append(_encode_letters(token, ascii_only))
    return "".join(out)


#: In TeX-ish text: a command or escape the author wrote (kept), or a character to look at.
_TEX_TOKEN = re.compile(
    r"\\(?:[A-Za-z]+|[" + re.escape("".join(ACCENTS) + "&%$#_{} \\,;!") + "])"
    r"|[\\{}&%#_^$]|[^\\{}&%#_^$]+"
)
_MATH_BRACE = {"{": r"\lbrace ", "}": r"\rbrace ", r"\{": r"\lbrace ", r"\}": r"\rbrace "}


class _Token(str):
    """A token of TeX text; distinct objects, so strays are told apart by ``id``."""


def _tex_tokens(text: str) -> list[str]:
    return [_Token(m.group()) for m in _TEX_TOKEN.finditer(text)]


def _stray(tokens: list[str], opening: str, closing: str) -> set[int]:
    """The ids of the ``opening``/``closing`` tokens that pair with none."""
    stack: list[int] = []
    stray: set[int] = set()
    for token in tokens:
        if token == opening:
            stack.append(id(token))
        elif token == closing:
            if stack:
                stack.pop()
            else:
                stray.add(id(token))
    return stray | set(stack)


def balance_braces(value: str) -> str:
    """``value`` with the raw braces bibtex could not pair dropped (with the backslash of an
    escaped one): the last guard of every field, whatever wrote it.

    bibtex, biber and pybtex count every ``{`` and ``}``, escaped or not; a field where a
    ``}`` comes before its ``{`` or a ``{`` is never closed ends the entry early or swallows
    the next one.
    """
    depth = 0
    for ch in value:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    if depth == 0:
        return value
    opened: list[int] = []
    drop: set[int] = set()
    for i, ch in enumerate(value):
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if opened:
                opened.pop()
            else:
                drop.add(i)
    drop |= set(opened)
    drop |= {i - 1 for i in drop if i > 0 and value[i - 1] == "\\"}
    return "".join(ch for i, ch in enumerate(value) if i not in drop)


def protect_case(latex: str) -> str:
    r"""Brace what a BibTeX style must not lower-case in a title.

    What Better BibTeX protects, decided for both dialects (bibtex's ``change.case$`` and
    biblatex's ``\MakeSentenceCase`` leave a brace group at the top level alone):

    - words with a capital after their first letter: acronyms and names (``{LLMs}``,
      ``{GenIR}``, ``{iPhone}``); plain capitalised words are left to the style;
    - math: ``{$O(n^2)$}`` (bibtex would print ``$o(n^2)$``);
    - commands with a capital in their name, with their arguments: ``{\LaTeX{}}`` (bibtex
      would write the undefined ``\latex``); ``{\H{O}}`` is a "special character" to bibtex,
      whose letter still changes case as it should;
    - what the authors braced themselves (``{Wikipedia}``) stays as they braced it.
    """
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and (m := _COMMAND.match(latex, i)):
            end = m.end()
            name = m.group()[1:]
            if depth == 0 and name.isalpha() and not name.islower():
                while latex.startswith("{", end):  # its arguments, as bibtex would take them
                    end = _group_end(latex, end)
                out.append("{" + latex[i:end] + "}")
            else:
                out.append(m.group())
            i = end
            continue
        if depth == 0 and ch == "$" and (m := _MATH.match(latex, i)):
            out.append("{" + m.group() + "}")
            i = m.end()
            continue
        if ch in "{}":
            depth += 1 if ch == "{" else -1
        elif depth == 0 and (m := _WORD.match(latex, i)):
            word = m.group()
            out.append("{" + word + "}" if any(c.isupper() for c in word[1:]) else word)
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_WORD = re.compile(r"[^\W_]+")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)", re.DOTALL)


def _group_end(text: str, pos: int) -> int:
    """The index after the brace group that opens at ``pos`` (escaped braces skipped)."""
    depth = 0
    i = pos
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        depth += (ch == "{") - (ch == "}")
        i += 1
        if depth == 0:
            return i
    return len(text)


# -- reading ------------------------------------------------------------------------------


def from_latex(text: str) -> str:
    """LaTeX from a BibTeX field as Unicode text (math and unknown commands kept); one
    reader for every import: :func:`desktop_app.core.interop.texdecode.latex_to_text`."""
    return latex_to_text(text)
