"""LaTeX in BibTeX fields: plain text survives a round trip, TeX is read as the reader would."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.interop.latex import from_latex, plain_to_latex, protect_case, tex_to_latex


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
        "Leveraging {LLMs} for {GenIR} with {BERT4Rec} and the $\\mathcal{O}$ Case"
    )
    assert protect_case("{Already} braced iPhone") == "{Already} braced {iPhone}"
