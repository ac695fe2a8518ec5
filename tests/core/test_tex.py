"""TeX in titles and abstracts reads as Unicode text (over core/interop/texdecode)."""

from __future__ import annotations

import pytest

from desktop_app.core.tex import has_tex, readable


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (r"runs in $\mathcal{O}(n^2)$ time", "runs in O(n²) time"),
        (r"the $\alpha$-divergence and the $\ell_1$ norm", "the α-divergence and the ℓ₁ norm"),
        (r"vectors as $k \to \infty$", "vectors as k → ∞"),
        (r"$2^{-10}$ of the pairs", "2⁻¹⁰ of the pairs"),
        (r"H$_2$O and top-$k$ retrieval", "H₂O and top-k retrieval"),
        (r"\emph{dense} retrieval wins 50\% \& more", "dense retrieval wins 50% & more"),
        (r"costs \$5", "costs $5"),
        # What the reader does not know is kept as typed, never dropped.
        (r"as in \cite{lee19}, $x$", r"as in \cite{lee19}, x"),
    ],
)
def test_tex_reads_as_unicode(typed: str, shown: str) -> None:
    assert has_tex(typed)
    assert readable(typed) == shown


@pytest.mark.parametrize(
    "plain",
    ["A plain abstract: BM25 beats dense_retrieval at 5% cost (x^2 in ASCII).", "Née: ß, 東京"],
)
def test_text_without_tex_is_left_exactly_as_it_is(plain: str) -> None:
    assert not has_tex(plain)
    assert readable(plain) == plain


def test_tex_too_deep_to_read_is_shown_as_typed() -> None:
    typed = "$" + "{" * 200 + "x" + "}" * 200 + "$"
    assert readable(typed) == typed
