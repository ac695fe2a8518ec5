"""TeX in titles and abstracts reads as Unicode text."""

from __future__ import annotations

import pytest

from desktop_app.core.tex import has_tex, readable


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (r"runs in $\mathcal{O}(n^2)$ time", "runs in 𝒪(n²) time"),
        (r"the $\alpha$-divergence and the $\ell_1$ norm", "the α-divergence and the ℓ₁ norm"),
        (r"vectors in $\mathbb{R}^d$ as $k \to \infty$", "vectors in ℝᵈ as k →∞"),
        (r"$n^{2k}$ pairs, $x_{ij}$, $2^{-10}$", "n²ᵏ pairs, xᵢⱼ, 2⁻¹⁰"),
        (r"H$_2$O and top-$k$ retrieval", "H₂O and top-k retrieval"),
        (
            r"\emph{dense} retrieval \cite{lee19} beats 50\% \& more",
            "dense retrieval beats 50% & more",
        ),
        (r"costs \$5", "costs $5"),
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


def test_an_unknown_command_keeps_its_argument() -> None:
    # The command itself is in the tooltip (the source), not in the text read.
    assert readable(r"an \unknowncommand{arg} in $x$") == "an arg in x"
