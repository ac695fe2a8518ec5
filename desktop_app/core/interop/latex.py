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


def _braces_balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def tex_to_latex(text: str, *, ascii_only: bool = False) -> str:
    """TeX-ish text (a title, a name) as valid LaTeX: its math and commands kept as they are."""
    text = unicodedata.normalize("NFC", text)
    if text.count("$") - text.count(r"\$") & 1:  # an odd dollar is a price, not math
        return plain_to_latex(text, ascii_only=ascii_only)
    keep_braces = _braces_balanced(text)
    parts: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        parts.append(_escape_tex(text[pos : m.start()], keep_braces, ascii_only))
        parts.append(m.group())
        pos = m.end()
    parts.append(_escape_tex(text[pos:], keep_braces, ascii_only))
    return "".join(parts)


#: In TeX-ish text: a command or escape the author wrote (kept), or a character to look at.
_TEX_TOKEN = re.compile(
    r"\\(?:[A-Za-z]+|[" + re.escape("".join(ACCENTS) + "&%$#_{} \\,;!") + "])"
    r"|[\\{}&%#_^$]"
)


def _escape_tex(text: str, keep_braces: bool, ascii_only: bool) -> str:
    def escape(m: re.Match[str]) -> str:
        token = m.group()
        if len(token) > 1 or (token in "{}" and keep_braces):
            return token
        return _PLAIN_SPECIAL[token]

    return _encode_letters(_TEX_TOKEN.sub(escape, text), ascii_only)


def protect_case(latex: str) -> str:
    """Brace the words a BibTeX style must not lower-case (``{LLMs}``, ``{GenIR}``, ``{iPhone}``).

    Words with a capital after their first letter are acronyms or names; plain capitalised
    words are left to the style, as Better BibTeX does. Math is left alone.
    """
    parts: list[str] = []
    pos = 0
    for m in _MATH.finditer(latex):
        parts.append(_brace_words(latex[pos : m.start()]))
        parts.append(m.group())
        pos = m.end()
    parts.append(_brace_words(latex[pos:]))
    return "".join(parts)


_WORD = re.compile(r"[^\W_]+")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)", re.DOTALL)


def _brace_words(text: str) -> str:
    # Only words at brace depth 0 count: braced text is protected already.
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and (m := _COMMAND.match(text, i)):
            out.append(m.group())
            i = m.end()
            continue
        if ch in "{}":
            depth += 1 if ch == "{" else -1
        elif depth == 0 and (m := _WORD.match(text, i)):
            word = m.group()
            out.append("{" + word + "}" if any(c.isupper() for c in word[1:]) else word)
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# -- reading ------------------------------------------------------------------------------


def from_latex(text: str) -> str:
    """LaTeX from a BibTeX field as Unicode text (math and unknown commands kept); one
    reader for every import: :func:`desktop_app.core.interop.texdecode.latex_to_text`."""
    return latex_to_text(text)
