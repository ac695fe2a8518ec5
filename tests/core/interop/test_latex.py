"""LaTeX in BibTeX fields: plain text survives a round trip, TeX is read as the reader would."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.interop.latex import (
    balance_braces,
    from_latex,
    plain_to_latex,
    protect_case,
    tex_to_latex,
)


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\\{}$~^")))
def test_plain_text_comes_back_exactly(text: str) -> None:
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    for ascii_only in (False, True):
        assert from_latex(plain_to_latex(text, ascii_only=ascii_only)) == text


def test_ascii_only_writes_accents_as_tex() -> None:
    assert plain_to_latex("Müller Škoda Łukasz ß", ascii_only=True) == (
        'M{\\"u}ller {\\v{S}}koda {\\L}ukasz {\\ss}'
    )
    assert plain_to_latex("中文", ascii_only=True) == "中文"  # no TeX spelling: kept


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"{\"U}ber {\'e}t{\'e} \& more", "Über été & more"),
        (r"Schr\"odinger \v{S}koda \c{c} {\aa} \o{} \ss{} {\L}ukasz Bal\'azs", None),
        (r"\emph{Deep} \textbf{nets} \url{https://a.b/c_d}", "Deep nets https://a.b/c_d"),
        (r"D.~E.\,Knuth", "D. E. Knuth"),
        (r"The $\alpha$-rule", "The $\\alpha$-rule"),
        (r"\LaTeX{} and \cite{x}", "\\LaTeX{} and \\cite{x}"),
        (r"{BERT} {{LLMs}} --- 1--2", "BERT LLMs --- 1--2"),
    ],
)
def test_tex_reads_as_text(tex: str, text: str | None) -> None:
    if text is None:
        text = "Schrödinger Škoda ç å ø ß Łukasz Balázs"
    assert from_latex(tex) == text


def test_tex_text_keeps_math_and_commands_and_escapes_the_rest() -> None:
    assert (
        tex_to_latex("$O(n^2)$ & 50% of x_1 ^ y")
        == r"$O(n^2)$ \& 50\% of x\_1 \textasciicircum{} y"
    )
    assert tex_to_latex(r"Schr\"odinger and \LaTeX") == r"Schr\"odinger and \LaTeX"
    # Unbalanced braces and an odd dollar are text, not TeX.
    assert from_latex(tex_to_latex("a { b")) == "a { b"
    assert from_latex(tex_to_latex("costs $5")) == "costs $5"


def test_acronyms_are_protected_from_lower_casing() -> None:
    assert protect_case("Leveraging LLMs for GenIR with BERT4Rec and the $\\mathcal{O}$ Case") == (
        "Leveraging {LLMs} for {GenIR} with {BERT4Rec} and the {$\\mathcal{O}$} Case"
    )
    assert protect_case("{Already} braced iPhone") == "{Already} braced {iPhone}"


def test_math_and_capitalised_commands_are_protected_too() -> None:
    # bibtex's plain.bst would print $o(n^2)$ and the undefined \latex.
    assert protect_case(r"An $O(n^2)$ Algorithm for \LaTeX{} and \TeX Users") == (
        r"An {$O(n^2)$} Algorithm for {\LaTeX{}} and {\TeX} Users"
    )
    # Inside the authors' braces nothing is added; a lower-case command needs nothing.
    assert (
        protect_case(r"{Group $x$ \LaTeX} and \emph{Word}") == r"{Group $x$ \LaTeX} and \emph{Word}"
    )
    # An accent command with a capital becomes a special character: its letter still
    # changes case, the command does not (\H would become the undefined \h).
    assert protect_case(r"Erd\H{o}s") == r"Erd{\H{o}}s"


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        (r"An unpaired \{ in a title", r"An unpaired \textbraceleft{} in a title"),
        (r"A stray } and \{x\} sets", r"A stray \textbraceright{} and \{x\} sets"),
        (r"{BERT} \} and {x", r"{BERT} \textbraceright{} and \textbraceleft{}x"),
        (r"Bounds on $\{x \mid x > 0$ sets", r"Bounds on $\lbrace x \mid x > 0$ sets"),
        (r"$\{x\}$ and $f(x}$", r"$\{x\}$ and $f(x\rbrace $"),
    ],
)
def test_braces_are_balanced_the_way_bibtex_counts_them(text: str, latex: str) -> None:
    written = tex_to_latex(text)
    assert written == latex
    depth = 0
    for ch in written:  # bibtex counts every brace, escaped or not
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0
    assert depth == 0


def test_a_field_bibtex_cannot_pair_loses_its_stray_braces() -> None:
    assert balance_braces("10.1000/{ab}") == "10.1000/{ab}"
    assert balance_braces("a}b{c") == "abc"
    assert balance_braces(r"x\{y") == "xy"
    assert balance_braces("{{a}") == "{a}"
