"""LaTeX to Unicode, the one reader of TeX for every import: BibTeX fields and digests.

pylatexenc does the reading (accents, ``\\ss``, ``\\textasciimacron``, ``\\relax``, dashes,
quotes, ``\\emph``, ...), with three choices of Papershelf's own:

- math stays TeX in :func:`latex_to_text` (titles keep arXiv's TeX, and an export writes
  it back as it came); :func:`math_to_text` makes the inside of math readable for digest
  titles: ``\\mathcal{O}(n^2)`` reads ``O(n²)``, with Unicode super- and subscripts;
- commands pylatexenc does not know, and those it would only stand in for (``\\cite{x}``
  becomes ``<cit.>``), are kept with their arguments, so nothing is lost silently;
- no-break and thin spaces (``~``, ``\\,``) are plain spaces, as search and names want;
  dashes and quotes (``--``, ``''``) stay as written, as :mod:`latex` writes them so.

Untrusted input is bounded: text nested deeper than :data:`MAX_DEPTH` braces (or
environments) raises :class:`~desktop_app.core.errors.UnusableEntry` instead of recursing
until Python gives up, so one hostile field costs its entry, not the file.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from typing import Any

from desktop_app.core.errors import UnusableEntry

log = logging.getLogger(__name__)

#: Braces (or ``\\begin``) nested deeper than this are refused; real titles nest 3 or 4.
MAX_DEPTH = 100
#: Longer text is refused too: pylatexenc reads ~100,000 characters a second, and real
#: fields (an abstract, a long author list) hold a few thousand.
MAX_CHARS = 100_000

#: A character to look at: without any, text is returned as it is (the common case, fast).
_TEX_CHARS = re.compile(r"[\\{}~]")
#: pylatexenc's stand-ins that would lose the argument: kept as written instead.
_KEPT_AS_WRITTEN = frozenset((
    "cite", "citep", "citet", "citealp", "citeauthor", "citeyear", "nocite", "ref", "eqref",
    "pageref", "label", "footnote", "input", "include", "includegraphics",
))  # fmt: skip
_MORE_SYMBOLS = {
    "copyright": "©", "S": "§", "P": "¶", "pounds": "£", "euro": "€", "textunderscore": "_",
    "textbar": "|", "textless": "<", "textgreater": ">",
}  # fmt: skip
_SUPERSCRIPT = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_GROUP_SCRIPT = re.compile(r"([\^_])\{([^{}]*)\}")
_CHAR_SCRIPT = re.compile(r"([\^_])([0-9A-Za-z+\-])")


def latex_to_text(text: str) -> str:
    """``text`` (LaTeX, as in a BibTeX field or a digest title) as Unicode, NFC; math kept.

    Raises:
        UnusableEntry: the text nests deeper than :data:`MAX_DEPTH` or is too long.
    """
    if not _TEX_CHARS.search(text):
        return unicodedata.normalize("NFC", text)
    check_depth(text)
    short, runs = _shortened(text)
    return _convert(short, _converter(math=False)).translate(runs)


#: Prose pylatexenc need not walk character by character (it reads ~100,000 characters a
#: second: 15 ms for an abstract): within a run of plain characters, what lies between its
#: second and its last space (a command's unbraced argument, the first word, stays) is
#: stood in for by one private-use character and put back after. Only runs outside every
#: group are: a group may be a command's argument, which pylatexenc may change letter by
#: letter (``\\'{...}`` accents each one).
_PLAIN_RUN = re.compile(r"[^\\{}~$%&#^_\n\ue000-\uf8ff]{40,}")
_BRACES = re.compile(r"\\.|[{}]", re.DOTALL)
_STAND_INS = re.compile(r"[\ue000-\uf8ff]")
_TWO_WORDS = re.compile(r"\s*\S+\s+\S+")


def _shortened(text: str) -> tuple[str, dict[int, str]]:
    """``text`` with its long plain runs stood in for, and the table to put them back."""
    if _STAND_INS.search(text):
        return text, {}  # the text uses private-use characters itself: read it whole
    runs: dict[int, str] = {}
    read_to, depth = 0, 0  # how far the braces are counted, and their depth there

    def stand_in(m: re.Match[str]) -> str:
        nonlocal read_to, depth
        for brace in _BRACES.finditer(text, read_to, m.start()):
            if brace.group() == "{":
                depth += 1
            elif brace.group() == "}":
                depth = max(depth - 1, 0)  # (a stray one closes nothing)
        read_to = m.end()  # (a run holds no brace)
        run = m.group()
        if depth > 0:
            return run
        # The first two words stay, whatever whitespace leads: a command before the run
        # (``\\'`` then spaces) takes the next word as its argument, spaces skipped.
        kept = _TWO_WORDS.match(run)
        start = kept.end() if kept else -1
        end = run.rfind(" ")
        if start < 0 or end - start < 20 or len(runs) >= 6400:
            return run
        char = chr(0xE000 + len(runs))
        runs[ord(char)] = run[start:end]
        return run[:start] + char + run[end:]

    return _PLAIN_RUN.sub(stand_in, text), runs


def math_to_text(tex: str) -> str:
    """The inside of ``$...$`` as readable text: ``\\alpha_2 \\le x^{2}`` is ``α₂ ≤ x²``.

    Raises:
        UnusableEntry: the text nests deeper than :data:`MAX_DEPTH` or is too long.
    """
    check_depth(tex)
    return _convert(_scripts(tex), _converter(math=True)).strip()


def _convert(text: str, converter: Any) -> str:
    try:
        out = converter.latex_to_text(text)
    except RecursionError:  # \begin nesting or another construct the check does not count
        raise UnusableEntry(f"LaTeX nested too deeply to read ({len(text)} characters)") from None
    except Exception:  # a pylatexenc bug on odd input: the text is kept as written
        log.warning("pylatexenc could not read %.80r; kept as written", text, exc_info=True)
        out = text
    return unicodedata.normalize("NFC", out)


def check_depth(text: str) -> None:
    """Raise :class:`UnusableEntry` when ``text`` nests deeper than :data:`MAX_DEPTH`
    (counted without recursion: braces not escaped, and ``\\begin``/``\\end``) or is longer
    than :data:`MAX_CHARS`."""
    if len(text) > MAX_CHARS:
        raise UnusableEntry(f"{len(text):,} characters of LaTeX (at most {MAX_CHARS:,} are read)")
    depth = deepest = 0
    for m in re.finditer(r"\\[{}]|\\begin\b|\\end\b|[{}]|\\.", text):
        token = m.group()
        if token in ("{", "\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("}", "\\end"):
            depth = max(depth - 1, 0)
    if deepest > MAX_DEPTH:
        raise UnusableEntry(f"braces nested {deepest} deep (at most {MAX_DEPTH} are read)")


def _scripts(tex: str) -> str:
    """``x^{2}``, ``x_1`` as ``x²``, ``x₁`` where Unicode has the characters."""

    def script(m: re.Match[str]) -> str:
        body = m[2]
        table = _SUPERSCRIPT if m[1] == "^" else _SUBSCRIPT
        converted = body.translate(table)
        if body and all(c != o for c, o in zip(converted, body, strict=True) if not o.isspace()):
            return converted
        return m[1] + (body if len(body) == 1 else f"({body})" if m[1] == "^" else body)

    return _CHAR_SCRIPT.sub(script, _GROUP_SCRIPT.sub(script, tex))


@functools.cache
def _converter(*, math: bool) -> Any:
    """A pylatexenc converter for text (math kept) or for math (made readable); each is
    built once (pylatexenc's tables take ~50 ms)."""
    # Imported here: pylatexenc's tables load in ~0.2 s, which plain-text input never needs.
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        SpecialsTextSpec,
        get_default_latex_context_db,
    )
    from pylatexenc.macrospec import MacroSpec

    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "papershelf", prepend=True, macros=[MacroSpec("href", "{{"), MacroSpec("url", "{")]
    )
    text_db = get_default_latex_context_db()
    plain = ("mathcal", "mathbb", "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathfrak",
             "mathscr", "boldsymbol", "bm", "operatorname")  # fmt: skip
    text_db.add_context_category(
        "papershelf",
        prepend=True,
        macros=[
            MacroTextSpec("href", "%(2)s"),
            MacroTextSpec("url", "%(1)s"),
            MacroTextSpec("relax", ""),
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciitilde", "~"),
            MacroTextSpec("textasciicircum", "^"),
            # Spellings latex.py writes that pylatexenc 2.10 does not read.
            *(MacroTextSpec(name, ch) for name, ch in _MORE_SYMBOLS.items()),
            *(MacroTextSpec(name, "%(1)s") for name in plain),  # 𝒪 reads and searches as O
            *(MacroTextSpec(name, " ") for name in (",", ";", ":", " ")),
            *(MacroTextSpec(name, "") for name in ("!", "/", "-", "@")),
        ],
        specials=[
            SpecialsTextSpec("~", " "),
            SpecialsTextSpec("&", "&"),  # "Smith & Jones" unescaped: text, not a table cell
            *(SpecialsTextSpec(chars, chars) for chars in ("--", "---", "``", "''", "!`", "?`")),
        ],
    )

    class Converter(LatexNodes2Text):  # type: ignore[misc]
        def latex_to_text(self, latex: str, **flags: Any) -> str:
            walker = latexwalker.LatexWalker(
                latex, latex_context=walker_db, tolerant_parsing=True, **flags
            )
            nodes, _, _ = walker.get_latex_nodes()
            return str(self.nodelist_to_text(nodes))

        def nodelist_to_text(self, nodelist: Any) -> str:
            out: list[str] = []
            verbatim_args = False  # after a command kept as written: its braced arguments
            for node in nodelist:
                if node is None:
                    continue
                if node.isNodeType(latexwalker.LatexMacroNode) and self._unknown(node):
                    out.append(node.latex_verbatim())
                    verbatim_args = not node.macro_post_space
                    continue
                if verbatim_args and node.isNodeType(latexwalker.LatexGroupNode):
                    out.append(node.latex_verbatim())
                    continue
                verbatim_args = False
                out.append(self.node_to_text(node))
                if math and node.isNodeType(latexwalker.LatexMacroNode) and node.macro_post_space:
                    out.append(" ")  # math reads "\\log n" as "log n", "n \\times m" as "n × m"
            return "".join(out)

        def group_node_to_text(self, node: Any) -> str:
            # {\foo}x stays as written: without its braces it would read \foox.
            if any(n is not None and n.isNodeType(latexwalker.LatexMacroNode)
                   and self._unknown(n) for n in node.nodelist):  # fmt: skip
                return str(node.latex_verbatim())
            return str(super().group_node_to_text(node))

        def _unknown(self, node: Any) -> bool:
            name = node.macroname
            return name in _KEPT_AS_WRITTEN or text_db.get_macro_spec(name) is None

        def math_node_to_text(self, node: Any) -> str:
            return str(node.latex_verbatim())

    return Converter(
        latex_context=text_db, math_mode="verbatim", keep_comments=True, strict_latex_spaces=True
    )
